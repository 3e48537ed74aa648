"""The gateway's domain: plain Python (no grpc, no boto3), adapters passed in as Protocols."""

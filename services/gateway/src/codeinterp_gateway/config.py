"""Gateway settings (environment variables CODEINTERP_*)."""

from __future__ import annotations

from dataclasses import dataclass

from codeinterp_common.config import ServerSettings, setting


@dataclass(frozen=True)
class GatewaySettings(ServerSettings):
    grpc_port: int = setting(50051, "Gateway gRPC port")
    http_port: int = setting(8080, "Gateway REST port (transcoded from the protos, OpenAPI at /openapi.json)")
    metrics_port: int = setting(9090, "Gateway Prometheus port (0: disabled)")
    mode: str = setting("embedded", "`embedded` (local store, local catalog) or `aws` (S3, Glue; CODEINTERP_AWS_* settings)")
    s3_multipart_threshold_mb: int = setting(16, "AWS mode: files above this size go to S3 as a multipart upload")
    s3_multipart_chunk_mb: int = setting(16, "AWS mode: multipart part size, MiB (S3 minimum 5)")
    data_dir: str = setting(".data/gateway", "SQLite database and the local object store")
    catalog_dir: str = setting("", "Optional directory of `<database>/<table>.csv|parquet` for the local catalog")
    public_base_url: str = setting("", "Base URL clients reach the REST API at (signed upload URLs); default http://<host>:<http_port>")
    upload_secret: str = setting("", "HMAC key for signed upload URLs; generated and kept in data_dir when empty")
    codegen_addr: str = setting("127.0.0.1:50052", "codegen host:port")
    spark_supervisor_addr: str = setting("127.0.0.1:50053", "spark-supervisor host:port")
    ray_supervisor_addr: str = setting("127.0.0.1:50054", "ray-supervisor host:port")
    max_body_mb: int = setting(8, "Largest JSON request body over REST, MiB")
    max_upload_body_mb: int = setting(100, "Largest raw upload body over REST, MiB")
    unary_timeout_s: float = setting(600.0, "Deadline for unary calls when the client sends none (Generate/Execute run a whole solve loop)")
    stream_timeout_s: float = setting(900.0, "Deadline for streaming calls (Ask) when the client sends none")
    # Authentication, authorization and quotas (issue 7; README "Authentication").
    auth_anonymous: bool = setting(True, "Serve callers without credentials as the anonymous principal (embedded default; Helm: false)")
    auth_anonymous_principal: str = setting("anonymous", "Principal id of anonymous callers")
    auth_anonymous_roles: str = setting("analyst,admin", "Roles of anonymous callers (viewer, analyst, admin)")
    auth_api_keys_file: str = setting("", "JSON file of hashed API keys (a mounted Secret); re-read when it changes")
    auth_jwt_issuer: str = setting("", "Trusted JWT issuer (iss); enables bearer JWTs with the audience and a JWKS")
    auth_jwt_audience: str = setting("", "Required JWT audience (aud)")
    auth_jwks_file: str = setting("", "JWKS file with the issuer's public keys")
    auth_jwks_url: str = setting("", "JWKS URL (fetched and cached for 5 min) instead of a file")
    auth_jwt_algorithms: str = setting("RS256,ES256", "Accepted JWT algorithms (asymmetric only)")
    auth_jwt_leeway_s: float = setting(30.0, "Clock skew allowed on exp/nbf, seconds")
    auth_jwt_roles_claim: str = setting("roles", "JWT claim carrying the roles (list or space-separated)")
    auth_jwt_default_roles: str = setting("", "Roles every valid JWT gets in addition to its claim")
    quota_requests_per_minute: int = setting(0, "Requests per minute per principal, token bucket (0: unlimited)")
    quota_concurrent_jobs: int = setting(0, "Ask/Generate/Execute/Solve calls in flight per principal (0: unlimited)")

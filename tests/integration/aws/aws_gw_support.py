"""Helpers for the gateway's AWS-mode tests (imported, not a conftest): AwsSettings pointing at
the shared moto server, one fresh bucket per caller so tests never see each other's objects."""

from __future__ import annotations

import uuid

from codeinterp_common.aws import AwsSettings


def aws_settings(moto_server, *, bucket: str = "", prefix: str = "codeinterp") -> AwsSettings:
    bucket = bucket or f"gw-{uuid.uuid4().hex[:12]}"
    moto_server.client("s3").create_bucket(Bucket=bucket)
    return AwsSettings(
        aws_region=moto_server.region,
        aws_endpoint_url=moto_server.endpoint,
        aws_bucket=bucket,
        aws_prefix=prefix,
        aws_max_attempts=2,
    )


def glue_table_input(
    name: str,
    location: str,
    *,
    fmt: str = "csv",
    columns=(("id", "bigint"), ("name", "string")),
    partition_keys=(),
    header: bool = True,
    params: dict | None = None,
) -> dict:
    """A TableInput as a Glue crawler would write it."""
    if fmt == "parquet":
        serde = {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}
        input_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    else:
        serde = {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            "Parameters": {"field.delim": ","},
        }
        input_format = "org.apache.hadoop.mapred.TextInputFormat"
    table_params = {
        "classification": fmt,
        **({"skip.header.line.count": "1"} if header and fmt == "csv" else {}),
        **(params or {}),
    }
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": table_params,
        "PartitionKeys": [{"Name": n, "Type": t} for n, t in partition_keys],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in columns],
            "Location": location,
            "InputFormat": input_format,
            "SerdeInfo": serde,
        },
    }

import datetime

from codeinterp.common.v1 import types_pb2 as _types_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Settings(_message.Message):
    __slots__ = ("name", "global_settings", "spark", "ray", "update_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_SETTINGS_FIELD_NUMBER: _ClassVar[int]
    SPARK_FIELD_NUMBER: _ClassVar[int]
    RAY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    global_settings: GlobalSettings
    spark: SparkSettings
    ray: RaySettings
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., global_settings: _Optional[_Union[GlobalSettings, _Mapping]] = ..., spark: _Optional[_Union[SparkSettings, _Mapping]] = ..., ray: _Optional[_Union[RaySettings, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GlobalSettings(_message.Message):
    __slots__ = ("llm_provider", "bedrock_model", "bedrock_region", "openai_base_url", "openai_model", "default_framework", "max_attempts", "max_prompt_chars", "max_upload_mb", "job_timeout_seconds")
    LLM_PROVIDER_FIELD_NUMBER: _ClassVar[int]
    BEDROCK_MODEL_FIELD_NUMBER: _ClassVar[int]
    BEDROCK_REGION_FIELD_NUMBER: _ClassVar[int]
    OPENAI_BASE_URL_FIELD_NUMBER: _ClassVar[int]
    OPENAI_MODEL_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FRAMEWORK_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    MAX_PROMPT_CHARS_FIELD_NUMBER: _ClassVar[int]
    MAX_UPLOAD_MB_FIELD_NUMBER: _ClassVar[int]
    JOB_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    llm_provider: str
    bedrock_model: str
    bedrock_region: str
    openai_base_url: str
    openai_model: str
    default_framework: _types_pb2.Framework
    max_attempts: int
    max_prompt_chars: int
    max_upload_mb: int
    job_timeout_seconds: int
    def __init__(self, llm_provider: _Optional[str] = ..., bedrock_model: _Optional[str] = ..., bedrock_region: _Optional[str] = ..., openai_base_url: _Optional[str] = ..., openai_model: _Optional[str] = ..., default_framework: _Optional[_Union[_types_pb2.Framework, str]] = ..., max_attempts: _Optional[int] = ..., max_prompt_chars: _Optional[int] = ..., max_upload_mb: _Optional[int] = ..., job_timeout_seconds: _Optional[int] = ...) -> None: ...

class SparkSettings(_message.Message):
    __slots__ = ("s3_bucket", "lambda_function", "emr_application_id", "max_retries", "file_size_threshold_mb", "result_preview_rows", "presigned_url_expiry_hours", "lambda_timeout_seconds", "emr_timeout_minutes", "default_platform")
    S3_BUCKET_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    EMR_APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_THRESHOLD_MB_FIELD_NUMBER: _ClassVar[int]
    RESULT_PREVIEW_ROWS_FIELD_NUMBER: _ClassVar[int]
    PRESIGNED_URL_EXPIRY_HOURS_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    EMR_TIMEOUT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    s3_bucket: str
    lambda_function: str
    emr_application_id: str
    max_retries: int
    file_size_threshold_mb: int
    result_preview_rows: int
    presigned_url_expiry_hours: int
    lambda_timeout_seconds: int
    emr_timeout_minutes: int
    default_platform: _types_pb2.ExecutionPlatform
    def __init__(self, s3_bucket: _Optional[str] = ..., lambda_function: _Optional[str] = ..., emr_application_id: _Optional[str] = ..., max_retries: _Optional[int] = ..., file_size_threshold_mb: _Optional[int] = ..., result_preview_rows: _Optional[int] = ..., presigned_url_expiry_hours: _Optional[int] = ..., lambda_timeout_seconds: _Optional[int] = ..., emr_timeout_minutes: _Optional[int] = ..., default_platform: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ...) -> None: ...

class RaySettings(_message.Message):
    __slots__ = ("address", "cluster_name", "namespace", "max_retries", "entrypoint_num_cpus")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    CLUSTER_NAME_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINT_NUM_CPUS_FIELD_NUMBER: _ClassVar[int]
    address: str
    cluster_name: str
    namespace: str
    max_retries: int
    entrypoint_num_cpus: float
    def __init__(self, address: _Optional[str] = ..., cluster_name: _Optional[str] = ..., namespace: _Optional[str] = ..., max_retries: _Optional[int] = ..., entrypoint_num_cpus: _Optional[float] = ...) -> None: ...

class GetSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class UpdateSettingsRequest(_message.Message):
    __slots__ = ("settings", "update_mask")
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    settings: Settings
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, settings: _Optional[_Union[Settings, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class RestoreDefaultSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

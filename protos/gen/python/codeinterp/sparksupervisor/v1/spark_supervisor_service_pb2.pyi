import datetime

from codeinterp.common.v1 import types_pb2 as _types_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SparkJob(_message.Message):
    __slots__ = ("name", "uid", "code", "code_sha256", "inputs", "execution_platform", "effective_platform", "platform_reason", "limits", "session", "state", "state_message", "state_time", "error_class", "manifest", "create_time", "labels", "backend_id")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[SparkJob.State]
        PENDING: _ClassVar[SparkJob.State]
        RUNNING: _ClassVar[SparkJob.State]
        CANCELLING: _ClassVar[SparkJob.State]
        CANCELLED: _ClassVar[SparkJob.State]
        SUCCEEDED: _ClassVar[SparkJob.State]
        FAILED: _ClassVar[SparkJob.State]
    STATE_UNSPECIFIED: SparkJob.State
    PENDING: SparkJob.State
    RUNNING: SparkJob.State
    CANCELLING: SparkJob.State
    CANCELLED: SparkJob.State
    SUCCEEDED: SparkJob.State
    FAILED: SparkJob.State
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    CODE_SHA256_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_REASON_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_CLASS_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    BACKEND_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    uid: str
    code: str
    code_sha256: str
    inputs: _containers.RepeatedCompositeFieldContainer[_types_pb2.ExecutionInput]
    execution_platform: _types_pb2.ExecutionPlatform
    effective_platform: _types_pb2.ExecutionPlatform
    platform_reason: str
    limits: _types_pb2.RunLimits
    session: str
    state: SparkJob.State
    state_message: str
    state_time: _timestamp_pb2.Timestamp
    error_class: _types_pb2.ErrorClass
    manifest: _types_pb2.ResultManifest
    create_time: _timestamp_pb2.Timestamp
    labels: _containers.ScalarMap[str, str]
    backend_id: str
    def __init__(self, name: _Optional[str] = ..., uid: _Optional[str] = ..., code: _Optional[str] = ..., code_sha256: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[_types_pb2.ExecutionInput, _Mapping]]] = ..., execution_platform: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ..., effective_platform: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ..., platform_reason: _Optional[str] = ..., limits: _Optional[_Union[_types_pb2.RunLimits, _Mapping]] = ..., session: _Optional[str] = ..., state: _Optional[_Union[SparkJob.State, str]] = ..., state_message: _Optional[str] = ..., state_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error_class: _Optional[_Union[_types_pb2.ErrorClass, str]] = ..., manifest: _Optional[_Union[_types_pb2.ResultManifest, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., backend_id: _Optional[str] = ...) -> None: ...

class ValidateCodeRequest(_message.Message):
    __slots__ = ("code", "inputs", "workflow")
    CODE_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    code: str
    inputs: _containers.RepeatedCompositeFieldContainer[_types_pb2.ExecutionInput]
    workflow: _types_pb2.Workflow
    def __init__(self, code: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[_types_pb2.ExecutionInput, _Mapping]]] = ..., workflow: _Optional[_Union[_types_pb2.Workflow, str]] = ...) -> None: ...

class ValidateCodeResponse(_message.Message):
    __slots__ = ("report",)
    REPORT_FIELD_NUMBER: _ClassVar[int]
    report: _types_pb2.ValidationReport
    def __init__(self, report: _Optional[_Union[_types_pb2.ValidationReport, _Mapping]] = ...) -> None: ...

class CreateSparkJobRequest(_message.Message):
    __slots__ = ("spark_job", "spark_job_id", "request_id")
    SPARK_JOB_FIELD_NUMBER: _ClassVar[int]
    SPARK_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    spark_job: SparkJob
    spark_job_id: str
    request_id: str
    def __init__(self, spark_job: _Optional[_Union[SparkJob, _Mapping]] = ..., spark_job_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetSparkJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListSparkJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "session")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    session: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., session: _Optional[str] = ...) -> None: ...

class ListSparkJobsResponse(_message.Message):
    __slots__ = ("spark_jobs", "next_page_token")
    SPARK_JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    spark_jobs: _containers.RepeatedCompositeFieldContainer[SparkJob]
    next_page_token: str
    def __init__(self, spark_jobs: _Optional[_Iterable[_Union[SparkJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelSparkJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchSparkJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListResultRowsRequest(_message.Message):
    __slots__ = ("name", "page_size", "page_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    page_size: int
    page_token: str
    def __init__(self, name: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListResultRowsResponse(_message.Message):
    __slots__ = ("schema", "rows", "next_page_token", "total_row_count")
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    schema: _containers.RepeatedCompositeFieldContainer[_types_pb2.Column]
    rows: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    next_page_token: str
    total_row_count: int
    def __init__(self, schema: _Optional[_Iterable[_Union[_types_pb2.Column, _Mapping]]] = ..., rows: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_row_count: _Optional[int] = ...) -> None: ...

class ExportSparkJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SolveRequest(_message.Message):
    __slots__ = ("prompt", "inputs", "workflow", "code", "execution_platform", "max_attempts", "session", "request_id", "provider", "model", "limits")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    inputs: _containers.RepeatedCompositeFieldContainer[_types_pb2.ExecutionInput]
    workflow: _types_pb2.Workflow
    code: str
    execution_platform: _types_pb2.ExecutionPlatform
    max_attempts: int
    session: str
    request_id: str
    provider: str
    model: str
    limits: _types_pb2.RunLimits
    def __init__(self, prompt: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[_types_pb2.ExecutionInput, _Mapping]]] = ..., workflow: _Optional[_Union[_types_pb2.Workflow, str]] = ..., code: _Optional[str] = ..., execution_platform: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ..., max_attempts: _Optional[int] = ..., session: _Optional[str] = ..., request_id: _Optional[str] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., limits: _Optional[_Union[_types_pb2.RunLimits, _Mapping]] = ...) -> None: ...

class GetPlatformStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PlatformStatus(_message.Message):
    __slots__ = ("local_status", "lambda_status", "emr_status", "lambda_function", "emr_application_id", "mode", "detail")
    LOCAL_STATUS_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_STATUS_FIELD_NUMBER: _ClassVar[int]
    EMR_STATUS_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    EMR_APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    local_status: str
    lambda_status: str
    emr_status: str
    lambda_function: str
    emr_application_id: str
    mode: str
    detail: str
    def __init__(self, local_status: _Optional[str] = ..., lambda_status: _Optional[str] = ..., emr_status: _Optional[str] = ..., lambda_function: _Optional[str] = ..., emr_application_id: _Optional[str] = ..., mode: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class GetSparkConfigRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SparkConfig(_message.Message):
    __slots__ = ("s3_bucket", "lambda_function", "emr_application_id", "region", "model_id", "max_retries", "file_size_threshold_mb", "result_preview_rows", "presigned_url_expiry_hours", "lambda_timeout_seconds", "emr_timeout_minutes", "mode")
    S3_BUCKET_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    EMR_APPLICATION_ID_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    FILE_SIZE_THRESHOLD_MB_FIELD_NUMBER: _ClassVar[int]
    RESULT_PREVIEW_ROWS_FIELD_NUMBER: _ClassVar[int]
    PRESIGNED_URL_EXPIRY_HOURS_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    EMR_TIMEOUT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    s3_bucket: str
    lambda_function: str
    emr_application_id: str
    region: str
    model_id: str
    max_retries: int
    file_size_threshold_mb: int
    result_preview_rows: int
    presigned_url_expiry_hours: int
    lambda_timeout_seconds: int
    emr_timeout_minutes: int
    mode: str
    def __init__(self, s3_bucket: _Optional[str] = ..., lambda_function: _Optional[str] = ..., emr_application_id: _Optional[str] = ..., region: _Optional[str] = ..., model_id: _Optional[str] = ..., max_retries: _Optional[int] = ..., file_size_threshold_mb: _Optional[int] = ..., result_preview_rows: _Optional[int] = ..., presigned_url_expiry_hours: _Optional[int] = ..., lambda_timeout_seconds: _Optional[int] = ..., emr_timeout_minutes: _Optional[int] = ..., mode: _Optional[str] = ...) -> None: ...

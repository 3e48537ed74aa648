import datetime

from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Framework(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FRAMEWORK_UNSPECIFIED: _ClassVar[Framework]
    SPARK: _ClassVar[Framework]
    RAY: _ClassVar[Framework]

class ExecutionPlatform(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXECUTION_PLATFORM_UNSPECIFIED: _ClassVar[ExecutionPlatform]
    AUTO: _ClassVar[ExecutionPlatform]
    LOCAL: _ClassVar[ExecutionPlatform]
    LAMBDA: _ClassVar[ExecutionPlatform]
    EMR_SERVERLESS: _ClassVar[ExecutionPlatform]
    EMR: _ClassVar[ExecutionPlatform]

class Workflow(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKFLOW_UNSPECIFIED: _ClassVar[Workflow]
    CSV: _ClassVar[Workflow]
    CATALOG: _ClassVar[Workflow]
    NONE: _ClassVar[Workflow]

class ErrorClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ERROR_CLASS_UNSPECIFIED: _ClassVar[ErrorClass]
    CODE: _ClassVar[ErrorClass]
    DATA: _ClassVar[ErrorClass]
    RESOURCE: _ClassVar[ErrorClass]
    PERMISSION: _ClassVar[ErrorClass]
    TIMEOUT: _ClassVar[ErrorClass]
    VALIDATION: _ClassVar[ErrorClass]
    CANCELLED_BY_USER: _ClassVar[ErrorClass]
    INFRASTRUCTURE: _ClassVar[ErrorClass]

class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGE_UNSPECIFIED: _ClassVar[Stage]
    PREPARE: _ClassVar[Stage]
    GENERATE: _ClassVar[Stage]
    VALIDATE: _ClassVar[Stage]
    RUN: _ClassVar[Stage]
    FETCH_RESULTS: _ClassVar[Stage]
    REPAIR: _ClassVar[Stage]
    DONE: _ClassVar[Stage]
FRAMEWORK_UNSPECIFIED: Framework
SPARK: Framework
RAY: Framework
EXECUTION_PLATFORM_UNSPECIFIED: ExecutionPlatform
AUTO: ExecutionPlatform
LOCAL: ExecutionPlatform
LAMBDA: ExecutionPlatform
EMR_SERVERLESS: ExecutionPlatform
EMR: ExecutionPlatform
WORKFLOW_UNSPECIFIED: Workflow
CSV: Workflow
CATALOG: Workflow
NONE: Workflow
ERROR_CLASS_UNSPECIFIED: ErrorClass
CODE: ErrorClass
DATA: ErrorClass
RESOURCE: ErrorClass
PERMISSION: ErrorClass
TIMEOUT: ErrorClass
VALIDATION: ErrorClass
CANCELLED_BY_USER: ErrorClass
INFRASTRUCTURE: ErrorClass
STAGE_UNSPECIFIED: Stage
PREPARE: Stage
GENERATE: Stage
VALIDATE: Stage
RUN: Stage
FETCH_RESULTS: Stage
REPAIR: Stage
DONE: Stage

class TableRef(_message.Message):
    __slots__ = ("database", "table")
    DATABASE_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    database: str
    table: str
    def __init__(self, database: _Optional[str] = ..., table: _Optional[str] = ...) -> None: ...

class DataSource(_message.Message):
    __slots__ = ("dataset", "table", "s3_uri")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    S3_URI_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    table: TableRef
    s3_uri: str
    def __init__(self, dataset: _Optional[str] = ..., table: _Optional[_Union[TableRef, _Mapping]] = ..., s3_uri: _Optional[str] = ...) -> None: ...

class Column(_message.Message):
    __slots__ = ("name", "type", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    description: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ExecutionInput(_message.Message):
    __slots__ = ("name", "kind", "uri", "table", "columns", "sample_rows", "size_bytes", "data_version", "csv_format")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[ExecutionInput.Kind]
        CSV_FILE: _ClassVar[ExecutionInput.Kind]
        TABLE: _ClassVar[ExecutionInput.Kind]
    KIND_UNSPECIFIED: ExecutionInput.Kind
    CSV_FILE: ExecutionInput.Kind
    TABLE: ExecutionInput.Kind
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_ROWS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DATA_VERSION_FIELD_NUMBER: _ClassVar[int]
    CSV_FORMAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: ExecutionInput.Kind
    uri: str
    table: TableRef
    columns: _containers.RepeatedCompositeFieldContainer[Column]
    sample_rows: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    size_bytes: int
    data_version: str
    csv_format: CsvFormat
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[ExecutionInput.Kind, str]] = ..., uri: _Optional[str] = ..., table: _Optional[_Union[TableRef, _Mapping]] = ..., columns: _Optional[_Iterable[_Union[Column, _Mapping]]] = ..., sample_rows: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., size_bytes: _Optional[int] = ..., data_version: _Optional[str] = ..., csv_format: _Optional[_Union[CsvFormat, _Mapping]] = ...) -> None: ...

class CsvFormat(_message.Message):
    __slots__ = ("delimiter", "header", "encoding", "quote")
    DELIMITER_FIELD_NUMBER: _ClassVar[int]
    HEADER_FIELD_NUMBER: _ClassVar[int]
    ENCODING_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    delimiter: str
    header: bool
    encoding: str
    quote: str
    def __init__(self, delimiter: _Optional[str] = ..., header: _Optional[bool] = ..., encoding: _Optional[str] = ..., quote: _Optional[str] = ...) -> None: ...

class Violation(_message.Message):
    __slots__ = ("rule_id", "message", "line", "column", "severity")
    class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SEVERITY_UNSPECIFIED: _ClassVar[Violation.Severity]
        ERROR: _ClassVar[Violation.Severity]
        WARNING: _ClassVar[Violation.Severity]
    SEVERITY_UNSPECIFIED: Violation.Severity
    ERROR: Violation.Severity
    WARNING: Violation.Severity
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    message: str
    line: int
    column: int
    severity: Violation.Severity
    def __init__(self, rule_id: _Optional[str] = ..., message: _Optional[str] = ..., line: _Optional[int] = ..., column: _Optional[int] = ..., severity: _Optional[_Union[Violation.Severity, str]] = ...) -> None: ...

class ValidationReport(_message.Message):
    __slots__ = ("valid", "violations", "code_sha256", "duration")
    VALID_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    CODE_SHA256_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    violations: _containers.RepeatedCompositeFieldContainer[Violation]
    code_sha256: str
    duration: _duration_pb2.Duration
    def __init__(self, valid: _Optional[bool] = ..., violations: _Optional[_Iterable[_Union[Violation, _Mapping]]] = ..., code_sha256: _Optional[str] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ResultManifest(_message.Message):
    __slots__ = ("schema", "row_count", "preview_rows", "complete", "scalar", "files", "stdout_tail", "stderr_tail", "run_duration", "write_duration")
    SCHEMA_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_ROWS_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    SCALAR_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    STDOUT_TAIL_FIELD_NUMBER: _ClassVar[int]
    STDERR_TAIL_FIELD_NUMBER: _ClassVar[int]
    RUN_DURATION_FIELD_NUMBER: _ClassVar[int]
    WRITE_DURATION_FIELD_NUMBER: _ClassVar[int]
    schema: _containers.RepeatedCompositeFieldContainer[Column]
    row_count: int
    preview_rows: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    complete: bool
    scalar: _struct_pb2.Value
    files: _containers.RepeatedCompositeFieldContainer[OutputFile]
    stdout_tail: str
    stderr_tail: str
    run_duration: _duration_pb2.Duration
    write_duration: _duration_pb2.Duration
    def __init__(self, schema: _Optional[_Iterable[_Union[Column, _Mapping]]] = ..., row_count: _Optional[int] = ..., preview_rows: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., complete: _Optional[bool] = ..., scalar: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., files: _Optional[_Iterable[_Union[OutputFile, _Mapping]]] = ..., stdout_tail: _Optional[str] = ..., stderr_tail: _Optional[str] = ..., run_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., write_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class OutputFile(_message.Message):
    __slots__ = ("uri", "format", "size_bytes", "download_url")
    URI_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    DOWNLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    uri: str
    format: str
    size_bytes: int
    download_url: str
    def __init__(self, uri: _Optional[str] = ..., format: _Optional[str] = ..., size_bytes: _Optional[int] = ..., download_url: _Optional[str] = ...) -> None: ...

class Attempt(_message.Message):
    __slots__ = ("number", "code", "validation", "job", "error", "error_class", "generate_duration", "run_duration")
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_CLASS_FIELD_NUMBER: _ClassVar[int]
    GENERATE_DURATION_FIELD_NUMBER: _ClassVar[int]
    RUN_DURATION_FIELD_NUMBER: _ClassVar[int]
    number: int
    code: str
    validation: ValidationReport
    job: str
    error: str
    error_class: ErrorClass
    generate_duration: _duration_pb2.Duration
    run_duration: _duration_pb2.Duration
    def __init__(self, number: _Optional[int] = ..., code: _Optional[str] = ..., validation: _Optional[_Union[ValidationReport, _Mapping]] = ..., job: _Optional[str] = ..., error: _Optional[str] = ..., error_class: _Optional[_Union[ErrorClass, str]] = ..., generate_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., run_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SolveResult(_message.Message):
    __slots__ = ("success", "code", "manifest", "attempts", "error", "error_class", "job", "execution_platform", "total_duration", "provider", "model")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_CLASS_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DURATION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    success: bool
    code: str
    manifest: ResultManifest
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    error: str
    error_class: ErrorClass
    job: str
    execution_platform: ExecutionPlatform
    total_duration: _duration_pb2.Duration
    provider: str
    model: str
    def __init__(self, success: _Optional[bool] = ..., code: _Optional[str] = ..., manifest: _Optional[_Union[ResultManifest, _Mapping]] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ..., error: _Optional[str] = ..., error_class: _Optional[_Union[ErrorClass, str]] = ..., job: _Optional[str] = ..., execution_platform: _Optional[_Union[ExecutionPlatform, str]] = ..., total_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ...) -> None: ...

class SolveEvent(_message.Message):
    __slots__ = ("stage", "attempt", "message", "time", "code", "validation", "job_event", "result")
    STAGE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    JOB_EVENT_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    stage: Stage
    attempt: int
    message: str
    time: _timestamp_pb2.Timestamp
    code: str
    validation: ValidationReport
    job_event: JobEvent
    result: SolveResult
    def __init__(self, stage: _Optional[_Union[Stage, str]] = ..., attempt: _Optional[int] = ..., message: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., code: _Optional[str] = ..., validation: _Optional[_Union[ValidationReport, _Mapping]] = ..., job_event: _Optional[_Union[JobEvent, _Mapping]] = ..., result: _Optional[_Union[SolveResult, _Mapping]] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("job", "time", "state", "log_line", "detail")
    JOB_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    LOG_LINE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    job: str
    time: _timestamp_pb2.Timestamp
    state: str
    log_line: str
    detail: str
    def __init__(self, job: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[str] = ..., log_line: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class RunLimits(_message.Message):
    __slots__ = ("timeout", "preview_rows", "max_output_bytes")
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_ROWS_FIELD_NUMBER: _ClassVar[int]
    MAX_OUTPUT_BYTES_FIELD_NUMBER: _ClassVar[int]
    timeout: _duration_pb2.Duration
    preview_rows: int
    max_output_bytes: int
    def __init__(self, timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., preview_rows: _Optional[int] = ..., max_output_bytes: _Optional[int] = ...) -> None: ...

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

class RayJob(_message.Message):
    __slots__ = ("name", "uid", "code", "code_sha256", "inputs", "limits", "session", "state", "state_message", "state_time", "error_class", "manifest", "create_time", "labels", "backend_id")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[RayJob.State]
        PENDING: _ClassVar[RayJob.State]
        RUNNING: _ClassVar[RayJob.State]
        CANCELLING: _ClassVar[RayJob.State]
        CANCELLED: _ClassVar[RayJob.State]
        SUCCEEDED: _ClassVar[RayJob.State]
        FAILED: _ClassVar[RayJob.State]
    STATE_UNSPECIFIED: RayJob.State
    PENDING: RayJob.State
    RUNNING: RayJob.State
    CANCELLING: RayJob.State
    CANCELLED: RayJob.State
    SUCCEEDED: RayJob.State
    FAILED: RayJob.State
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
    limits: _types_pb2.RunLimits
    session: str
    state: RayJob.State
    state_message: str
    state_time: _timestamp_pb2.Timestamp
    error_class: _types_pb2.ErrorClass
    manifest: _types_pb2.ResultManifest
    create_time: _timestamp_pb2.Timestamp
    labels: _containers.ScalarMap[str, str]
    backend_id: str
    def __init__(self, name: _Optional[str] = ..., uid: _Optional[str] = ..., code: _Optional[str] = ..., code_sha256: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[_types_pb2.ExecutionInput, _Mapping]]] = ..., limits: _Optional[_Union[_types_pb2.RunLimits, _Mapping]] = ..., session: _Optional[str] = ..., state: _Optional[_Union[RayJob.State, str]] = ..., state_message: _Optional[str] = ..., state_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error_class: _Optional[_Union[_types_pb2.ErrorClass, str]] = ..., manifest: _Optional[_Union[_types_pb2.ResultManifest, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., backend_id: _Optional[str] = ...) -> None: ...

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

class CreateRayJobRequest(_message.Message):
    __slots__ = ("ray_job", "ray_job_id", "request_id")
    RAY_JOB_FIELD_NUMBER: _ClassVar[int]
    RAY_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ray_job: RayJob
    ray_job_id: str
    request_id: str
    def __init__(self, ray_job: _Optional[_Union[RayJob, _Mapping]] = ..., ray_job_id: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetRayJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListRayJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "session")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    session: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., session: _Optional[str] = ...) -> None: ...

class ListRayJobsResponse(_message.Message):
    __slots__ = ("ray_jobs", "next_page_token")
    RAY_JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ray_jobs: _containers.RepeatedCompositeFieldContainer[RayJob]
    next_page_token: str
    def __init__(self, ray_jobs: _Optional[_Iterable[_Union[RayJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelRayJobRequest(_message.Message):
    __slots__ = ("name", "job_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    job_id: str
    def __init__(self, name: _Optional[str] = ..., job_id: _Optional[str] = ...) -> None: ...

class WatchRayJobRequest(_message.Message):
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

class ExportRayJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SolveRequest(_message.Message):
    __slots__ = ("prompt", "inputs", "workflow", "code", "max_attempts", "session", "request_id", "provider", "model", "limits")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
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
    max_attempts: int
    session: str
    request_id: str
    provider: str
    model: str
    limits: _types_pb2.RunLimits
    def __init__(self, prompt: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[_types_pb2.ExecutionInput, _Mapping]]] = ..., workflow: _Optional[_Union[_types_pb2.Workflow, str]] = ..., code: _Optional[str] = ..., max_attempts: _Optional[int] = ..., session: _Optional[str] = ..., request_id: _Optional[str] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., limits: _Optional[_Union[_types_pb2.RunLimits, _Mapping]] = ...) -> None: ...

class GetClusterStatusRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ClusterStatus(_message.Message):
    __slots__ = ("status", "ray_version", "dashboard_url", "nodes_alive", "cpus_used", "cpus_total", "memory_used_bytes", "memory_total_bytes", "object_store_used_bytes", "object_store_total_bytes", "running_jobs", "mode", "worker_groups", "detail")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RAY_VERSION_FIELD_NUMBER: _ClassVar[int]
    DASHBOARD_URL_FIELD_NUMBER: _ClassVar[int]
    NODES_ALIVE_FIELD_NUMBER: _ClassVar[int]
    CPUS_USED_FIELD_NUMBER: _ClassVar[int]
    CPUS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    MEMORY_USED_BYTES_FIELD_NUMBER: _ClassVar[int]
    MEMORY_TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    OBJECT_STORE_USED_BYTES_FIELD_NUMBER: _ClassVar[int]
    OBJECT_STORE_TOTAL_BYTES_FIELD_NUMBER: _ClassVar[int]
    RUNNING_JOBS_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    WORKER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    status: str
    ray_version: str
    dashboard_url: str
    nodes_alive: int
    cpus_used: float
    cpus_total: float
    memory_used_bytes: int
    memory_total_bytes: int
    object_store_used_bytes: int
    object_store_total_bytes: int
    running_jobs: int
    mode: str
    worker_groups: _containers.RepeatedCompositeFieldContainer[WorkerGroup]
    detail: str
    def __init__(self, status: _Optional[str] = ..., ray_version: _Optional[str] = ..., dashboard_url: _Optional[str] = ..., nodes_alive: _Optional[int] = ..., cpus_used: _Optional[float] = ..., cpus_total: _Optional[float] = ..., memory_used_bytes: _Optional[int] = ..., memory_total_bytes: _Optional[int] = ..., object_store_used_bytes: _Optional[int] = ..., object_store_total_bytes: _Optional[int] = ..., running_jobs: _Optional[int] = ..., mode: _Optional[str] = ..., worker_groups: _Optional[_Iterable[_Union[WorkerGroup, _Mapping]]] = ..., detail: _Optional[str] = ...) -> None: ...

class WorkerGroup(_message.Message):
    __slots__ = ("group_name", "replicas", "min_replicas", "max_replicas", "ready_replicas")
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    MIN_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    MAX_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    READY_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    group_name: str
    replicas: int
    min_replicas: int
    max_replicas: int
    ready_replicas: int
    def __init__(self, group_name: _Optional[str] = ..., replicas: _Optional[int] = ..., min_replicas: _Optional[int] = ..., max_replicas: _Optional[int] = ..., ready_replicas: _Optional[int] = ...) -> None: ...

class ScaleWorkerGroupRequest(_message.Message):
    __slots__ = ("group_name", "replicas")
    GROUP_NAME_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    group_name: str
    replicas: int
    def __init__(self, group_name: _Optional[str] = ..., replicas: _Optional[int] = ...) -> None: ...

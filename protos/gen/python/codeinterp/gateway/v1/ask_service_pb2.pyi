from codeinterp.common.v1 import types_pb2 as _types_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AskRequest(_message.Message):
    __slots__ = ("session", "session_id", "prompt", "framework", "data_sources", "execution_platform", "request_id", "max_attempts", "provider", "model", "s3_input_path", "selected_tables", "execution_engine", "s3_output_path", "seed_route")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_FIELD_NUMBER: _ClassVar[int]
    DATA_SOURCES_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    S3_INPUT_PATH_FIELD_NUMBER: _ClassVar[int]
    SELECTED_TABLES_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ENGINE_FIELD_NUMBER: _ClassVar[int]
    S3_OUTPUT_PATH_FIELD_NUMBER: _ClassVar[int]
    SEED_ROUTE_FIELD_NUMBER: _ClassVar[int]
    session: str
    session_id: str
    prompt: str
    framework: _types_pb2.Framework
    data_sources: _containers.RepeatedCompositeFieldContainer[_types_pb2.DataSource]
    execution_platform: _types_pb2.ExecutionPlatform
    request_id: str
    max_attempts: int
    provider: str
    model: str
    s3_input_path: str
    selected_tables: _containers.RepeatedCompositeFieldContainer[_types_pb2.TableRef]
    execution_engine: _types_pb2.ExecutionPlatform
    s3_output_path: str
    seed_route: str
    def __init__(self, session: _Optional[str] = ..., session_id: _Optional[str] = ..., prompt: _Optional[str] = ..., framework: _Optional[_Union[_types_pb2.Framework, str]] = ..., data_sources: _Optional[_Iterable[_Union[_types_pb2.DataSource, _Mapping]]] = ..., execution_platform: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ..., request_id: _Optional[str] = ..., max_attempts: _Optional[int] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., s3_input_path: _Optional[str] = ..., selected_tables: _Optional[_Iterable[_Union[_types_pb2.TableRef, _Mapping]]] = ..., execution_engine: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ..., s3_output_path: _Optional[str] = ..., seed_route: _Optional[str] = ...) -> None: ...

class ExecuteRequest(_message.Message):
    __slots__ = ("session", "session_id", "code", "spark_code", "framework", "data_sources", "execution_platform", "request_id", "execution_engine", "s3_output_path", "interactive", "s3_input_path", "selected_tables", "seed_route")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    SPARK_CODE_FIELD_NUMBER: _ClassVar[int]
    FRAMEWORK_FIELD_NUMBER: _ClassVar[int]
    DATA_SOURCES_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_PLATFORM_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_ENGINE_FIELD_NUMBER: _ClassVar[int]
    S3_OUTPUT_PATH_FIELD_NUMBER: _ClassVar[int]
    INTERACTIVE_FIELD_NUMBER: _ClassVar[int]
    S3_INPUT_PATH_FIELD_NUMBER: _ClassVar[int]
    SELECTED_TABLES_FIELD_NUMBER: _ClassVar[int]
    SEED_ROUTE_FIELD_NUMBER: _ClassVar[int]
    session: str
    session_id: str
    code: str
    spark_code: str
    framework: _types_pb2.Framework
    data_sources: _containers.RepeatedCompositeFieldContainer[_types_pb2.DataSource]
    execution_platform: _types_pb2.ExecutionPlatform
    request_id: str
    execution_engine: _types_pb2.ExecutionPlatform
    s3_output_path: str
    interactive: bool
    s3_input_path: str
    selected_tables: _containers.RepeatedCompositeFieldContainer[_types_pb2.TableRef]
    seed_route: str
    def __init__(self, session: _Optional[str] = ..., session_id: _Optional[str] = ..., code: _Optional[str] = ..., spark_code: _Optional[str] = ..., framework: _Optional[_Union[_types_pb2.Framework, str]] = ..., data_sources: _Optional[_Iterable[_Union[_types_pb2.DataSource, _Mapping]]] = ..., execution_platform: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ..., request_id: _Optional[str] = ..., execution_engine: _Optional[_Union[_types_pb2.ExecutionPlatform, str]] = ..., s3_output_path: _Optional[str] = ..., interactive: _Optional[bool] = ..., s3_input_path: _Optional[str] = ..., selected_tables: _Optional[_Iterable[_Union[_types_pb2.TableRef, _Mapping]]] = ..., seed_route: _Optional[str] = ...) -> None: ...

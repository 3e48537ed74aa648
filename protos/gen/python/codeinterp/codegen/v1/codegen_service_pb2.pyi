import datetime

from codeinterp.common.v1 import types_pb2 as _types_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GenerateCodeRequest(_message.Message):
    __slots__ = ("framework", "prompt", "inputs", "workflow", "previous_attempt", "provider", "model", "skip_cache")
    FRAMEWORK_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SKIP_CACHE_FIELD_NUMBER: _ClassVar[int]
    framework: _types_pb2.Framework
    prompt: str
    inputs: _containers.RepeatedCompositeFieldContainer[_types_pb2.ExecutionInput]
    workflow: _types_pb2.Workflow
    previous_attempt: PreviousAttempt
    provider: str
    model: str
    skip_cache: bool
    def __init__(self, framework: _Optional[_Union[_types_pb2.Framework, str]] = ..., prompt: _Optional[str] = ..., inputs: _Optional[_Iterable[_Union[_types_pb2.ExecutionInput, _Mapping]]] = ..., workflow: _Optional[_Union[_types_pb2.Workflow, str]] = ..., previous_attempt: _Optional[_Union[PreviousAttempt, _Mapping]] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., skip_cache: _Optional[bool] = ...) -> None: ...

class PreviousAttempt(_message.Message):
    __slots__ = ("code", "error", "error_class", "failing_line")
    CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ERROR_CLASS_FIELD_NUMBER: _ClassVar[int]
    FAILING_LINE_FIELD_NUMBER: _ClassVar[int]
    code: str
    error: str
    error_class: _types_pb2.ErrorClass
    failing_line: int
    def __init__(self, code: _Optional[str] = ..., error: _Optional[str] = ..., error_class: _Optional[_Union[_types_pb2.ErrorClass, str]] = ..., failing_line: _Optional[int] = ...) -> None: ...

class GenerateCodeResponse(_message.Message):
    __slots__ = ("code", "provider", "model", "cached", "plan_json", "explanation", "usage", "latency")
    CODE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CACHED_FIELD_NUMBER: _ClassVar[int]
    PLAN_JSON_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    code: str
    provider: str
    model: str
    cached: bool
    plan_json: str
    explanation: str
    usage: TokenUsage
    latency: _duration_pb2.Duration
    def __init__(self, code: _Optional[str] = ..., provider: _Optional[str] = ..., model: _Optional[str] = ..., cached: _Optional[bool] = ..., plan_json: _Optional[str] = ..., explanation: _Optional[str] = ..., usage: _Optional[_Union[TokenUsage, _Mapping]] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class TokenUsage(_message.Message):
    __slots__ = ("input_tokens", "output_tokens")
    INPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    input_tokens: int
    output_tokens: int
    def __init__(self, input_tokens: _Optional[int] = ..., output_tokens: _Optional[int] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models",)
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ("id", "name", "provider")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    provider: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., provider: _Optional[str] = ...) -> None: ...

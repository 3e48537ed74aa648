import datetime

from codeinterp.common.v1 import types_pb2 as _types_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Dataset(_message.Message):
    __slots__ = ("name", "uid", "filename", "uri", "size_bytes", "format", "source_encoding", "columns", "preview_rows", "row_count", "sha256", "create_time", "s3_uri", "preview", "success", "table")
    NAME_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ENCODING_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_ROWS_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    S3_URI_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    TABLE_FIELD_NUMBER: _ClassVar[int]
    name: str
    uid: str
    filename: str
    uri: str
    size_bytes: int
    format: _types_pb2.CsvFormat
    source_encoding: str
    columns: _containers.RepeatedCompositeFieldContainer[_types_pb2.Column]
    preview_rows: _containers.RepeatedCompositeFieldContainer[_struct_pb2.ListValue]
    row_count: int
    sha256: str
    create_time: _timestamp_pb2.Timestamp
    s3_uri: str
    preview: str
    success: bool
    table: _types_pb2.TableRef
    def __init__(self, name: _Optional[str] = ..., uid: _Optional[str] = ..., filename: _Optional[str] = ..., uri: _Optional[str] = ..., size_bytes: _Optional[int] = ..., format: _Optional[_Union[_types_pb2.CsvFormat, _Mapping]] = ..., source_encoding: _Optional[str] = ..., columns: _Optional[_Iterable[_Union[_types_pb2.Column, _Mapping]]] = ..., preview_rows: _Optional[_Iterable[_Union[_struct_pb2.ListValue, _Mapping]]] = ..., row_count: _Optional[int] = ..., sha256: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., s3_uri: _Optional[str] = ..., preview: _Optional[str] = ..., success: _Optional[bool] = ..., table: _Optional[_Union[_types_pb2.TableRef, _Mapping]] = ...) -> None: ...

class CreateDatasetRequest(_message.Message):
    __slots__ = ("parent", "session_id", "filename", "content", "dataset_id", "select")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    SELECT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    session_id: str
    filename: str
    content: str
    dataset_id: str
    select: bool
    def __init__(self, parent: _Optional[str] = ..., session_id: _Optional[str] = ..., filename: _Optional[str] = ..., content: _Optional[str] = ..., dataset_id: _Optional[str] = ..., select: _Optional[bool] = ...) -> None: ...

class UploadDatasetContentRequest(_message.Message):
    __slots__ = ("parent", "filename", "dataset_id", "content", "select")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    SELECT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    filename: str
    dataset_id: str
    content: _httpbody_pb2.HttpBody
    select: bool
    def __init__(self, parent: _Optional[str] = ..., filename: _Optional[str] = ..., dataset_id: _Optional[str] = ..., content: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ..., select: _Optional[bool] = ...) -> None: ...

class StreamUploadDatasetRequest(_message.Message):
    __slots__ = ("parent", "filename", "dataset_id", "chunk", "select")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    SELECT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    filename: str
    dataset_id: str
    chunk: bytes
    select: bool
    def __init__(self, parent: _Optional[str] = ..., filename: _Optional[str] = ..., dataset_id: _Optional[str] = ..., chunk: _Optional[bytes] = ..., select: _Optional[bool] = ...) -> None: ...

class CreateDatasetUploadRequest(_message.Message):
    __slots__ = ("parent", "filename", "dataset_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    filename: str
    dataset_id: str
    def __init__(self, parent: _Optional[str] = ..., filename: _Optional[str] = ..., dataset_id: _Optional[str] = ...) -> None: ...

class DatasetUpload(_message.Message):
    __slots__ = ("name", "upload_url", "method", "headers", "expire_time", "max_size_bytes")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_URL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    name: str
    upload_url: str
    method: str
    headers: _containers.ScalarMap[str, str]
    expire_time: _timestamp_pb2.Timestamp
    max_size_bytes: int
    def __init__(self, name: _Optional[str] = ..., upload_url: _Optional[str] = ..., method: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., max_size_bytes: _Optional[int] = ...) -> None: ...

class PutUploadContentRequest(_message.Message):
    __slots__ = ("token", "content")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    token: str
    content: _httpbody_pb2.HttpBody
    def __init__(self, token: _Optional[str] = ..., content: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ...) -> None: ...

class CommitDatasetUploadRequest(_message.Message):
    __slots__ = ("name", "select")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SELECT_FIELD_NUMBER: _ClassVar[int]
    name: str
    select: bool
    def __init__(self, name: _Optional[str] = ..., select: _Optional[bool] = ...) -> None: ...

class GetDatasetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ("datasets", "next_page_token")
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[Dataset]
    next_page_token: str
    def __init__(self, datasets: _Optional[_Iterable[_Union[Dataset, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteDatasetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

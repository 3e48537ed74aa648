"""The lean JSON codec matches json_format (proto names, fields without presence printed)."""

from __future__ import annotations

import json
import math

import pytest
from google.api import httpbody_pb2
from google.protobuf import json_format
from hypothesis import given, settings
from hypothesis import strategies as st

from codeinterp.common.v1 import types_pb2
from codeinterp.gateway.v1 import dataset_service_pb2, session_service_pb2, settings_service_pb2
from codeinterp.sparksupervisor.v1 import spark_supervisor_service_pb2 as spark_pb2
from codeinterp_common.errors import InvalidArgument
from codeinterp_gateway.transcode.convert import dict_to_message, encode_message, set_path_values


def _reference(m):
    return json_format.MessageToDict(
        m, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _samples():
    ev = types_pb2.SolveEvent(stage=types_pb2.DONE, attempt=2, message="hé")
    ev.time.FromSeconds(1_700_000_000)
    ev.result.success = True
    ev.result.execution_platform = types_pb2.EMR  # alias: printed as the first name
    ev.result.manifest.row_count = 2**62
    row = ev.result.manifest.preview_rows.add()
    row.values.add().number_value = 3
    row.values.add().string_value = "x"
    row.values.add().null_value = 0
    row.values.add().bool_value = True
    row.values.add().struct_value.fields["k"].number_value = 1.5
    ev.result.manifest.scalar.list_value.values.add().number_value = -0.5
    ev.result.total_duration.FromMilliseconds(1500)
    ev.result.attempts.add(number=1, code="c", error_class=types_pb2.CODE)
    job = spark_pb2.SparkJob(name="sparkJobs/j", state=spark_pb2.SparkJob.FAILED, labels={"a": "b"})
    job.limits.timeout.FromSeconds(30)
    job.inputs.add(name="x", kind=types_pb2.ExecutionInput.TABLE, size_bytes=5)
    return [
        ev,
        job,
        types_pb2.SolveEvent(),
        session_service_pb2.Session(
            name="sessions/a", data_sources=[types_pb2.DataSource(s3_uri="s3://b/k")]
        ),
        session_service_pb2.UpdateSessionRequest(update_mask={"paths": ["display_name", "labels"]}),
        dataset_service_pb2.StreamUploadDatasetRequest(chunk=b"\x00\xff\x10"),
        settings_service_pb2.Settings(ray=settings_service_pb2.RaySettings(entrypoint_num_cpus=float("inf"))),
        httpbody_pb2.HttpBody(content_type="text/csv", data=b"a"),
        types_pb2.JobEvent(state="RUNNING"),
    ]


@pytest.mark.parametrize("msg", _samples(), ids=lambda m: m.DESCRIPTOR.name)
def test_encode_matches_json_format(msg):
    assert encode_message(msg) == _reference(msg)


@pytest.mark.parametrize("msg", _samples(), ids=lambda m: m.DESCRIPTOR.name)
def test_round_trip(msg):
    obj = json.loads(json.dumps(encode_message(msg)))
    assert dict_to_message(obj, type(msg)()) == msg


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (
            {"displayName": "a", "labels": {"k": "v"}},
            session_service_pb2.Session(display_name="a", labels={"k": "v"}),
        ),
        (
            {"display_name": "a", "createTime": "2024-01-01T00:00:00Z"},
            session_service_pb2.Session(display_name="a", create_time={"seconds": 1704067200}),
        ),
        (
            {"data_sources": [{"table": {"database": "d", "table": "t"}}]},
            session_service_pb2.Session(
                data_sources=[
                    types_pb2.DataSource(table=types_pb2.TableRef(database="d", table="t"))
                ]
            ),
        ),
        ({"name": None}, session_service_pb2.Session()),  # null = default (ParseDict path)
    ],
)
def test_decode(obj, expected):
    assert dict_to_message(obj, type(expected)()) == expected


@pytest.mark.parametrize(
    "obj",
    [
        {"nope": 1},
        {"display_name": 1},
        {"labels": []},
        {"data_sources": [{"dataset": "a", "s3_uri": "b"}]},
        {"create_time": "yesterday"},
        {"data_sources": {}},
    ],
)
def test_decode_errors_are_invalid_argument(obj):
    with pytest.raises(InvalidArgument):
        dict_to_message(obj, session_service_pb2.Session())


def test_path_values_typed():
    m = session_service_pb2.UpdateSessionRequest()
    set_path_values(m, {"session.name": "sessions/x"})
    assert m.session.name == "sessions/x"
    g = spark_pb2.CreateSparkJobRequest()
    set_path_values(g, {"spark_job.execution_platform": "emr"})
    assert g.spark_job.execution_platform == types_pb2.EMR_SERVERLESS
    with pytest.raises(InvalidArgument):
        set_path_values(spark_pb2.CreateSparkJobRequest(), {"spark_job.execution_platform": "mars"})


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.text(max_size=5)
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not math.isnan(f)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(_json_values, max_size=4), max_size=3))
def test_struct_values_match_json_format(rows):
    m = spark_pb2.ListResultRowsResponse()
    for r in rows:
        m.rows.add().extend(r)
    assert encode_message(m) == _reference(m)
    assert dict_to_message(json.loads(json.dumps(encode_message(m))), spark_pb2.ListResultRowsResponse()) == m


@settings(max_examples=60, deadline=None)
@given(
    obj=st.dictionaries(
        st.sampled_from(["prompt", "maxAttempts", "framework", "session_id", "x"]),
        _json_values | st.integers(),
        max_size=4,
    )
)
def test_arbitrary_input_never_crashes(obj):
    from codeinterp.gateway.v1 import ask_service_pb2

    try:
        dict_to_message(obj, ask_service_pb2.AskRequest())
    except InvalidArgument:
        pass

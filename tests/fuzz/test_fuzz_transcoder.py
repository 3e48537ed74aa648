"""Property tests of the REST transcoder with the real gateway app in-process (issue 7 item 8):
random methods, paths (every route template with random segments, raw percent-encodings,
traversal), query strings, headers and bodies. The gateway's own services run on local
adapters in a temp dir; codegen and the supervisors are absent, so forwarded calls must come
back 503 UNAVAILABLE. Whatever the input: never a 500/INTERNAL, never a traceback, and every
error is a google.rpc.Status JSON body."""

from __future__ import annotations

import json
import re
import string
from urllib.parse import quote

import pytest
from fuzz_profile import fuzz
from gateway_app import GatewayHarness
from hypothesis import example, given
from hypothesis import strategies as st


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    with GatewayHarness(
        tmp_path_factory.mktemp("fuzz-gateway"), unary_timeout=2.0, stream_timeout=2.0
    ) as harness:
        harness.request(
            "POST",
            "/upload-csv",
            json_body={"session_id": "fuzz-1", "filename": "s.csv", "content": "region,amount\nEast,1\n"},
        )
        yield harness


@pytest.fixture(scope="module")
def templates(gw) -> list[str]:
    return sorted(json.loads(gw.app._openapi())["paths"])


NASTY_CHARS = "./\\%:;`'\" \t\x00\u202e\u00e9\U0001f600*{}?#&=+"
raw_segment = st.text(
    alphabet=st.sampled_from(string.ascii_lowercase + string.digits + "-_") | st.sampled_from(NASTY_CHARS),
    min_size=0,
    max_size=20,
)
segment = st.one_of(
    st.sampled_from(
        ["fuzz-1", "ses-aaaa", "default", "sales", "orders", "s", "..", ".", "%2e%2e", "%2F", "%00", ""]
    ),
    raw_segment.map(lambda s: quote(s, safe="")),
    raw_segment.map(lambda s: quote(s, safe="/.%")),
)
NAMEISH = {"name", "parent", "session"}


@st.composite
def paths(draw, templates: list[str]) -> str:
    if draw(st.integers(0, 9)) == 0:  # a free-form path now and then
        return "/" + "/".join(draw(st.lists(segment, max_size=6)))
    template = draw(st.sampled_from(templates))

    def fill(m: re.Match) -> str:
        if m.group(1) in NAMEISH:
            kind = draw(st.sampled_from(["sessions", "databases", "x"]))
            parts = [kind, draw(segment)] + draw(
                st.lists(st.sampled_from(["uploads", "datasets", "tables"]) | segment, max_size=3)
            )
            return "/".join(parts)
        return draw(segment)

    return re.sub(r"\{([^}]+)\}", fill, template)


query_keys = st.sampled_from(
    [
        "page_size",
        "page_token",
        "update_mask",
        "filename",
        "framework",
        "view",
        "kind",
        "session_id",
        "dataset_id",
        "select",
        "max_attempts",
        "$alt",
        "spark_job.code",
        "settings.global.max_upload_mb",
        "x",
        "",
    ]
)
query_values = st.one_of(
    st.text(max_size=20),
    st.integers().map(str),
    st.sampled_from(["99999999999999999999999", "-1", "true", "NaN", "SPARK", "99", "%", "%zz", "a,b"]),
)
queries = st.lists(st.tuples(query_keys, query_values), max_size=4).map(
    lambda kv: "&".join(f"{quote(k)}={quote(v, safe='%')}" for k, v in kv)
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "display_name",
                    "name",
                    "prompt",
                    "framework",
                    "tables",
                    "database",
                    "table",
                    "content",
                    "filename",
                    "session_id",
                    "labels",
                    "data_sources",
                    "code",
                    "spark",
                    "global",
                    "ray",
                    "max_retries",
                    "execution_platform",
                    "inputs",
                    "x",
                    "@type",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
bodies = st.one_of(
    json_values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b'{"a":' * 200,
            b"\xff\xfe{}",
            b'{"framework": 99, "prompt": "x"}',
            b"region,amount\nEast,1\n",
        ]
    ),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "text/csv",
        "application/x-ndjson",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "",
        "application/json; charset=latin-1",
    ]
)
header_values = st.text(alphabet=st.characters(max_codepoint=255, blacklist_categories=["Cs"]), max_size=30)
extra_headers = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "grpc-timeout",
                "x-request-id",
                "accept",
                "grpc-metadata-x-user",
                "grpc-metadata-a-bin",
                "authorization",
                "content-length",
                "traceparent",
                "x-http-method-override",
            ]
        ),
        header_values | st.sampled_from(["1S", "99999999H", "0m", "text/event-stream", "-5", "abc"]),
    ),
    max_size=3,
)
METHODS = st.sampled_from(
    ["GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE", "get", "BREW"]
)


def check(r) -> None:
    assert r.status != 500, r.body[:500]
    text = r.body.decode("utf-8", "replace")
    assert "Traceback" not in text
    if r.status >= 400:
        doc = json.loads(r.body)
        assert set(doc) >= {"code", "message"}, text[:300]
        assert doc["code"] != 13, text[:300]  # INTERNAL
        if r.status >= 500:  # only the absent backends (UNAVAILABLE) or a timeout
            assert r.status in (503, 504) and doc["code"] in (4, 14), text[:300]


@fuzz(250)
@given(data=st.data())
def test_random_requests_never_yield_a_5xx_other_than_unavailable(gw, templates, data) -> None:
    method = data.draw(METHODS)
    path = data.draw(paths(templates))
    headers = [("content-type", data.draw(content_types))] + data.draw(extra_headers)
    body = (
        data.draw(bodies)
        if method.upper() not in ("GET", "HEAD", "DELETE") or data.draw(st.booleans())
        else b""
    )
    r = gw.request(
        method,
        path,
        query=data.draw(queries),
        body=body,
        headers=headers,
        chunks=data.draw(st.integers(1, 3)),
    )
    check(r)


@fuzz(100)
@given(raw=st.binary(min_size=1, max_size=60).map(lambda b: b"/v1/" + b.replace(b"?", b"")))
@example(raw=b"/v1/sessions/%ff%fe")
@example(raw=b"/v1/sessions/%")
@example(raw=b"/v1/sessions/\xc3\x28")
def test_raw_undecodable_paths(gw, raw: bytes) -> None:
    check(gw.request("GET", "/v1/x", raw_path=raw))


@fuzz(120)
@given(
    body=json_values,
    route=st.sampled_from(
        [
            ("POST", "/v1/sessions"),
            ("PATCH", "/v1/sessions/fuzz-1"),
            ("POST", "/v1/sessions/fuzz-1:selectTables"),
            ("POST", "/upload-csv"),
            ("PATCH", "/v1/settings"),
            ("POST", "/v1/sessions/fuzz-1:ask"),
            ("POST", "/v1/sparkJobs"),
            ("POST", "/generate"),
            ("POST", "/v1/sessions/fuzz-1/uploads"),
        ]
    ),
)
def test_random_json_bodies_on_real_routes(gw, body, route) -> None:
    method, path = route
    check(
        gw.request(method, path, body=json.dumps(body).encode(), headers={"content-type": "application/json"})
    )

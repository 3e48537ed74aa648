"""Property tests of the identifier and path validators (security-and-reliability.md §4 test 15,
seeded by bad inputs 36-38): any string either passes or raises InvalidArgument — nothing else —
and no accepted value can act as a path segment of its own."""

from __future__ import annotations

import re
import string

from fuzz_profile import fuzz
from hypothesis import example, given
from hypothesis import strategies as st

from codeinterp_common.errors import InvalidArgument
from codeinterp_gateway.domain import ids
from codeinterp_gateway.domain.datasets import clean_filename
from codeinterp_gateway.domain.sessions import validate_s3_uri

# Text biased towards the characters that matter: separators, dots, encodings, controls, look-alikes.
NASTY = "./\\%2eEfF:;`'\" \t\r\n\x00\u202e\u200b\uff0e\uff0f~$*?[]{}#@!-_"
nasty_text = st.text(alphabet=st.sampled_from(NASTY) | st.characters(), max_size=80)
idish = st.text(alphabet=string.ascii_letters + string.digits + "._-/\\%", max_size=70)
any_text = nasty_text | idish | st.sampled_from(["..", ".", "a/..", "%2e%2e", "abc.", "ses-abcd", "default"])

TRAVERSAL = re.compile(r"(^|[/\\])\.\.?([/\\]|$)")


def _accepts(fn, value) -> bool:
    try:
        fn(value)
    except InvalidArgument:
        return False
    return True


def _is_safe_segment(value: str) -> bool:
    return (
        value not in ("", ".", "..")
        and not any(c in value for c in "/\\\x00%")
        and ".." not in value
        and not value.startswith(".")
        and value.isprintable()
        and value.isascii()
    )


@fuzz(200)
@given(any_text)
@example("..")
@example("a.")
@example("%2e%2e")
def test_session_ids(value: str) -> None:
    if _accepts(ids.validate_session_id, value):
        assert _is_safe_segment(value) and not value.endswith("."), repr(value)
        assert ids.parse_session_name(f"sessions/{value}") == value


@fuzz(120)
@given(any_text)
def test_dataset_ids_and_identifiers(value: str) -> None:
    if _accepts(ids.validate_dataset_id, value):
        assert re.fullmatch(r"[a-z0-9_-]{1,63}", value)
    if _accepts(lambda v: ids.validate_identifier(v, field="t"), value):
        assert re.fullmatch(r"[A-Za-z0-9_]{1,255}", value)
    if _accepts(ids.validate_request_id, value):
        assert value == "" or re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}", value)


@fuzz(120)
@given(st.lists(any_text, min_size=0, max_size=5).map("/".join) | any_text)
def test_resource_names_parse_or_invalid_argument(name: str) -> None:
    for parse in (
        ids.parse_session_name,
        ids.parse_dataset_name,
        ids.parse_upload_name,
        ids.parse_database_name,
        ids.parse_table_name,
    ):
        try:
            parts = parse(name)
        except InvalidArgument:
            continue
        for part in parts if isinstance(parts, tuple) else (parts,):
            assert _is_safe_segment(part), (parse.__name__, name, part)


@fuzz(120)
@given(any_text | st.text(max_size=300))
def test_filenames_always_become_safe_dataset_ids(filename: str) -> None:
    did = ids.dataset_id_from_filename(filename)
    ids.validate_dataset_id(did)
    assert re.fullmatch(r"[a-z_][a-z0-9_]{0,54}", did), (filename, did)
    assert not TRAVERSAL.search(did)
    try:
        cleaned = clean_filename(filename)
    except InvalidArgument:
        return
    assert isinstance(cleaned, str)


s3ish = st.builds(
    lambda scheme, bucket, parts: f"{scheme}{bucket}/{'/'.join(parts)}",
    st.sampled_from(["s3://", "s3a://", "S3://", "file://", "", "s3:/"]),
    st.text(alphabet=string.ascii_lowercase + string.digits + ".-_A%", min_size=0, max_size=20),
    st.lists(any_text, max_size=4),
)


@fuzz(150)
@given(s3ish | any_text)
@example("s3://bucket/a/../b.csv")
@example("s3://bucket/a/%2e%2e/b.csv")
def test_s3_uris_never_accept_traversal_or_other_schemes(uri: str) -> None:
    if not _accepts(lambda v: validate_s3_uri(v, field="s3_uri"), uri):
        return
    assert uri.startswith("s3://")
    bucket, _, key = uri[5:].partition("/")
    assert bucket and key and ".." not in bucket
    for segment in key.split("/"):
        assert segment not in ("", ".", "..") and not segment.endswith(".")
        assert "\\" not in segment and "%" not in segment and "\x00" not in segment


@fuzz(80)
@given(
    st.text(max_size=200) | st.binary(max_size=150).map(lambda b: b.hex()), st.sampled_from(["sessions", "x"])
)
def test_page_tokens_decode_or_invalid_argument(token: str, kind: str) -> None:
    try:
        ids.decode_page_token(token, kind, "scope")
    except InvalidArgument:
        pass
    token2 = ids.encode_page_token(kind, "scope", token)
    assert ids.decode_page_token(token2, kind, "scope") == token


@fuzz(60)
@given(st.integers(min_value=-(2**63), max_value=2**63))
def test_page_size(value: int) -> None:
    try:
        n = ids.page_size(value, default=50, maximum=1000)
    except InvalidArgument:
        assert value < 0
        return
    assert 1 <= n <= 1000

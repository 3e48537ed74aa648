"""Property tests of the CSV sniffer (security-and-reliability.md §3 cases 27-35): any bytes give
either a SniffResult or one of the documented errors (InvalidArgument / ResourceExhausted with a
documented reason) — never another exception — and the stored file of an accepted upload is
exactly what its reported layout says (header = the columns, one record per counted row)."""

from __future__ import annotations

import codecs
import csv
import io

from fuzz_profile import fuzz
from hypothesis import example, given
from hypothesis import strategies as st

from codeinterp_common.errors import InvalidArgument, ResourceExhausted
from codeinterp_gateway.domain.csv_sniff import describe_sample, sniff_csv

DOCUMENTED = {
    "UPLOAD_TOO_LARGE",
    "EMPTY_FILE",
    "NOT_CSV",
    "ENCODING_INVALID",
    "CSV_MALFORMED",
    "CSV_RAGGED_ROWS",
    "CSV_NO_DATA_ROWS",
    "TOO_MANY_COLUMNS",
}
MAX = 64 * 1024

cell = st.text(
    alphabet=st.sampled_from(list("ab1 ,;|\t\"'\r\n=-+@é😀\u200b\u202e\x00\x1f.0")) | st.characters(),
    max_size=12,
)
row = st.lists(cell, min_size=0, max_size=6)
delim = st.sampled_from([",", ";", "\t", "|", " "])
newline = st.sampled_from(["\n", "\r\n", "\r"])
boms = st.sampled_from([b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE])
encodings = st.sampled_from(["utf-8", "latin-1", "cp1252", "utf-16-le", "shift_jis", "utf-8-sig"])


@st.composite
def csv_like(draw) -> bytes:
    d, nl = draw(delim), draw(newline)
    rows = draw(st.lists(row, min_size=0, max_size=8))
    text = nl.join(d.join(r) for r in rows) + draw(st.sampled_from(["", nl]))
    data = text.encode(draw(encodings), "replace")
    return draw(boms) + data


magic = st.sampled_from(
    [
        b"\x1f\x8b",
        b"PK\x03\x04",
        b"PAR1",
        b"MZ",
        b"\x7fELF",
        b"%PDF-",
        b"<html>",
        b"<?xml",
        b"SQLite format 3\x00",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"",
    ]
)
inputs = csv_like() | st.binary(max_size=400) | st.builds(lambda m, b: m + b, magic, st.binary(max_size=200))


def _sniff(data: bytes):
    try:
        return sniff_csv(data, max_bytes=MAX, preview_rows=5)
    except (InvalidArgument, ResourceExhausted) as err:
        assert err.reason in DOCUMENTED, (err.reason, err.message)
        assert err.message and "Traceback" not in err.message
        return None


@fuzz(150)
@given(inputs)
@example(b"")
@example(codecs.BOM_UTF16_LE)
@example(b'a,b\n"x\n')
@example(b"a\n" + b"x" * 200_000)
@example(b"a\r\r\r\x00")
def test_sniffer_returns_a_result_or_a_documented_error(data: bytes) -> None:
    result = _sniff(data)
    if result is None:
        return
    assert result.row_count >= 1 and result.columns
    assert all(c.name and c.name == c.name.strip() for c in result.columns)
    names = [c.name.casefold() for c in result.columns]
    assert len(set(names)) == len(names)  # de-duplicated after NFC + case folding
    text = result.data.decode("utf-8")  # stored as UTF-8, never raises
    assert not text.startswith("\ufeff")
    # the stored file is what `format` says: header row, the sniffed delimiter, '"' quotes, one
    # record per data row, every record as wide as the header
    layout = result.format
    assert layout.header and layout.encoding == "utf-8" and layout.quote == '"'
    records = list(
        csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter, quotechar='"', strict=True)
    )
    assert records[0] == [c.name for c in result.columns]
    assert len(records) - 1 == result.row_count
    assert all(len(r) == len(records[0]) for r in records[1:])


@fuzz(80)
@given(st.binary(max_size=300) | csv_like(), st.booleans())
def test_describe_sample_never_raises(data: bytes, truncated: bool) -> None:
    description = describe_sample(data, rows=3, truncated=truncated)
    if description is not None:
        assert len(description.rows) <= 3


@fuzz(60)
@given(st.integers(min_value=0, max_value=64))
def test_size_limit_is_checked_first(extra: int) -> None:
    try:
        sniff_csv(b"x" * (MAX + 1 + extra), max_bytes=MAX)
    except ResourceExhausted as err:
        assert err.reason == "UPLOAD_TOO_LARGE"
    else:
        raise AssertionError("oversize accepted")

"""CSV sniffing: encodings, delimiters, headers, names, types and every rejection (cases 27-35)."""

from __future__ import annotations

import codecs
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codeinterp_common.errors import InvalidArgument, ResourceExhausted, ServiceError
from codeinterp_gateway.domain.csv_sniff import describe_sample, sniff_csv

MB = 1024 * 1024


def sniff(data: bytes, limit: int = MB):
    return sniff_csv(data, max_bytes=limit)


def reason(data: bytes, limit: int = MB) -> str:
    with pytest.raises(ServiceError) as exc:
        sniff(data, limit)
    return exc.value.reason


def test_plain_utf8_types_and_preview():
    r = sniff(b"id,price,ok,day,ts,name\n1,2.5,true,2024-01-02,2024-01-02T10:00:00Z,x\n2,3,false,,2024-01-03 11:00,y\n")
    assert [(c.name, c.type) for c in r.columns] == [
        ("id", "long"), ("price", "double"), ("ok", "boolean"), ("day", "date"), ("ts", "timestamp"),
        ("name", "string"),
    ]
    assert r.preview_rows[0] == (1, 2.5, True, "2024-01-02", "2024-01-02T10:00:00Z", "x")
    assert r.preview_rows[1][3] is None
    assert r.row_count == 2 and r.source_encoding == "utf-8" and r.format.delimiter == ","
    assert r.preview_text.splitlines()[0] == "id,price,ok,day,ts,name"


def test_leading_zero_codes_stay_strings():
    r = sniff(b"zip,n\n00123,1\n02134,2\n")
    assert r.columns[0].type == "string" and r.preview_rows[0][0] == "00123"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "név,város\nÁron,Győr\n".encode(), "utf-8"),
        ("név\tváros\nÁron\tGyőr\n".encode("utf-16"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + "név;város\nÁron;Győr\n".encode("utf-16-be"), "utf-16-be"),
        ("name;city\nJosé;München\nRenée;Zürich\n".encode("cp1252"), "cp1252"),
        ("名前,年齢\n田中,30\n佐藤,40\n鈴木,22\n".encode("shift_jis"), "cp932"),
    ],
)
def test_encodings_are_detected_and_stored_as_utf8(data, encoding):
    r = sniff(data)
    assert r.source_encoding == encoding
    text = r.data.decode("utf-8")  # strict: the stored bytes are valid UTF-8
    assert not text.startswith("\ufeff")
    assert "\ufffd" not in text and "Ã" not in text  # no mojibake
    assert r.format.encoding == "utf-8"


@pytest.mark.parametrize(("delim", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_delimiters(delim, name):
    rows = [["a", "b", "c"], ["1", "x, y; z", "3"], ["4", "5", "6"]]
    text = "\n".join(delim.join(f'"{c}"' if delim in c or "," in c or ";" in c else c for c in r) for r in rows)
    r = sniff(text.encode())
    assert r.format.delimiter == delim, name
    assert [c.name for c in r.columns] == ["a", "b", "c"]
    assert r.preview_rows[0][1] == "x, y; z"


def test_headerless_numeric_file_gets_generated_names():
    r = sniff(b"1,2.5,true\n3,4.5,false\n")
    assert not r.source_header and [c.name for c in r.columns] == ["column_1", "column_2", "column_3"]
    assert r.row_count == 2 and r.data.startswith(b"column_1,column_2,column_3\n1,")


def test_column_names_are_cleaned_and_deduplicated():
    nfd = "cafe\u0301"
    header = f"\ufeff id ,Name,name,,\u200bx\u200f,{nfd},café,column_4\n"
    r = sniff((header + "1,2,3,4,5,6,7,8\n").encode())
    names = [c.name for c in r.columns]
    assert names == ["id", "Name", "name_2", "column_4", "x", "café", "café_2", "column_4_2"]
    assert len({n.casefold() for n in names}) == len(names)
    assert ("name", "name_2") in r.renamed_columns


def test_quoted_newlines_and_embedded_quotes_survive():
    r = sniff(b'id,comment\n1,"line one\nline two"\n2,"say ""hi"""\n')
    assert r.row_count == 2
    assert r.preview_rows[0][1] == "line one\nline two" and r.preview_rows[1][1] == 'say "hi"'


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "EMPTY_FILE"),
        (codecs.BOM_UTF8, "EMPTY_FILE"),
        (codecs.BOM_UTF16_LE, "EMPTY_FILE"),
        (b"   \n\n", "EMPTY_FILE"),
        (b"a,b,c\n", "CSV_NO_DATA_ROWS"),
        (codecs.BOM_UTF8 + b"a,b\n\n", "CSV_NO_DATA_ROWS"),
        (gzip.compress(b"a,b\n1,2\n"), "NOT_CSV"),
        (b"PK\x03\x04\x14\x00\x00\x00", "NOT_CSV"),
        (b"PAR1\x15\x04\x15\x00PAR1", "NOT_CSV"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "NOT_CSV"),
        (b"<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>", "NOT_CSV"),
        ("a,b\n1,2\n".encode("utf-16-le"), "NOT_CSV"),  # UTF-16 without BOM: NUL bytes
        (bytes(range(1, 32)) * 20, "NOT_CSV"),
        (b"a,b\n1,2,3\n", "CSV_RAGGED_ROWS"),
        (b"a,b,c\n1,2,3\n4\n5,6,7\n", "CSV_RAGGED_ROWS"),
        (b'a,b\n"1,2\n3,4\n', "CSV_MALFORMED"),
    ],
)
def test_rejections(data, why):
    with pytest.raises(InvalidArgument) as exc:
        sniff(data)
    assert exc.value.reason == why
    assert exc.value.field_violations and exc.value.field_violations[0].field == "content"


def test_oversize_is_resource_exhausted():
    with pytest.raises(ResourceExhausted) as exc:
        sniff(b"a,b\n" + b"1,2\n" * 100, limit=50)
    assert exc.value.reason == "UPLOAD_TOO_LARGE"
    assert exc.value.metadata == {"size_bytes": "404", "max_bytes": "50"}


def test_short_rows_within_tolerance_are_padded():
    body = "".join(f"{i},x,y\n" for i in range(40)) + "41,z\n"
    r = sniff(("a,b,c\n" + body).encode())
    assert r.padded_rows == 1 and r.row_count == 41
    assert r.data.endswith(b"41,z,\n")


def test_trailing_empty_cells_are_dropped():
    r = sniff(b"a,b,\n1,2\n3,4,\n5,6\n")  # a trailing delimiter on the header and on some rows
    assert [c.name for c in r.columns] == ["a", "b"]
    assert r.data == b"a,b\n1,2\n3,4\n5,6\n"


def test_huge_field_is_bounded():
    assert reason(b"a,b\n1," + b"x" * 200_000 + b"\n") == "CSV_MALFORMED"


def test_describe_sample_is_lenient():
    d = describe_sample(b"a;b\n1;2\n3;4\n5;", truncated=True, rows=5)
    assert d is not None and d.format.delimiter == ";" and d.rows == ((1, 2), (3, 4))
    assert describe_sample(b"\x1f\x8b\x08garbage") is None


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(data):
    try:
        r = sniff(data, limit=300)
    except ServiceError as exc:
        assert exc.reason
    else:
        r.data.decode("utf-8")
        assert r.row_count >= 1 and r.columns


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab,;\"\n 1.", max_size=6), min_size=2, max_size=2), min_size=2,
                max_size=6))
def test_roundtrip_of_written_csv(rows):
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["h1", "h2"], *rows])
    try:
        r = sniff(buf.getvalue().encode())
    except ServiceError:
        return
    assert r.row_count >= 1

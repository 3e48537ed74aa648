"""Bad inputs 27-35: uploaded CSV data (security-and-reliability.md §3), through the real REST
app in-process (raw upload, the seed's JSON upload and the signed-URL upload), and the result
CSV writers of both runners for case 35.

Every rejection must be a 4xx with a machine-readable reason, and must leave nothing behind:
no dataset record, no stored object.
"""

from __future__ import annotations

import codecs
import gzip
import io

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from gateway_app import GatewayHarness

from codeinterp_ray_supervisor import runner as ray_runner
from codeinterp_spark_supervisor import runner as spark_runner


def new_session(gw) -> str:
    r = gw.request("POST", "/v1/sessions", json_body={"display_name": "bad input"})
    assert r.status == 200, r.body
    return r.json()["name"]


def upload(gw, session: str, data: bytes, filename: str = "data.csv"):
    return gw.request(
        "POST",
        f"/v1/{session}/datasets:upload",
        query=f"filename={filename}",
        body=data,
        headers={"content-type": "text/csv"},
    )


def datasets(gw, session: str) -> list[dict]:
    r = gw.request("GET", f"/v1/{session}/datasets")
    assert r.status == 200, r.body
    return r.json().get("datasets", [])


def assert_rejected_cleanly(gw, session: str, r, reason: str, status: int = 400) -> None:
    assert r.status == status, (r.status, r.body)
    assert r.reason == reason, r.body
    assert datasets(gw, session) == []
    sid = session.split("/", 1)[1]
    assert [k for k in gw.object_keys() if f"sessions/{sid}/" in k] == []


# ------------------------------------------------------------------------------ 27 malformed


@pytest.mark.bad_input(27, "REJECT")
@pytest.mark.parametrize(
    "data, reason",
    [
        (b'a,b\n1,"never closed\n2,3\n', "CSV_MALFORMED"),
        (b"a,b\n1,2,3\n4,5\n", "CSV_RAGGED_ROWS"),
        (b"a,b,c\n1\n2\n3\n4,5,6\n", "CSV_RAGGED_ROWS"),
    ],
    ids=["unbalanced-quote", "extra-cells", "many-short-rows"],
)
def test_malformed_csv_is_rejected_with_the_line(gw, data: bytes, reason: str) -> None:
    session = new_session(gw)
    r = upload(gw, session, data)
    assert_rejected_cleanly(gw, session, r, reason)
    assert "line" in r.json()["message"]


@pytest.mark.bad_input(27, "OK")
def test_quoted_newlines_are_one_record_and_outcome_is_deterministic(gw) -> None:
    data = b'id,note\n1,"line one\nline two"\n2,plain\n'
    first = upload(gw, new_session(gw), data)
    second = upload(gw, new_session(gw), data)
    assert first.status == second.status == 200, first.body
    a, b = first.json(), second.json()
    assert a["row_count"] == "2" and a["preview_rows"][0] == [1, "line one\nline two"]
    assert (a["columns"], a["row_count"], a["size_bytes"]) == (b["columns"], b["row_count"], b["size_bytes"])


# ------------------------------------------------------------------------------ 28 encodings


@pytest.mark.bad_input(28, "OK")
@pytest.mark.parametrize(
    "data, encoding, names",
    [
        ("région,montant\ncafé,1\n".encode("latin-1"), "cp1252", ["région", "montant"]),
        (
            codecs.BOM_UTF16_LE + "region,amount\nEast,1\n".encode("utf-16-le"),
            "utf-16-le",
            ["region", "amount"],
        ),
        (
            codecs.BOM_UTF16_BE + "region,amount\nEast,1\n".encode("utf-16-be"),
            "utf-16-be",
            ["region", "amount"],
        ),
        ("地域,金額\n東京,1\n大阪,2\n".encode("shift_jis"), "cp932", ["地域", "金額"]),
        (codecs.BOM_UTF8 + b"region,amount\nEast,1\n", "utf-8", ["region", "amount"]),
    ],
    ids=["latin-1", "utf-16le-bom", "utf-16be-bom", "shift-jis", "utf-8-bom"],
)
def test_encodings_are_detected_and_reported(gw, data: bytes, encoding: str, names: list[str]) -> None:
    r = upload(gw, new_session(gw), data)
    assert r.status == 200, r.body
    doc = r.json()
    assert doc["source_encoding"] == encoding
    assert [c["name"] for c in doc["columns"]] == names  # no BOM, no mojibake in the names


@pytest.mark.bad_input(28, "OK")
def test_utf16_without_bom_is_refused_not_garbled(gw) -> None:
    session = new_session(gw)
    r = upload(gw, session, "region,amount\nEast,1\n".encode("utf-16-le"))
    assert_rejected_cleanly(gw, session, r, "NOT_CSV")


# ------------------------------------------------------------------------------ 29 empty


@pytest.mark.bad_input(29, "FAIL-CLEAN")
@pytest.mark.parametrize(
    "data, reason",
    [
        (b"", "EMPTY_FILE"),
        (codecs.BOM_UTF8, "EMPTY_FILE"),
        (codecs.BOM_UTF16_LE, "EMPTY_FILE"),
        (b"\n\n  \n", "EMPTY_FILE"),
        (b"region,amount\n", "CSV_NO_DATA_ROWS"),
    ],
    ids=["0-bytes", "utf8-bom-only", "utf16-bom-only", "whitespace", "header-only"],
)
def test_empty_files_fail_cleanly(gw, data: bytes, reason: str) -> None:
    session = new_session(gw)
    assert_rejected_cleanly(gw, session, upload(gw, session, data), reason)


@pytest.mark.bad_input(29, "FAIL-CLEAN")
def test_empty_file_through_the_seed_route_creates_no_session(gw) -> None:
    r = gw.request(
        "POST", "/upload-csv", json_body={"session_id": "never-made", "filename": "e.csv", "content": ""}
    )
    assert r.status == 400 and r.reason == "EMPTY_FILE", r.body
    assert gw.request("GET", "/v1/sessions/never-made").status == 404


# ------------------------------------------------------------------------------ 30 not CSV

PARQUET = b"PAR1\x15\x04\x15\x10" + b"\x00" * 64 + b"PAR1"
PE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"
    + b"\x00" * 64
    + b"This program cannot be run in DOS mode"
)


@pytest.mark.bad_input(30, "REJECT")
@pytest.mark.parametrize(
    "data",
    [
        gzip.compress(b"a,b\n1,2\n"),
        PARQUET,
        PE,
        b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
        b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n",
        b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>\n',
        b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64,
        b"SQLite format 3\x00" + b"\x00" * 64,
    ],
    ids=["gzip", "parquet", "pe", "elf", "html", "xml-error", "xlsx-zip", "sqlite"],
)
def test_non_csv_content_named_csv_is_rejected(gw, data: bytes) -> None:
    session = new_session(gw)
    assert_rejected_cleanly(gw, session, upload(gw, session, data, "report.csv"), "NOT_CSV")


# ------------------------------------------------------------------------------ 31 oversize


@pytest.mark.bad_input(31, "REJECT")
def test_raw_upload_above_the_transport_limit_is_413_before_reading(gw) -> None:
    session = new_session(gw)
    big = b"a,b\n" + b"1,2\n" * (gw.max_raw_body_bytes // 4 + 10)
    r = gw.request(
        "POST",
        f"/v1/{session}/datasets:upload",
        query="filename=big.csv",
        body=big,
        headers={"content-type": "text/csv"},
        chunks=8,
    )
    assert_rejected_cleanly(gw, session, r, r.reason or "?", status=413)


@pytest.mark.bad_input(31, "REJECT")
def test_json_upload_above_the_body_limit_is_413(gw) -> None:
    content = "a,b\n" + "1,2\n" * (gw.max_body_bytes // 4 + 10)
    r = gw.request(
        "POST",
        "/upload-csv",
        json_body={"session_id": "too-big-json", "filename": "b.csv", "content": content},
    )
    assert r.status == 413, r.body
    assert gw.request("GET", "/v1/sessions/too-big-json").status == 404


@pytest.mark.bad_input(31, "REJECT")
def test_upload_above_the_product_limit_is_resource_exhausted(tmp_path) -> None:
    with GatewayHarness(tmp_path, max_raw_body_bytes=4 << 20) as gw:
        r = gw.request(
            "PATCH",
            "/v1/settings",
            query="update_mask=global.max_upload_mb",
            json_body={"global": {"max_upload_mb": 1}},
        )
        assert r.status == 200, r.body
        session = new_session(gw)
        big = b"a,b\n" + b"1,2\n" * ((3 << 20) // 8)
        r = upload(gw, session, big)
        assert_rejected_cleanly(gw, session, r, "UPLOAD_TOO_LARGE", status=429)
        # the signed-URL path refuses the same size at PUT time
        r = gw.request("POST", f"/v1/{session}/uploads", json_body={"filename": "big.csv"})
        assert r.status == 200, r.body
        ticket = r.json()
        assert int(ticket["max_size_bytes"]) == 1 << 20
        path = ticket["upload_url"].split("http://gw.test:8080", 1)[1]
        r = gw.request("PUT", path, body=big, headers={"content-type": "text/csv"})
        assert r.status == 429 and r.reason == "UPLOAD_TOO_LARGE", r.body
        assert [k for k in gw.object_keys() if k.endswith(".part")] == []


@pytest.mark.bad_input(30, "REJECT")
def test_rejected_signed_upload_leaves_no_dataset_and_no_staged_object(gw) -> None:
    session = new_session(gw)
    ticket = gw.request("POST", f"/v1/{session}/uploads", json_body={"filename": "x.csv"}).json()
    path = ticket["upload_url"].split("http://gw.test:8080", 1)[1]
    assert (
        gw.request("PUT", path, body=gzip.compress(b"a\n1\n"), headers={"content-type": "text/csv"}).status
        == 200
    )
    r = gw.request("POST", f"/v1/{ticket['name']}:commit", json_body={})
    assert r.status == 400 and r.reason == "NOT_CSV", r.body
    assert datasets(gw, session) == []
    sid = session.split("/", 1)[1]
    assert [k for k in gw.object_keys() if f"sessions/{sid}/" in k] == []


# ------------------------------------------------------------------------------ 32 unicode names


@pytest.mark.bad_input(32, "OK")
def test_unicode_column_names_are_normalised_with_collision_detection(gw) -> None:
    header = "😀,a\u200db,\u202eevil,caf\u00e9,cafe\u0301,Name,name,\u200b amount \u200b"
    r = upload(gw, new_session(gw), (header + "\n1,2,3,4,5,6,7,8\n").encode())
    assert r.status == 200, r.body
    names = [c["name"] for c in r.json()["columns"]]
    assert names == ["😀", "a\u200db", "evil", "café", "café_2", "Name", "name_2", "amount"]
    folded = [n.casefold() for n in names]
    assert len(set(folded)) == len(folded)  # unique after NFC + case folding (Glue lower-cases)


# ------------------------------------------------------------------------------ 33 wide files


@pytest.mark.bad_input(33, "REJECT")
def test_ten_thousand_columns_is_a_clear_error(gw) -> None:
    session = new_session(gw)
    header = ",".join(f"c{i}" for i in range(10_000))
    row = ",".join("1" for _ in range(10_000))
    r = upload(gw, session, f"{header}\n{row}\n".encode())
    assert_rejected_cleanly(gw, session, r, "TOO_MANY_COLUMNS")
    assert "5000" in r.json()["message"]


@pytest.mark.bad_input(33, "OK")
def test_wide_file_under_the_cap_is_accepted(gw) -> None:
    header = ",".join(f"c{i}" for i in range(1_500))
    r = upload(gw, new_session(gw), f"{header}\n{','.join('1' for _ in range(1_500))}\n".encode())
    assert r.status == 200 and len(r.json()["columns"]) == 1_500
    # the prompt bound for wide inputs (codegen max_columns, TOO_MANY_COLUMNS) is
    # tests/unit/codegen/test_service.py::test_request_checks


# ------------------------------------------------------------------------------ 34 long field


@pytest.mark.bad_input(34, "REJECT")
def test_a_field_above_the_field_cap_is_rejected(gw) -> None:
    session = new_session(gw)
    r = upload(gw, session, b"a,b\n" + b"x" * 200_000 + b",1\n")
    assert_rejected_cleanly(gw, session, r, "CSV_MALFORMED")
    assert "field limit" in r.json()["message"]


@pytest.mark.bad_input(34, "REJECT")
def test_a_field_under_the_cap_is_kept_whole(gw) -> None:
    r = upload(gw, new_session(gw), b"a,b\n" + b"x" * 100_000 + b",1\n")
    assert r.status == 200, r.body
    assert len(r.json()["preview_rows"][0][0]) == 100_000


# ------------------------------------------------------------------------------ 35 formula cells

FORMULAS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", "\tx", "\rx", "=cmd|' /C calc'!A0"]
SAFE = ["plain", "-5", "+1.5e3", "", "a=b"]


def _csv_cells(data: bytes) -> list[list[str]]:
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(autogenerate_column_names=False),
        convert_options=pacsv.ConvertOptions(
            strings_can_be_null=False, column_types={"=x": pa.string(), "n": pa.string()}
        ),
    )
    return [table.column_names] + [list(r.values()) for r in table.to_pylist()]


def _result_table() -> pa.Table:
    cells = FORMULAS + SAFE
    return pa.table({"=x": cells, "n": list(range(-len(cells) // 2, len(cells) - len(cells) // 2))})


def _assert_neutralised(rows: list[list[str]]) -> None:
    header, body = rows[0], rows[1:]
    assert header == ["'=x", "n"]
    for (cell, n), original in zip(body, FORMULAS + SAFE, strict=True):
        if original in FORMULAS:
            assert cell == "'" + original, (cell, original)
        else:
            assert cell == original, (cell, original)
        assert not n.startswith("'")  # numbers stay numbers


@pytest.mark.bad_input(35, "OK")
def test_ray_result_csv_is_neutralised_and_parquet_exact(tmp_path) -> None:
    import pyarrow.parquet as pq

    table = _result_table()
    ray_runner.write_outputs(table, tmp_path, 1 << 20)
    _assert_neutralised(_csv_cells((tmp_path / "result.csv").read_bytes()))
    assert pq.read_table(tmp_path / "result.parquet").equals(table)


@pytest.mark.bad_input(35, "OK")
def test_spark_result_csv_is_neutralised_and_parquet_and_preview_exact(tmp_path) -> None:
    import pyarrow.parquet as pq
    from test_bad_inputs_resources import ArrowFrame  # a stand-in for Spark's DataFrame (see there)

    table = _result_table()
    manifest = spark_runner.write_dataframe(
        ArrowFrame(table), tmp_path, preview_rows=50, max_output_bytes=1 << 20
    )
    _assert_neutralised(_csv_cells((tmp_path / "result.csv").read_bytes()))
    assert pq.read_table(tmp_path / "result.parquet").equals(table)
    assert [row[0] for row in manifest["preview_rows"]] == FORMULAS + SAFE
    # the large-result path streams Parquet batches through the same function
    nested = spark_runner._csv_safe_table(pa.table({"tags": [["=a"], None], "s": ["@x", "ok"]}))
    assert nested.column("s").to_pylist() == ["'@x", "ok"] and nested.column("tags").to_pylist() == [
        '["=a"]',
        None,
    ]


@pytest.mark.bad_input(35, "OK")
def test_both_runners_neutralise_identically() -> None:
    for value in FORMULAS + SAFE + ["=", "-", "+-1", "--1", "1e5", "\t", "'=already"]:
        assert ray_runner.csv_neutralise_cell(value) == spark_runner.csv_neutralise_cell(value), value
    table = _result_table()
    assert ray_runner.csv_neutralise_table(table).equals(spark_runner.csv_neutralise_table(table))


@pytest.mark.bad_input(35, "OK")
def test_uploaded_formula_cells_stay_exact_in_the_dataset_preview(gw) -> None:
    r = upload(gw, new_session(gw), b"a,b\n=1+1,x\n@SUM(A1),y\n")
    assert r.status == 200, r.body
    assert [row[0] for row in r.json()["preview_rows"]] == ["=1+1", "@SUM(A1)"]

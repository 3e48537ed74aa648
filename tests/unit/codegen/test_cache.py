"""The generation cache never serves code across schemas, data versions, providers or models."""

from __future__ import annotations

import dataclasses
import sqlite3

from codeinterp_codegen.domain.cache import (
    DB_FILE,
    CacheEntry,
    GenerationCache,
    cache_key,
    normalise_prompt,
)
from codeinterp_codegen.domain.providers import CodegenRequest, Column, DataInput

SALES = DataInput(
    name="sales",
    kind="csv",
    columns=(Column("region", "string"), Column("amount", "double")),
    sample_rows=(("EU", 1.0),),
    data_version="v1",
)


def key(req: CodegenRequest, provider: str = "bedrock", model: str = "m1", version: str = "p1") -> str:
    return cache_key(req, provider=provider, model=model, prompt_version=version)


def entry(code: str = "result = 1\n", created: float = 1000.0) -> CacheEntry:
    return CacheEntry(code=code, explanation="", provider="bedrock", model="m1", created_at=created)


def test_normalised_prompt():
    assert normalise_prompt("  Total   SALES\tper\nregion ") == "total sales per region"
    assert normalise_prompt("Ａ") == normalise_prompt("Ａ")
    assert normalise_prompt("Cafe\u0301") == normalise_prompt("Café")  # NFC


def test_same_request_same_key_despite_case_and_whitespace():
    a = CodegenRequest("spark", "Total amount per region", (SALES,))
    b = CodegenRequest("spark", "  total   AMOUNT per region", (SALES,))
    assert key(a) == key(b)


def test_key_changes_with_everything_that_changes_the_code():
    base = CodegenRequest("spark", "total amount per region", (SALES,))
    variants = [
        dataclasses.replace(base, framework="ray"),
        dataclasses.replace(base, prompt="average amount per region"),
        dataclasses.replace(base, inputs=(dataclasses.replace(SALES, data_version="v2"),)),
        dataclasses.replace(
            base,
            inputs=(
                dataclasses.replace(SALES, columns=(Column("region", "string"), Column("amount", "long"))),
            ),
        ),
        dataclasses.replace(
            base,
            inputs=(
                dataclasses.replace(SALES, columns=(Column("Region", "string"), Column("amount", "double"))),
            ),
        ),
        dataclasses.replace(base, inputs=(dataclasses.replace(SALES, name="sales2"),)),
        dataclasses.replace(base, inputs=(dataclasses.replace(SALES, delimiter=";"),)),
        dataclasses.replace(base, inputs=()),
    ]
    keys = {key(base)} | {key(v) for v in variants}
    assert len(keys) == len(variants) + 1
    assert key(base, provider="openai") != key(base)
    assert key(base, model="m2") != key(base)
    assert key(base, version="p2") != key(base)


def test_unknown_data_version_falls_back_to_sample_hash():
    a = dataclasses.replace(SALES, data_version="", sample_rows=(("EU", 1.0),))
    b = dataclasses.replace(SALES, data_version="", sample_rows=(("US", 2.0),))
    assert key(CodegenRequest("spark", "q", (a,))) != key(CodegenRequest("spark", "q", (b,)))


def test_prompt_case_kept_when_columns_differ_only_by_case():
    item = DataInput(name="t", kind="csv", columns=(Column("Amount"), Column("amount")), data_version="v")
    assert key(CodegenRequest("spark", "sum of Amount", (item,))) != key(
        CodegenRequest("spark", "sum of amount", (item,))
    )


def test_input_order_does_not_matter():
    other = DataInput(name="b", kind="csv", columns=(Column("x"),), data_version="v")
    assert key(CodegenRequest("spark", "q", (SALES, other))) == key(
        CodegenRequest("spark", "q", (other, SALES))
    )


def test_lru_eviction_and_stats():
    cache = GenerationCache(max_entries=2)
    cache.put("a", entry("a"))
    cache.put("b", entry("b"))
    assert cache.get("a").code == "a"  # a is now most recent
    cache.put("c", entry("c"))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert cache.stats() == {"hits": 3, "misses": 1, "entries": 2}


def test_ttl():
    now = [1000.0]
    cache = GenerationCache(ttl_s=10, clock=lambda: now[0])
    cache.put("k", entry(created=1000.0))
    now[0] = 1005.0
    assert cache.get("k") is not None
    now[0] = 1011.0
    assert cache.get("k") is None


def test_sqlite_persistence_survives_restart(tmp_path):
    first = GenerationCache(data_dir=tmp_path)
    first.put("k", CacheEntry("result = 42\n", "Answer.", "openai", "llama", 1.0, 10, 5))
    first.close()
    second = GenerationCache(data_dir=tmp_path)
    got = second.get("k")
    assert got == CacheEntry("result = 42\n", "Answer.", "openai", "llama", 1.0, 10, 5)
    second.close()


def test_corrupt_database_degrades_to_memory(tmp_path, caplog):
    (tmp_path / DB_FILE).write_bytes(b"this is not a sqlite database" * 100)
    cache = GenerationCache(data_dir=tmp_path)
    cache.put("k", entry())
    assert cache.get("k") is not None
    assert "persistence" in caplog.text


def test_database_broken_mid_run_degrades(tmp_path):
    cache = GenerationCache(data_dir=tmp_path)
    cache.put("k", entry())
    cache._db.close()  # simulate a failing database handle
    cache.put("k2", entry("x"))  # must not raise
    assert cache.get("k2").code == "x"


def test_sqlite_file_is_created_in_data_dir(tmp_path):
    cache = GenerationCache(data_dir=tmp_path / "nested")
    cache.put("k", entry())
    rows = (
        sqlite3.connect(tmp_path / "nested" / DB_FILE)
        .execute("SELECT count(*) FROM generation_cache")
        .fetchone()
    )
    assert rows == (1,)
    cache.close()

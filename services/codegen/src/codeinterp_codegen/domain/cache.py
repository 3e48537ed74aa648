"""The generation cache: exact-match, keyed so it can never serve code for another schema.

Key = sha256 over (prompt version, normalised prompt, framework, workflow, schema hash, data
versions, provider, model). The schema hash covers every input's logical name, kind, table,
reader options and the ordered (name, type) of every column; the data versions are the inputs'
opaque versions (or, when a caller sent none, a hash of the sample rows, so unknown data never
matches other data). Hits are served with `cached=true`; the supervisor re-validates them.

Storage: an in-memory LRU (O(1) hits, well under a millisecond) with optional write-through
persistence so a restart keeps the cache: SQLite in the data directory (embedded default) or,
for several replicas sharing one cache, PostgreSQL (`adapters/pg_cache.py`, chosen by
CODEINTERP_DATABASE_URL). Persistence is a few indexed row operations per miss; a broken
SQLite file degrades to memory-only, a failing PostgreSQL call is skipped - never a failed request.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

from codeinterp_codegen.domain.providers import CodegenRequest, DataInput

log = logging.getLogger(__name__)

DB_FILE = "codegen-cache.sqlite3"


@dataclass(frozen=True)
class CacheEntry:
    code: str
    explanation: str
    provider: str
    model: str
    created_at: float
    input_tokens: int = 0
    output_tokens: int = 0


def normalise_prompt(prompt: str, *, keep_case: bool = False) -> str:
    """NFC, whitespace collapsed, casefolded (unless case carries meaning for this schema)."""
    text = " ".join(unicodedata.normalize("NFC", prompt).split())
    return text if keep_case else text.casefold()


def schema_hash(inputs: Sequence[DataInput]) -> str:
    doc = [
        [
            i.name,
            i.kind,
            i.table or "",
            i.file_format,
            i.delimiter,
            i.header,
            [[c.name, c.type] for c in i.columns],
        ]
        for i in sorted(inputs, key=lambda x: x.name)
    ]
    return _sha(doc)


def data_versions(inputs: Sequence[DataInput]) -> list[list[str]]:
    out = []
    for i in sorted(inputs, key=lambda x: x.name):
        version = i.data_version or "samples:" + _sha([[str(v) for v in row] for row in i.sample_rows])
        out.append([i.name, version])
    return out


def _case_sensitive_schema(inputs: Sequence[DataInput]) -> bool:
    """True when two column names of one input differ only by case: then "Amount" and "amount" in
    the prompt mean different columns and the prompt must not be casefolded."""
    for i in inputs:
        names = [c.name for c in i.columns]
        if len({n.casefold() for n in names}) != len(set(names)):
            return True
    return False


def cache_key(request: CodegenRequest, *, provider: str, model: str, prompt_version: str) -> str:
    doc = {
        "v": prompt_version,
        "prompt": normalise_prompt(request.prompt, keep_case=_case_sensitive_schema(request.inputs)),
        "framework": request.framework,
        "workflow": request.effective_workflow,
        "schema": schema_hash(request.inputs),
        "data": data_versions(request.inputs),
        "provider": provider,
        "model": model,
    }
    return _sha(doc)


def _sha(doc: object) -> str:
    raw = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class CacheBackend(Protocol):
    """Persistent rows of the cache: key → entry JSON, with creation and last-use times."""

    #: errors after which the backend is dropped (a broken local file) rather than retried
    drop_on_error: bool

    def get(self, key: str, now: float) -> str | None: ...  # also records the use

    def put(self, key: str, entry_json: str, created_at: float, now: float) -> None: ...

    def delete(self, key: str) -> None: ...

    def prune(self, keep: int, created_before: float | None) -> None: ...

    def close(self) -> None: ...


class SqliteCacheBackend:
    drop_on_error = True

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(
            "CREATE TABLE IF NOT EXISTS generation_cache ("
            " key TEXT PRIMARY KEY, entry TEXT NOT NULL, created_at REAL NOT NULL, used_at REAL NOT NULL)"
        )
        db.execute("CREATE INDEX IF NOT EXISTS generation_cache_used ON generation_cache(used_at)")
        self._db = db

    def get(self, key: str, now: float) -> str | None:
        row = self._db.execute("SELECT entry FROM generation_cache WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self._db.execute("UPDATE generation_cache SET used_at = ? WHERE key = ?", (now, key))
        return row[0]

    def put(self, key: str, entry_json: str, created_at: float, now: float) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO generation_cache (key, entry, created_at, used_at) VALUES (?, ?, ?, ?)",
            (key, entry_json, created_at, now),
        )

    def delete(self, key: str) -> None:
        self._db.execute("DELETE FROM generation_cache WHERE key = ?", (key,))

    def prune(self, keep: int, created_before: float | None) -> None:
        self._db.execute(
            "DELETE FROM generation_cache WHERE key NOT IN "
            "(SELECT key FROM generation_cache ORDER BY used_at DESC LIMIT ?)",
            (keep,),
        )
        if created_before is not None:
            self._db.execute("DELETE FROM generation_cache WHERE created_at < ?", (created_before,))

    def close(self) -> None:
        self._db.close()


class GenerationCache:
    """LRU of CacheEntry by key, optionally persisted (`<data_dir>/codegen-cache.sqlite3`, or
    the `backend` given: PostgreSQL for replicas)."""

    def __init__(
        self,
        max_entries: int = 1024,
        *,
        ttl_s: float = 0.0,
        data_dir: str | Path | None = None,
        backend: CacheBackend | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_entries = max(1, max_entries)
        self.ttl_s = ttl_s
        self._clock = clock
        self._mem: OrderedDict[str, CacheEntry] = OrderedDict()
        self._lock = threading.Lock()
        self._db: CacheBackend | None = backend
        self._puts = 0
        self.hits = 0
        self.misses = 0
        if backend is None and data_dir:
            self._open(Path(data_dir) / DB_FILE)

    # -- public ------------------------------------------------------------------------

    def get(self, key: str) -> CacheEntry | None:
        with self._lock:
            entry = self._mem.get(key)
            if entry is not None:
                if self._expired(entry):
                    del self._mem[key]
                    self._db_delete(key)
                    entry = None
                else:
                    self._mem.move_to_end(key)
            if entry is None:
                entry = self._db_get(key)
                if entry is not None:
                    self._remember(key, entry)
            if entry is None:
                self.misses += 1
            else:
                self.hits += 1
            return entry

    def put(self, key: str, entry: CacheEntry) -> None:
        with self._lock:
            self._remember(key, entry)
            self._db_put(key, entry)

    def __len__(self) -> int:
        return len(self._mem)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses, "entries": len(self._mem)}

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                try:
                    self._db.close()
                finally:
                    self._db = None

    # -- memory ------------------------------------------------------------------------

    def _remember(self, key: str, entry: CacheEntry) -> None:
        self._mem[key] = entry
        self._mem.move_to_end(key)
        while len(self._mem) > self.max_entries:
            self._mem.popitem(last=False)

    def _expired(self, entry: CacheEntry) -> bool:
        return self.ttl_s > 0 and self._clock() - entry.created_at > self.ttl_s

    # -- persistence -------------------------------------------------------------------

    def _open(self, path: Path) -> None:
        try:
            self._db = SqliteCacheBackend(path)
        except (sqlite3.Error, OSError) as exc:
            log.warning("generation cache persistence disabled", extra={"path": str(path), "error": str(exc)})
            self._db = None

    def _db_get(self, key: str) -> CacheEntry | None:
        if self._db is None:
            return None
        try:
            raw = self._db.get(key, self._clock())
            if raw is None:
                return None
            entry = CacheEntry(**json.loads(raw))
            if self._expired(entry):
                self._db.delete(key)
                return None
            return entry
        except Exception as exc:  # noqa: BLE001 - persistence never fails a request
            self._degrade(exc)
            return None

    def _db_put(self, key: str, entry: CacheEntry) -> None:
        if self._db is None:
            return
        try:
            self._db.put(key, json.dumps(asdict(entry), ensure_ascii=False), entry.created_at, self._clock())
            self._puts += 1
            if self._puts % 64 == 0:
                # disk keeps more than memory; oldest-used go first
                self._db.prune(self.max_entries * 4, self._clock() - self.ttl_s if self.ttl_s > 0 else None)
        except Exception as exc:  # noqa: BLE001
            self._degrade(exc)

    def _db_delete(self, key: str) -> None:
        if self._db is None:
            return
        try:
            self._db.delete(key)
        except Exception as exc:  # noqa: BLE001
            self._degrade(exc)

    def _degrade(self, exc: BaseException) -> None:
        if self._db is None:
            return
        if not self._db.drop_on_error:  # a shared database: skip this call, try again next time
            log.warning("generation cache persistence call failed; skipped", extra={"error": str(exc)[:300]})
            return
        log.warning("generation cache persistence failed; continuing in memory", extra={"error": str(exc)})
        try:
            self._db.close()
        except Exception:  # noqa: BLE001
            pass
        finally:
            self._db = None

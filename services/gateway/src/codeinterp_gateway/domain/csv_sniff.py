"""CSV sniffing and normalisation: a pure function from uploaded bytes to a clean UTF-8 CSV.

`sniff_csv(data, max_bytes=...)` either returns a `SniffResult` or raises a ServiceError
with a clear reason; it never returns half an answer (security-and-reliability.md §3
cases 27-35).

Decisions (documented here because they are part of the contract):

* Size: more than `max_bytes` → RESOURCE_EXHAUSTED `UPLOAD_TOO_LARGE` (checked first).
* Encoding: a BOM wins (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); otherwise strict UTF-8;
  otherwise a multi-byte legacy encoding if charset-normalizer is confident (Shift-JIS,
  GB18030, Big5, EUC-KR...); otherwise cp1252; otherwise ISO-8859-1. The encoding used
  is reported as `source_encoding`, never guessed silently; text is stored as UTF-8.
* Not CSV: 0 bytes, BOM only, NUL bytes (binary, or UTF-16 without BOM), known binary
  magic numbers (gzip, zip/xlsx, Parquet, PE/ELF, PDF, images, SQLite...), an HTML/XML
  page, or many control characters → INVALID_ARGUMENT with reason `NOT_CSV` / `EMPTY_FILE`.
* Delimiter: one of `, ; \\t |`, chosen by the most consistent field count over the
  first rows (csv.Sniffer's guess breaks ties); a file none of them splits is one column.
* Header: assumed present (the seed's assumption) unless every cell of the first row
  parses as its column's non-string type (e.g. `1,2.5,true`), in which case the columns
  are named `column_1..n` and the first row is data.
* Ragged rows: rows shorter than the header are padded with empty cells when they are
  at most 5 % of the data rows; rows with extra *non-empty* cells are always rejected
  (data would be lost); extra empty trailing cells are dropped. Otherwise
  INVALID_ARGUMENT `CSV_RAGGED_ROWS` naming the first bad line.
* Column names: BOM, control characters and leading/trailing whitespace or invisible
  format characters (zero-width, RTL marks) are removed, names are NFC-normalised and
  cut to 255 characters; empty names become `column_<n>` (1-based); duplicates -
  compared after NFC and case folding, as Glue lowercases names - are de-duplicated
  deterministically by appending `_2`, `_3`, ... to the later ones (reported in
  `renamed_columns`). Names are data: they are never spliced into code here.
* The stored file keeps the sniffed delimiter, always has a header row, uses `"` as
  quote, `\\n` line ends and UTF-8 without BOM; `format` describes the stored file.
* Types over the first 1000 data rows: boolean (true/false), long (int64, no leading
  zeros, so ZIP codes stay strings), double, date (ISO), timestamp (ISO), else string.
  Empty cells and null, none, na, n/a (any case) do not vote.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from codeinterp_common.errors import InvalidArgument, ResourceExhausted

DELIMITERS = (",", ";", "\t", "|")
PREVIEW_ROWS = 20
TYPE_SAMPLE_ROWS = 1000
SHORT_ROW_TOLERANCE = 0.05
MAX_COLUMNS = 5000
MAX_NAME_CHARS = 255
NULL_TOKENS = frozenset({"", "null", "none", "na", "n/a"})

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip (or xlsx/docx)"),
    (b"PK\x05\x06", "zip"),
    (b"\x7fELF", "ELF executable"),
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (xls/doc)"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"BZh", "bzip2"),
)
_MULTIBYTE_LEGACY = frozenset(
    {"shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb2312", "gbk", "gb18030", "big5", "big5hkscs",
     "euc_kr", "cp949", "johab", "hz"}
)
_HTML_PREFIXES = ("<!doctype html", "<html", "<head", "<body", "<?xml", "<!--", "<script")

_LONG_RE = re.compile(r"[+-]?(0|[1-9][0-9]*)")
_DOUBLE_RE = re.compile(r"[+-]?(((0|[1-9][0-9]*)(\.[0-9]*)?)|(\.[0-9]+))([eE][+-]?[0-9]+)?")
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_TS_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?"
)
_INT64 = 2**63


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class CsvLayout:
    delimiter: str = ","
    header: bool = True
    encoding: str = "utf-8"
    quote: str = '"'


@dataclass(frozen=True)
class SniffResult:
    data: bytes  # the normalised file to store
    source_encoding: str
    format: CsvLayout  # layout of `data`
    source_header: bool  # whether the upload had a header row
    columns: tuple[ColumnInfo, ...]
    preview_rows: tuple[tuple[Any, ...], ...]  # typed cells, first PREVIEW_ROWS data rows
    row_count: int
    preview_text: str  # header and the first 5 lines of `data`
    sha256: str
    renamed_columns: tuple[tuple[str, str], ...] = ()
    padded_rows: int = 0


@dataclass(frozen=True)
class SampleDescription:
    """A lenient description of a CSV sample (catalog tables): never raises."""

    format: CsvLayout
    columns: tuple[ColumnInfo, ...]
    rows: tuple[tuple[Any, ...], ...] = field(default=())


def _reject(message: str, reason: str, **metadata: object) -> InvalidArgument:
    return InvalidArgument(message, field="content", reason=reason, metadata=metadata)


# ---------------------------------------------------------------- decoding


def _detect_binary(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if magic == b"BZh" and data[4:10] != b"1AY&SY":
                continue
            return kind
    if data.startswith(b"PAR1") and data.endswith(b"PAR1"):
        return "Parquet"
    if data.startswith(b"MZ") and b"\x00" in data[:1024]:
        return "PE executable"
    return None


def decode_upload(data: bytes) -> tuple[str, str]:
    """(text, encoding) for uploaded bytes, or INVALID_ARGUMENT. The BOM is removed from text."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            if not body.strip(b"\x00" if enc.startswith("utf-16") or enc.startswith("utf-32") else b""):
                raise _reject("the file contains only a byte-order mark and no data", "EMPTY_FILE", encoding=enc)
            try:
                text = body.decode(enc)
            except UnicodeDecodeError as exc:
                raise _reject(
                    f"the file starts with a {enc} byte-order mark but is not valid {enc} "
                    f"(byte {exc.start})",
                    "ENCODING_INVALID",
                    encoding=enc,
                    offset=exc.start,
                ) from None
            return text, enc
    kind = _detect_binary(data)
    if kind:
        raise _reject(f"the file is {kind} data, not CSV text", "NOT_CSV", detected=kind)
    if b"\x00" in data:
        raise _reject(
            "the file contains NUL bytes: it is binary, or UTF-16/32 text without a byte-order mark",
            "NOT_CSV",
            detected="binary",
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = _charset_guess(data)
    if guess in _MULTIBYTE_LEGACY:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        pass
    if guess:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("iso-8859-1"), "iso-8859-1"


def _charset_guess(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    best = from_bytes(data[: 256 * 1024]).best()
    if best is None:
        return None
    return codecs.lookup(best.encoding).name.replace("-", "_")


def _check_text(text: str) -> None:
    head = text.lstrip()[:512].lower()
    if head.startswith(_HTML_PREFIXES):
        raise _reject("the file is an HTML/XML document, not CSV", "NOT_CSV", detected="html")
    sample = text[:65536]
    controls = sum(1 for c in sample if (c < " " and c not in "\t\r\n") or ("\x7f" <= c <= "\x9f"))
    if controls > max(8, len(sample) // 100):
        raise _reject(
            "the file contains many control characters: it is binary data, not CSV text",
            "NOT_CSV",
            detected="binary",
            control_characters=controls,
        )


# ---------------------------------------------------------------- layout


def _rows(text: str, delimiter: str, *, strict: bool) -> Iterable[list[str]]:
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                      strict=strict)


def _score(sample: str, delimiter: str, max_rows: int = 50) -> tuple[float, int]:
    counts: list[int] = []
    try:
        for row in _rows(sample, delimiter, strict=False):
            if row:
                counts.append(len(row))
            if len(counts) >= max_rows:
                break
    except csv.Error:
        return 0.0, 0
    if not counts:
        return 0.0, 0
    # Every row should be as wide as the first (the header): score agreement with it.
    width = counts[0]
    return sum(1 for n in counts if n == width) / len(counts), width


def detect_delimiter(text: str) -> str:
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rfind("\n")]
    try:
        sniffed = csv.Sniffer().sniff(sample[:16384], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    best, best_key = ",", None
    for order, d in enumerate(DELIMITERS):
        consistency, mode = _score(sample, d)
        if mode < 2:
            continue
        key = (round(consistency, 2), d == sniffed, mode, -order)
        if best_key is None or key > best_key:
            best, best_key = d, key
    return best


# ---------------------------------------------------------------- names and types


def _strip_edges(name: str) -> str:
    def invisible(c: str) -> bool:
        return c.isspace() or unicodedata.category(c) in ("Cf", "Zs")

    start, end = 0, len(name)
    while start < end and invisible(name[start]):
        start += 1
    while end > start and invisible(name[end - 1]):
        end -= 1
    return name[start:end]


def normalise_column_names(raw: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Clean names and de-duplicate them (see the module docstring); returns (names, renamed)."""
    names: list[str] = []
    renamed: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, original in enumerate(raw, 1):
        name = original.replace("\ufeff", "")
        name = "".join(" " if unicodedata.category(c) == "Cc" else c for c in name)
        name = _strip_edges(unicodedata.normalize("NFC", name))[:MAX_NAME_CHARS]
        if not name:
            name = f"column_{i}"
        candidate, n = name, 2
        while candidate.casefold() in seen:
            suffix = f"_{n}"
            candidate = name[: MAX_NAME_CHARS - len(suffix)] + suffix
            n += 1
        seen.add(candidate.casefold())
        names.append(candidate)
        if candidate != original:
            renamed.append((original, candidate))
    return names, renamed


def _is_null(cell: str) -> bool:
    return cell.strip().lower() in NULL_TOKENS


def _is_long(v: str) -> bool:
    return bool(_LONG_RE.fullmatch(v)) and -_INT64 <= int(v) < _INT64


def _is_double(v: str) -> bool:
    return bool(_DOUBLE_RE.fullmatch(v)) and v not in ("+", "-", ".")


def _is_date(v: str) -> bool:
    if not _DATE_RE.fullmatch(v):
        return False
    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return True


def _is_timestamp(v: str) -> bool:
    m = _TS_RE.fullmatch(v)
    if not m or not _is_date(m.group(1)):
        return False
    hour, minute, second = int(m.group(2)), int(m.group(3)), int(m.group(4) or 0)
    return hour < 24 and minute < 60 and second < 61


def infer_type(values: Iterable[str]) -> str:
    """The narrowest of boolean, long, double, date, timestamp that fits every non-null value."""
    flags = {"boolean": True, "long": True, "double": True, "date": True, "timestamp": True}
    seen = False
    for raw in values:
        v = raw.strip()
        if v.lower() in NULL_TOKENS:
            continue
        seen = True
        if flags["boolean"] and v.lower() not in ("true", "false"):
            flags["boolean"] = False
        if flags["long"] and not _is_long(v):
            flags["long"] = False
        if flags["double"] and not (_is_long(v) or _is_double(v)):
            flags["double"] = False
        if flags["date"] and not _is_date(v):
            flags["date"] = False
        if flags["timestamp"] and not (_is_timestamp(v) or _is_date(v)):
            flags["timestamp"] = False
        if not any(flags.values()):
            return "string"
    if not seen:
        return "string"
    for kind in ("boolean", "long", "double", "date", "timestamp"):
        if flags[kind]:
            return kind
    return "string"


def typed_cell(value: str, kind: str) -> Any:
    """A cell as a JSON-friendly value: numbers and booleans typed, nulls None, else the text."""
    if value == "" or (kind != "string" and _is_null(value)):
        return None
    v = value.strip()
    try:
        if kind == "long":
            n = int(v)
            return n if abs(n) <= 2**53 else value  # doubles cannot carry more digits exactly
        if kind == "double":
            f = float(v)
            return f if math.isfinite(f) else value
        if kind == "boolean":
            return v.lower() == "true"
    except ValueError:
        return value
    return value


def _fits(cell: str, kind: str) -> bool:
    v = cell.strip()
    return {
        "boolean": lambda: v.lower() in ("true", "false"),
        "long": lambda: _is_long(v),
        "double": lambda: _is_long(v) or _is_double(v),
        "date": lambda: _is_date(v),
        "timestamp": lambda: _is_timestamp(v) or _is_date(v),
    }.get(kind, lambda: False)()


def _first_row_is_data(first: list[str], types: list[str]) -> bool:
    typed = [(c, t) for c, t in zip(first, types, strict=False) if t != "string"]
    return bool(typed) and all(_fits(c, t) for c, t in typed) and len(first) == len(types)


# ---------------------------------------------------------------- the sniffer


def sniff_csv(data: bytes, *, max_bytes: int, preview_rows: int = PREVIEW_ROWS) -> SniffResult:
    """Validate, decode, sniff and normalise one uploaded CSV (see the module docstring)."""
    if len(data) > max_bytes:
        raise ResourceExhausted(
            f"the upload is {len(data)} bytes, above the limit of {max_bytes} bytes",
            reason="UPLOAD_TOO_LARGE",
            metadata={"size_bytes": len(data), "max_bytes": max_bytes},
        )
    if not data:
        raise _reject("the file is empty (0 bytes)", "EMPTY_FILE")
    text, encoding = decode_upload(data)
    if not text.strip():
        raise _reject("the file contains no data (only whitespace)", "EMPTY_FILE", encoding=encoding)
    _check_text(text)
    delimiter = detect_delimiter(text)

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=True)
    try:
        # The header candidate and a sample of rows decide header presence and types.
        head: list[list[str]] = []
        for row in reader:
            if row:
                head.append(row)
            if len(head) > TYPE_SAMPLE_ROWS:
                break
        if not head:
            raise _reject("the file contains no rows", "EMPTY_FILE")
        first = head[0]
        widths = Counter(len(r) for r in head[1:]) or Counter([len(first)])
        data_width = max(widths, key=lambda n: (widths[n], n))
        while len(first) > data_width and not first[-1].strip():
            first = first[:-1]
        ncols = max(len(first), 1)
        if ncols > MAX_COLUMNS:
            raise _reject(
                f"the file has {ncols} columns, above the limit of {MAX_COLUMNS}",
                "TOO_MANY_COLUMNS",
                columns=ncols,
                max_columns=MAX_COLUMNS,
            )
        sample_types = [
            infer_type(r[i] for r in head[1:] if i < len(r)) if len(head) > 1 else "string" for i in range(ncols)
        ]
        has_header = not (len(head) > 1 and _first_row_is_data(first, sample_types))
        raw_names = first if has_header else [""] * ncols
        names, renamed = normalise_column_names(raw_names)
        if not has_header:
            renamed = []

        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, quotechar='"', lineterminator="\n",
                            quoting=csv.QUOTE_MINIMAL)
        writer.writerow(names)
        row_count = short_rows = 0
        first_short_line = 0
        sample: list[list[str]] = []

        def emit(row: list[str], line: int) -> None:
            nonlocal row_count, short_rows, first_short_line
            if len(row) > ncols:
                extra = row[ncols:]
                if any(c.strip() for c in extra):
                    raise _reject(
                        f"line {line} has {len(row)} fields but the header has {ncols}",
                        "CSV_RAGGED_ROWS",
                        line=line,
                        fields=len(row),
                        expected=ncols,
                    )
                row = row[:ncols]
            elif len(row) < ncols:
                short_rows += 1
                first_short_line = first_short_line or line
                row = row + [""] * (ncols - len(row))
            row_count += 1
            if len(sample) < TYPE_SAMPLE_ROWS:
                sample.append(row)
            writer.writerow(row)

        # Replay the rows already read (line numbers are approximate for them), then the rest.
        for idx, row in enumerate(head[0 if not has_header else 1 :], 2 if has_header else 1):
            emit(row, idx)
        for row in reader:
            if row:
                emit(row, reader.line_num)
    except csv.Error as exc:
        raise _reject(
            f"the CSV is malformed near line {reader.line_num}: {exc}", "CSV_MALFORMED", line=reader.line_num
        ) from None

    if row_count == 0:
        raise _reject("the file has a header row but no data rows", "CSV_NO_DATA_ROWS", columns=ncols)
    if short_rows > int(row_count * SHORT_ROW_TOLERANCE):
        raise _reject(
            f"{short_rows} of {row_count} rows have fewer fields than the header ({ncols}); "
            f"first at line {first_short_line}",
            "CSV_RAGGED_ROWS",
            rows=short_rows,
            line=first_short_line,
            expected=ncols,
        )
    types = [infer_type(r[i] for r in sample) for i in range(ncols)]
    stored_text = out.getvalue()
    stored = stored_text.encode("utf-8")
    return SniffResult(
        data=stored,
        source_encoding=encoding,
        format=CsvLayout(delimiter=delimiter, header=True, encoding="utf-8", quote='"'),
        source_header=has_header,
        columns=tuple(ColumnInfo(n, t) for n, t in zip(names, types, strict=True)),
        preview_rows=tuple(
            tuple(typed_cell(c, t) for c, t in zip(r, types, strict=True)) for r in sample[:preview_rows]
        ),
        row_count=row_count,
        preview_text="\n".join(stored_text.split("\n", 6)[:6]),
        sha256=hashlib.sha256(stored).hexdigest(),
        renamed_columns=tuple(renamed),
        padded_rows=short_rows,
    )


def describe_sample(data: bytes, *, rows: int = 5, truncated: bool = False) -> SampleDescription | None:
    """Columns, types and the first `rows` rows of a CSV sample (catalog files); None if unreadable.

    `truncated` says `data` is a prefix of a larger file, so its last partial line is dropped.
    """
    if truncated and b"\n" in data:
        data = data[: data.rfind(b"\n") + 1]
    try:
        text, _ = decode_upload(data)
    except InvalidArgument:
        return None
    if not text.strip():
        return None
    delimiter = detect_delimiter(text)
    parsed: list[list[str]] = []
    try:
        for row in _rows(text, delimiter, strict=False):
            if row:
                parsed.append(row)
            if len(parsed) > TYPE_SAMPLE_ROWS:
                break
    except csv.Error:
        return None
    if not parsed:
        return None
    names, _ = normalise_column_names(parsed[0][:MAX_COLUMNS])
    body = [(r + [""] * len(names))[: len(names)] for r in parsed[1:]]
    types = [infer_type(r[i] for r in body) for i in range(len(names))]
    return SampleDescription(
        format=CsvLayout(delimiter=delimiter, header=True, encoding="utf-8"),
        columns=tuple(ColumnInfo(n, t) for n, t in zip(names, types, strict=True)),
        rows=tuple(tuple(typed_cell(c, t) for c, t in zip(r, types, strict=True)) for r in body[:rows]),
    )

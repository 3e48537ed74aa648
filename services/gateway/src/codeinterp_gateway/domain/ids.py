"""Resource ids, resource names, catalog identifiers, page sizes and page tokens.

Every id that reaches a storage key, a file path or generated code passes through
one of the validators here first; they accept a small alphabet and reject
everything else (quotes, backticks, semicolons, spaces, slashes, `..`), so path
traversal and identifier injection are refused before any lookup
(security-and-reliability.md §3 cases 36-37).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass

from codeinterp_common.errors import InvalidArgument

# AIP-122 style session id: 4-63 characters, lower-case letter first.
AIP_ID_RE = re.compile(r"[a-z][a-z0-9-]{3,62}")
# Seed session ids (browser UUIDs, `fastapi-session-<hex>`, "default"): up to 128 characters.
SEED_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,128}")
# Dataset ids: 1-63 characters `[a-z0-9_-]` (dataset_service.proto).
DATASET_ID_RE = re.compile(r"[a-z0-9_-]{1,63}")
# Catalog identifiers (database and table names): what Spark parses unquoted and Glue stores.
IDENTIFIER_RE = re.compile(r"[A-Za-z0-9_]{1,255}")
# Upload ids and history entry ids are server generated.
SERVER_ID_RE = re.compile(r"[a-z0-9-]{1,63}")
# Idempotency keys (AIP-155 recommends a UUID; any short token is accepted).
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,128}")

# Lower-case letters and digits without the confusable 0/o, 1/l/i.
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_id(prefix: str, length: int = 12) -> str:
    """A readable random id such as `ses-k3x9m2p7q4wz` (no confusable characters)."""
    return f"{prefix}-" + "".join(secrets.choice(_READABLE) for _ in range(length))


def validate_session_id(value: str, *, field: str = "session_id") -> str:
    """An AIP id or a seed id; anything else (slashes, `..`, spaces, quotes) is INVALID_ARGUMENT."""
    if not isinstance(value, str) or not value:
        raise InvalidArgument("a session id is required", field=field, reason="SESSION_ID_INVALID")
    ok = AIP_ID_RE.fullmatch(value) or SEED_ID_RE.fullmatch(value)
    # `.`-only names and `..` anywhere would be path segments with a meaning of their own; a
    # trailing dot is dropped by some file systems and tools (`a.` and `a` would collide).
    if not ok or value.strip(".") == "" or ".." in value or value.startswith(".") or value.endswith("."):
        raise InvalidArgument(
            f"session id {value[:140]!r} is invalid: use 4-63 characters [a-z0-9-] starting with a letter, "
            "or up to 128 characters [A-Za-z0-9_.-]",
            field=field,
            reason="SESSION_ID_INVALID",
            metadata={"session_id": value[:140]},
        )
    return value


def validate_dataset_id(value: str, *, field: str = "dataset_id") -> str:
    if not DATASET_ID_RE.fullmatch(value or ""):
        raise InvalidArgument(
            f"dataset id {value[:140]!r} is invalid: use 1-63 characters [a-z0-9_-]",
            field=field,
            reason="DATASET_ID_INVALID",
            metadata={"dataset_id": (value or "")[:140]},
        )
    return value


def validate_identifier(value: str, *, field: str, kind: str = "identifier") -> str:
    """A database or table name: `[A-Za-z0-9_]{1,255}`, compared by exact match afterwards."""
    if not isinstance(value, str) or not IDENTIFIER_RE.fullmatch(value):
        shown = value[:300] if isinstance(value, str) else repr(value)
        raise InvalidArgument(
            f"{kind} name {shown!r} is invalid: only letters, digits and underscores are allowed",
            field=field,
            reason="IDENTIFIER_INVALID",
            metadata={kind: shown},
        )
    return value


def validate_request_id(value: str, *, field: str = "request_id") -> str:
    if value and not REQUEST_ID_RE.fullmatch(value):
        raise InvalidArgument(
            "request_id must be 1-128 characters [A-Za-z0-9_.:-] (a UUID is recommended)",
            field=field,
            reason="REQUEST_ID_INVALID",
        )
    return value


def dataset_id_from_filename(filename: str) -> str:
    """`Sales Q1 (final).CSV` → `sales_q1_final`: the stem, lower-cased, `[a-z0-9_]` only.

    Non-ASCII letters are transliterated where NFKD allows it (é → e) and dropped
    otherwise; an id that would start with a digit gets a `d_` prefix so it is a
    plain identifier; an empty result becomes `dataset`. At most 55 characters,
    leaving room for a de-duplication suffix.
    """
    base = re.split(r"[\\/]", filename or "")[-1]
    stem = base
    for ext in (".csv.gz", ".csv", ".tsv", ".txt", ".psv"):
        if stem.lower().endswith(ext):
            stem = stem[: -len(ext)]
            break
    else:
        if "." in stem.strip("."):
            stem = stem.rsplit(".", 1)[0]
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_stem.lower()).strip("_")
    if not slug:
        slug = "dataset"
    if slug[0].isdigit():
        slug = f"d_{slug}"
    return slug[:55].rstrip("_")


def dedupe_id(base: str, taken: set[str], *, limit: int = 63) -> str:
    """`base`, or `base_2`, `base_3`... — the first one not in `taken`."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[: limit - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


# ---------------------------------------------------------------- resource names


def _parse(name: str, pattern: re.Pattern[str], what: str, field: str) -> tuple[str, ...]:
    m = pattern.fullmatch(name or "")
    if not m:
        raise InvalidArgument(
            f"{field} {str(name)[:200]!r} is not a valid {what} name",
            field=field,
            reason="RESOURCE_NAME_INVALID",
            metadata={field: str(name)[:200], "expected": what},
        )
    return m.groups()


_SESSION_NAME = re.compile(r"sessions/([^/]+)")
_DATASET_NAME = re.compile(r"sessions/([^/]+)/datasets/([^/]+)")
_UPLOAD_NAME = re.compile(r"sessions/([^/]+)/uploads/([^/]+)")
_DATABASE_NAME = re.compile(r"databases/([^/]+)")
_TABLE_NAME = re.compile(r"databases/([^/]+)/tables/([^/]+)")


def session_name(session_id: str) -> str:
    return f"sessions/{session_id}"


def parse_session_name(name: str, *, field: str = "name") -> str:
    (sid,) = _parse(name, _SESSION_NAME, "`sessions/{session}`", field)
    return validate_session_id(sid, field=field)


def session_id_from(name: str, session_id: str, *, name_field: str = "name") -> str:
    """The seed/AIP pair of a request: `name` (`sessions/x`) or `session_id` (`x`), consistent if both."""
    if name:
        sid = parse_session_name(name, field=name_field)
        if session_id and session_id != sid:
            raise InvalidArgument(
                f"{name_field} {name!r} and session_id {session_id!r} disagree",
                field="session_id",
                reason="SESSION_MISMATCH",
                metadata={name_field: name, "session_id": session_id},
            )
        return sid
    if session_id:
        return validate_session_id(session_id)
    raise InvalidArgument(
        f"{name_field} or session_id is required", field=name_field, reason="SESSION_REQUIRED"
    )


def dataset_name(session_id: str, dataset_id: str) -> str:
    return f"sessions/{session_id}/datasets/{dataset_id}"


def parse_dataset_name(name: str, *, field: str = "name") -> tuple[str, str]:
    sid, did = _parse(name, _DATASET_NAME, "`sessions/{session}/datasets/{dataset}`", field)
    return validate_session_id(sid, field=field), validate_dataset_id(did, field=field)


def upload_name(session_id: str, upload_id: str) -> str:
    return f"sessions/{session_id}/uploads/{upload_id}"


def parse_upload_name(name: str, *, field: str = "name") -> tuple[str, str]:
    sid, uid = _parse(name, _UPLOAD_NAME, "`sessions/{session}/uploads/{upload}`", field)
    if not SERVER_ID_RE.fullmatch(uid):
        raise InvalidArgument(f"upload id {uid[:100]!r} is invalid", field=field, reason="RESOURCE_NAME_INVALID")
    return validate_session_id(sid, field=field), uid


def parse_database_name(name: str, *, field: str = "parent") -> str:
    (db,) = _parse(name, _DATABASE_NAME, "`databases/{database}`", field)
    return validate_identifier(db, field=field, kind="database")


def parse_table_name(name: str, *, field: str = "name") -> tuple[str, str]:
    db, table = _parse(name, _TABLE_NAME, "`databases/{database}/tables/{table}`", field)
    return validate_identifier(db, field=field, kind="database"), validate_identifier(table, field=field, kind="table")


# ---------------------------------------------------------------- pagination


@dataclass(frozen=True)
class PageRequest:
    size: int
    cursor: object | None  # the decoded position; None for the first page


def page_size(value: int, *, default: int, maximum: int, field: str = "page_size") -> int:
    """AIP-158: 0 means the default, above the maximum is coerced down, negative is an error."""
    if value < 0:
        raise InvalidArgument(
            f"{field} must not be negative (got {value})",
            field=field,
            reason="PAGE_SIZE_INVALID",
            metadata={field: value},
        )
    if value == 0:
        return default
    return min(value, maximum)


def encode_page_token(kind: str, scope: str, cursor: object) -> str:
    """An opaque token: base64url of a small JSON document naming the list it belongs to."""
    raw = json.dumps({"v": 1, "k": kind, "s": scope, "c": cursor}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str, kind: str, scope: str, *, field: str = "page_token") -> object | None:
    """The cursor inside `token`, or None for an empty token; INVALID_ARGUMENT for anything foreign.

    A token is only valid for the same list (kind) and the same parent (scope) it came from.
    """
    if not token:
        return None
    bad = InvalidArgument(
        "page_token is invalid or belongs to a different request", field=field, reason="PAGE_TOKEN_INVALID"
    )
    if len(token) > 2048:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        doc = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(doc, dict) or doc.get("v") != 1 or doc.get("k") != kind or doc.get("s") != scope:
        raise bad
    if "c" not in doc:
        raise bad
    return doc["c"]


def paginate(items: list, *, key, size: int, cursor: object | None, kind: str, scope: str) -> tuple[list, str]:
    """One page of an already ordered in-memory list, after the item whose key is `cursor`.

    Keys must be unique and increase along the list (names sorted ascending).
    """
    start = 0
    if cursor is not None:
        if not isinstance(cursor, str):
            raise InvalidArgument("page_token is invalid", field="page_token", reason="PAGE_TOKEN_INVALID")
        start = next((i for i, item in enumerate(items) if key(item) > cursor), len(items))
    page = items[start : start + size]
    more = start + size < len(items)
    token = encode_page_token(kind, scope, key(page[-1])) if more and page else ""
    return page, token

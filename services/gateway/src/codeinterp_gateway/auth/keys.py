"""API keys, stored hashed in a file (a mounted Kubernetes Secret in Helm).

A key as clients present it (`x-api-key: <key>` or `authorization: Bearer <key>`) is
`<key_id>.<secret>`; the file holds only a hash of the whole key::

    {"keys": [
      {"key_id": "ci-alice", "sha256": "<hex sha256 of the key>", "principal": "alice",
       "roles": ["analyst"], "revoked": false},
      {"key_id": "ops", "scrypt": "scrypt$16384$8$1$<salt b64>$<hash b64>", "principal": "ops",
       "roles": ["admin"]}
    ]}

JSON (YAML as well when PyYAML is installed). The file is re-read when it changes (checked at
most every `reload_s` seconds), so revoking or rotating a key needs no restart. Comparisons use
`hmac.compare_digest`. `python -m codeinterp_gateway.auth.keys new --key-id ID --principal P
--roles analyst` prints a fresh key once and the entry to add to the file.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from codeinterp_common.auth import Principal, Role, parse_roles
from codeinterp_common.config import ConfigError
from codeinterp_common.errors import Unauthenticated

log = logging.getLogger(__name__)

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SCRYPT_MAX_N = 1 << 17


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    principal: str
    roles: frozenset[Role]
    sha256: str = ""
    scrypt: str = ""
    revoked: bool = False

    def matches(self, presented: str) -> bool:
        data = presented.encode("utf-8", "replace")
        if self.sha256:
            return hmac.compare_digest(hashlib.sha256(data).hexdigest(), self.sha256.lower())
        _, n, r, p, salt, digest = self.scrypt.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            data, salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
        return hmac.compare_digest(got, expected)


def parse_entries(doc: object, source: str) -> dict[str, ApiKey]:
    items = doc.get("keys") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ConfigError(f"{source}: expected {{'keys': [...]}}")
    out: dict[str, ApiKey] = {}
    for i, item in enumerate(items):
        where = f"{source}: keys[{i}]"
        if not isinstance(item, dict):
            raise ConfigError(f"{where} is not an object")
        key_id = str(item.get("key_id", ""))
        if not _KEY_ID.fullmatch(key_id):
            raise ConfigError(f"{where}.key_id must match [A-Za-z0-9_-]{{1,64}}")
        sha, scr = str(item.get("sha256", "")), str(item.get("scrypt", ""))
        if bool(sha) == bool(scr):
            raise ConfigError(f"{where} needs exactly one of sha256 / scrypt")
        if sha and not re.fullmatch(r"[0-9a-fA-F]{64}", sha):
            raise ConfigError(f"{where}.sha256 must be 64 hex digits")
        if scr:
            parts = scr.split("$")
            if len(parts) != 6 or parts[0] != "scrypt" or not all(x.isdigit() for x in parts[1:4]):
                raise ConfigError(f"{where}.scrypt must look like scrypt$N$r$p$salt$hash")
            if int(parts[1]) > _SCRYPT_MAX_N:
                raise ConfigError(f"{where}.scrypt N is above {_SCRYPT_MAX_N}")
        principal = str(item.get("principal", ""))
        if not principal or len(principal) > 256:
            raise ConfigError(f"{where}.principal is required")
        roles = item.get("roles", [])
        if not isinstance(roles, (list, str)):
            raise ConfigError(f"{where}.roles must be a list")
        if key_id in out:
            raise ConfigError(f"{where}: key_id {key_id} appears twice")
        out[key_id] = ApiKey(
            key_id, principal, parse_roles(roles), sha.lower(), scr, bool(item.get("revoked", False))
        )
    return out


def _load(path: Path) -> dict[str, ApiKey]:
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            import yaml  # optional
        except ImportError:
            raise ConfigError(f"{path}: not valid JSON") from None
        doc = yaml.safe_load(text)
    return parse_entries(doc, str(path))


_DUMMY = ApiKey("dummy", "", frozenset(), sha256="0" * 64)


def _invalid() -> Unauthenticated:
    # One answer for an unknown key id and a wrong secret: nothing to probe key ids with.
    return Unauthenticated("the API key is not valid", reason="AUTH_INVALID_API_KEY")


class ApiKeyStore:
    def __init__(
        self, path: str | Path = "", *, entries: dict[str, ApiKey] | None = None, reload_s: float = 2.0
    ) -> None:
        self.path = Path(path) if path else None
        self.reload_s = reload_s
        self._lock = threading.Lock()
        self._entries = dict(entries or {})
        self._signature: tuple | None = None
        self._checked = 0.0
        if self.path is not None:
            self._reload(force=True)

    def _stat(self) -> tuple:
        st = os.stat(self.path)  # follows the ..data symlink a Secret volume swaps on update
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _reload(self, *, force: bool = False) -> None:
        if self.path is None:
            return
        now = time.monotonic()
        if not force and now - self._checked < self.reload_s:
            return
        with self._lock:
            self._checked = now
            try:
                sig = self._stat()
                if sig == self._signature and not force:
                    return
                entries = _load(self.path)
            except (OSError, ConfigError) as exc:
                if force:
                    raise ConfigError(f"cannot load API keys from {self.path}: {exc}") from None
                log.error(
                    "API key file unreadable; keeping the previous keys", extra={"path": str(self.path)}
                )
                return
            self._entries, self._signature = entries, sig
            log.info("API keys loaded", extra={"path": str(self.path), "keys": len(entries)})

    def __len__(self) -> int:
        return len(self._entries)

    def verify(self, presented: str) -> Principal:
        self._reload()
        key_id, dot, secret = presented.partition(".")
        entry = self._entries.get(key_id) if dot and secret and len(presented) <= 512 else None
        if entry is None:
            _DUMMY.matches(presented[:512])  # about the same work as for a known key id
            raise _invalid()
        if not entry.matches(presented):
            raise _invalid()
        if entry.revoked:
            raise Unauthenticated(
                "the API key has been revoked", reason="AUTH_KEY_REVOKED", metadata={"key_id": entry.key_id}
            )
        return Principal(entry.principal, entry.roles, "api_key")


def new_key(key_id: str) -> str:
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError("key_id must match [A-Za-z0-9_-]{1,64}")
    return f"{key_id}.{secrets.token_urlsafe(32)}"


def sha256_entry(key: str, principal: str, roles: list[str], *, revoked: bool = False) -> dict:
    return {
        "key_id": key.partition(".")[0],
        "sha256": hashlib.sha256(key.encode()).hexdigest(),
        "principal": principal,
        "roles": roles,
        "revoked": revoked,
    }


def scrypt_hash(key: str, *, n: int = 16384, r: int = 8, p: int = 1) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(key.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _cli() -> None:  # pragma: no cover - a small operator tool
    parser = argparse.ArgumentParser(description="Create an API key entry")
    sub = parser.add_subparsers(dest="cmd", required=True)
    new = sub.add_parser("new")
    new.add_argument("--key-id", required=True)
    new.add_argument("--principal", required=True)
    new.add_argument("--roles", default="analyst")
    new.add_argument("--scrypt", action="store_true")
    args = parser.parse_args()
    key = new_key(args.key_id)
    entry = sha256_entry(key, args.principal, [r for r in args.roles.split(",") if r])
    if args.scrypt:
        entry.pop("sha256")
        entry["scrypt"] = scrypt_hash(key)
    print(f"key (shown once): {key}")
    print(json.dumps(entry))


if __name__ == "__main__":  # pragma: no cover
    _cli()

"""The ObjectStore of the embedded default: a local directory.

Keys are `/`-separated segments of `[A-Za-z0-9_.=-]` (no empty, `.` or `..` segments,
no backslashes, no leading `/`); anything else is INVALID_ARGUMENT, and the resolved
path must stay under the root. Writes go to a temporary file in the same directory,
are fsynced and then renamed over the target, so a reader sees the old or the new
object, never a partial one. The S3 adapter implements the same Protocol
(`codeinterp_gateway.domain.datasets.ObjectStore`).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

from codeinterp_common.errors import InvalidArgument, NotFound

_SEGMENT = re.compile(r"[A-Za-z0-9_.=-]+")


class LocalObjectStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str, *, prefix: bool = False) -> Path:
        segments = key.split("/")
        if prefix and segments and segments[-1] == "":
            segments = segments[:-1]
        if (
            not key
            or key.startswith("/")
            or "\\" in key
            or not segments
            or any(s in ("", ".", "..") or not _SEGMENT.fullmatch(s) for s in segments)
        ):
            raise InvalidArgument(f"object key {key[:300]!r} is invalid", field="key", reason="OBJECT_KEY_INVALID",
                                  metadata={"key": key[:300]})
        path = self.root.joinpath(*segments)
        if not path.resolve().is_relative_to(self.root):
            raise InvalidArgument(f"object key {key[:300]!r} escapes the store", field="key",
                                  reason="OBJECT_KEY_INVALID", metadata={"key": key[:300]})
        return path

    def put(self, key: str, data: bytes) -> int:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        return len(data)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise NotFound(f"object {key} does not exist", reason="OBJECT_NOT_FOUND", metadata={"key": key}) from None

    def open(self, key: str) -> BinaryIO:
        path = self._path(key)
        try:
            return path.open("rb")
        except FileNotFoundError:
            raise NotFound(f"object {key} does not exist", reason="OBJECT_NOT_FOUND", metadata={"key": key}) from None

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
            return True
        except FileNotFoundError:
            return False

    def delete_prefix(self, prefix: str) -> int:
        count = 0
        for key in self.list(prefix):
            count += self.delete(key)
        base = self._path(prefix, prefix=True)
        if prefix.endswith("/") and base.is_dir():
            for directory in sorted((p for p in base.rglob("*") if p.is_dir()), reverse=True):
                _rmdir_quiet(directory)
            _rmdir_quiet(base)
        return count

    def list(self, prefix: str = "") -> list[str]:
        """Keys starting with `prefix` (a whole-segment prefix ending in `/`, or empty), sorted."""
        base = self.root if not prefix else self._path(prefix, prefix=True)
        if base.is_file():
            return [prefix]
        if not base.is_dir():
            return []
        keys = []
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                keys.append(path.relative_to(self.root).as_posix())
        return sorted(keys)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise NotFound(f"object {key} does not exist", reason="OBJECT_NOT_FOUND", metadata={"key": key}) from None

    def uri(self, key: str) -> str:
        return str(self._path(key))


def _rmdir_quiet(path: Path) -> None:
    try:
        path.rmdir()
    except OSError:
        pass

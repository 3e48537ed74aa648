"""HttpRule path templates (google/api/http.proto) compiled to anchored regexes.

Grammar::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    FieldPath = IDENT { "." IDENT } ;
    Verb     = ":" LITERAL ;

`*` matches one segment, `**` zero or more (last only). `{f}` equals `{f=*}`. A variable whose
pattern is only literals (`{framework=spark}`) binds that literal. Matching runs on the raw
(percent-encoded) path; bound values are decoded afterwards: single-segment variables fully,
multi-segment ones keep `%2F` encoded. Values with a `.` or `..` segment are rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_LITERAL_BAD = set("{}/*=")
_SEGMENT = "[^/]+"


class TemplateError(ValueError):
    """A malformed path template (raised at start-up)."""


class PathTraversal(ValueError):
    """A bound value contains a `.` or `..` segment."""


@dataclass(frozen=True)
class Variable:
    field_path: str  # e.g. "session.name"
    segments: tuple[str, ...]  # pattern segments, e.g. ("sessions", "*")
    literal_only: bool  # {framework=spark}

    @property
    def single_segment(self) -> bool:
        return self.segments == ("*",)

    @property
    def pattern(self) -> str:
        return "/".join(self.segments)

    @property
    def literal_value(self) -> str:
        return "/".join(self.segments)


@dataclass(frozen=True)
class PathTemplate:
    """A compiled template. `segments` holds str literals / "*" / "**" / Variable."""

    source: str
    segments: tuple[object, ...]
    verb: str | None
    regex: re.Pattern[str] = field(compare=False)
    canonical: str  # the regex with anonymous groups: equal for templates that match the same paths
    variables: tuple[Variable, ...]
    literal_count: int

    @property
    def _literal_path(self) -> str | None:
        parts: list[str] = []
        for seg in self.segments:
            if isinstance(seg, Variable):
                if not seg.literal_only:
                    return None
                parts.append(seg.literal_value)
            elif seg in ("*", "**"):
                return None
            else:
                parts.append(seg)
        return "/" + "/".join(parts) + (f":{self.verb}" if self.verb else "")

    @property
    def literal_path(self) -> str | None:
        return self._literal_path

    @property
    def first_literal(self) -> str | None:
        """The literal first segment (used to bucket routes), or None for a wildcard start."""
        seg = self.segments[0] if self.segments else None
        if isinstance(seg, Variable):
            return seg.segments[0] if seg.segments and seg.segments[0] not in ("*", "**") else None
        if seg in (None, "*", "**"):
            return None
        return seg  # type: ignore[return-value]

    @property
    def specificity(self) -> tuple[int, int, int, int]:
        """Sort key (descending): literal-heavier first, then with verb, then fewer `**`, longer."""
        deep = sum(1 for s in self._flat() if s == "**")
        return (self.literal_count, 1 if self.verb else 0, -deep, len(self._flat()))

    def _flat(self) -> list[str]:
        out: list[str] = []
        for seg in self.segments:
            if isinstance(seg, Variable):
                out.extend(seg.segments)
            else:
                out.append(seg)  # type: ignore[arg-type]
        return out

    def match(self, path: str) -> dict[str, str] | None:
        """Match a raw (percent-encoded) path; returns field path → decoded value, or None.

        Raises PathTraversal when a bound value has a `.`/`..` segment."""
        m = self.regex.match(path)
        if m is None:
            return None
        return self.bind(m)

    def bind(self, m: re.Match[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        groups = m.groups()
        gi = 0
        for var in self.variables:
            if var.literal_only:
                out[var.field_path] = var.literal_value
                continue
            raw = groups[gi] or ""
            gi += 1
            out[var.field_path] = decode_value(raw, var.single_segment)
        return out

    def render(self, values: dict[str, str] | None = None) -> str:
        """The template with variables as `{field}` (for docs and error messages)."""
        parts: list[str] = []
        for seg in self.segments:
            if isinstance(seg, Variable):
                if seg.literal_only:
                    parts.append(seg.literal_value)
                else:
                    parts.append((values or {}).get(seg.field_path, "{" + seg.field_path + "}"))
            else:
                parts.append(seg)  # type: ignore[arg-type]
        return "/" + "/".join(parts) + (f":{self.verb}" if self.verb else "")


def decode_value(raw: str, single_segment: bool) -> str:
    if "%" not in raw:
        value = raw
        segs = raw.split("/")
    elif single_segment:
        value = unquote(raw, errors="strict")
        segs = value.split("/")
    else:
        # Keep %2F encoded inside multi-segment values (it is data, not a separator).
        segs = [_unquote_keep_slash(s) for s in raw.split("/")]
        value = "/".join(segs)
        segs = [unquote(s) for s in segs]
    for s in segs:
        if s == "." or s == "..":
            raise PathTraversal(raw)
    return value


_KEEP = re.compile(r"%2[fF]")


def _unquote_keep_slash(seg: str) -> str:
    pieces = _KEEP.split(seg)
    return "%2F".join(unquote(p, errors="strict") for p in pieces)


def _split_verb(body: str) -> tuple[str, str | None]:
    """Split `a/{b=c/*}:verb` into path part and verb (a colon outside braces after the last '/')."""
    depth = 0
    last_colon = -1
    last_slash = -1
    for i, ch in enumerate(body):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0 and ch == "/":
            last_slash = i
        elif depth == 0 and ch == ":":
            last_colon = i
    if depth != 0:
        raise TemplateError("unbalanced braces")
    if last_colon > last_slash:
        verb = body[last_colon + 1 :]
        if not verb or any(c in _LITERAL_BAD or c == ":" for c in verb):
            raise TemplateError(f"bad verb {verb!r}")
        return body[:last_colon], verb
    return body, None


def _split_segments(body: str) -> list[str]:
    out: list[str] = []
    depth = 0
    cur = []
    for ch in body:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "/" and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _check_literal(seg: str, template: str) -> None:
    if not seg or any(c in _LITERAL_BAD for c in seg):
        raise TemplateError(f"bad segment {seg!r} in {template!r}")


def parse(template: str) -> PathTemplate:
    if not template.startswith("/"):
        raise TemplateError(f"template must start with '/': {template!r}")
    body, verb = _split_verb(template[1:])
    raw_segments = _split_segments(body)
    segments: list[object] = []
    variables: list[Variable] = []
    seen_fields: set[str] = set()
    for raw in raw_segments:
        if raw.startswith("{"):
            if not raw.endswith("}"):
                raise TemplateError(f"bad variable {raw!r} in {template!r}")
            inner = raw[1:-1]
            name, _, pattern = inner.partition("=")
            if not _IDENT.match(name):
                raise TemplateError(f"bad field path {name!r} in {template!r}")
            if name in seen_fields:
                raise TemplateError(f"field {name!r} bound twice in {template!r}")
            seen_fields.add(name)
            pat = tuple(pattern.split("/")) if pattern else ("*",)
            for p in pat:
                if p not in ("*", "**"):
                    _check_literal(p, template)
            literal_only = all(p not in ("*", "**") for p in pat)
            var = Variable(name, pat, literal_only)
            segments.append(var)
            variables.append(var)
        elif raw in ("*", "**"):
            segments.append(raw)
        else:
            _check_literal(raw, template)
            segments.append(raw)
    flat: list[str] = []
    for seg in segments:
        flat.extend(seg.segments if isinstance(seg, Variable) else [seg])  # type: ignore[list-item]
    if "**" in flat[:-1]:
        raise TemplateError(f"'**' must be the last segment: {template!r}")
    regex_src, canonical = _compile(segments, verb)
    literal_count = sum(1 for s in flat if s not in ("*", "**"))
    return PathTemplate(
        source=template,
        segments=tuple(segments),
        verb=verb,
        regex=re.compile(regex_src),
        canonical=canonical,
        variables=tuple(variables),
        literal_count=literal_count,
    )


def _seq(pat: tuple[str, ...]) -> str:
    """Regex for a run of segments, each preceded by '/'. `**` may match zero segments."""
    out = []
    for p in pat:
        if p == "*":
            out.append("/" + _SEGMENT)
        elif p == "**":
            out.append("(?:/[^/]+)*")
        else:
            out.append("/" + re.escape(p))
    return "".join(out)


def _capture(pat: tuple[str, ...]) -> str:
    """A capturing regex for a variable; the group holds the value without the leading '/'."""
    if pat[0] == "**":
        return "(?:/([^/]+(?:/[^/]+)*))?"
    inner = _seq(pat)
    return "/(" + inner[1:] + ")"


def _compile(segments: list[object], verb: str | None) -> tuple[str, str]:
    parts: list[str] = []
    for seg in segments:
        if isinstance(seg, Variable):
            parts.append(_seq(seg.segments) if seg.literal_only else _capture(seg.segments))
        else:
            parts.append(_seq((seg,)))  # type: ignore[arg-type]
    tail = re.escape(":" + verb) if verb else ""
    src = "^" + "".join(parts) + tail + "$"
    return src, src

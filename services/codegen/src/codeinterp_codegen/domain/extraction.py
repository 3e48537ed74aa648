"""Deterministic extraction of the program from an LLM answer.

The contract is: exactly one fenced Python block. We never concatenate blocks, never fall
back to "everything after `import`" (the seed's heuristics, seed-system.md §2.8), and never
guess between two candidates: anything else is an error with a stable reason the caller can
show or feed into a repair.

Fences follow CommonMark closely enough for model output: an opening line of ≥3 backticks
(or tildes) with an optional info string, closed by a line of the same character at least as
long with nothing after it. Blocks tagged python/py/python3/pyspark count; when no block is
tagged, untagged blocks count instead; blocks tagged with another language (json, sql, text,
bash, ...) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PYTHON_TAGS = frozenset({"python", "py", "python3", "py3", "pyspark"})
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_EXPLANATION_PREFIX = re.compile(r"^(explanation|summary|answer)\s*:\s*", re.IGNORECASE)
MAX_EXPLANATION_CHARS = 300

NO_CODE_BLOCK = "NO_CODE_BLOCK"
MULTIPLE_CODE_BLOCKS = "MULTIPLE_CODE_BLOCKS"
RESPONSE_TRUNCATED = "RESPONSE_TRUNCATED"


class ExtractionError(Exception):
    """The answer holds no single usable code block. `reason` is a stable UPPER_SNAKE id."""

    def __init__(self, reason: str, message: str, **metadata: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.metadata = {k: str(v) for k, v in metadata.items()}


@dataclass(frozen=True)
class Block:
    info: str  # lower-cased first word of the info string ("" when untagged)
    code: str
    start_line: int  # 1-based line of the opening fence
    closed: bool


@dataclass(frozen=True)
class ExtractedCode:
    code: str
    explanation: str = ""
    blocks_seen: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)


def find_blocks(text: str) -> list[Block]:
    """Every fenced block in `text`, in order (an unterminated last block has closed=False)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None or (m.group("fence")[0] == "`" and "`" in m.group("info")):
            i += 1
            continue
        fence, indent = m.group("fence"), len(m.group("indent").expandtabs(4))
        info = m.group("info").strip().split(maxsplit=1)
        tag = info[0].lower().strip("{}.") if info else ""
        start = i
        body: list[str] = []
        closed = False
        i += 1
        while i < len(lines):
            line = lines[i]
            stripped = line.strip()
            if stripped and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
                closed = True
                i += 1
                break
            body.append(_unindent(line, indent))
            i += 1
        blocks.append(Block(tag, _trim_blank_lines(body), start + 1, closed))
    return blocks


def extract_code(text: str, *, truncated: bool = False) -> ExtractedCode:
    """The single Python block of an answer, or ExtractionError.

    `truncated` is the provider's stop reason saying the answer hit the token limit: an
    unterminated block (or no block) then gets the clearer reason RESPONSE_TRUNCATED.
    """
    blocks = find_blocks(text or "")
    python = [b for b in blocks if b.info in PYTHON_TAGS]
    candidates = python or [b for b in blocks if b.info == ""]
    open_blocks = [b for b in candidates if not b.closed]
    if truncated and (open_blocks or not candidates):
        raise ExtractionError(
            RESPONSE_TRUNCATED,
            "the model's answer was cut off at the output-token limit before the code block ended",
            blocks=len(blocks),
        )
    if not candidates:
        other = sorted({b.info for b in blocks if b.info})
        detail = f" (only blocks tagged {', '.join(other)})" if other else ""
        raise ExtractionError(
            NO_CODE_BLOCK,
            f"the model answered without a fenced python code block{detail}; no code was generated",
            blocks=len(blocks),
        )
    if len(candidates) > 1:
        raise ExtractionError(
            MULTIPLE_CODE_BLOCKS,
            f"the model answered with {len(candidates)} python code blocks (lines "
            f"{', '.join(str(b.start_line) for b in candidates)}); exactly one is required and "
            "blocks are never combined",
            blocks=len(candidates),
        )
    block = candidates[0]
    if not block.closed:
        raise ExtractionError(
            NO_CODE_BLOCK,
            "the model's code block is not terminated (no closing fence); the answer looks truncated",
            blocks=len(blocks),
        )
    if not block.code.strip():
        raise ExtractionError(NO_CODE_BLOCK, "the model's code block is empty", blocks=len(blocks))
    code = block.code if block.code.endswith("\n") else block.code + "\n"
    return ExtractedCode(code=code, explanation=explanation_of(code), blocks_seen=len(blocks))


def explanation_of(code: str) -> str:
    """The leading comment of the program (the prompts ask for a one-line summary there)."""
    parts: list[str] = []
    for line in code.split("\n"):
        s = line.strip()
        if not s:
            if parts:
                break
            continue
        if not s.startswith("#") or s.startswith("#!"):
            break
        parts.append(s.lstrip("#").strip())
    text = _EXPLANATION_PREFIX.sub("", " ".join(p for p in parts if p)).strip()
    if len(text) > MAX_EXPLANATION_CHARS:
        text = text[: MAX_EXPLANATION_CHARS - 1].rstrip() + "…"
    return text


def _unindent(line: str, indent: int) -> str:
    if indent == 0:
        return line
    removed = 0
    j = 0
    while j < len(line) and removed < indent and line[j] in " \t":
        removed += 4 if line[j] == "\t" else 1
        j += 1
    return line[j:]


def _trim_blank_lines(body: list[str]) -> str:
    start, end = 0, len(body)
    while start < end and not body[start].strip():
        start += 1
    while end > start and not body[end - 1].strip():
        end -= 1
    return "\n".join(body[start:end])

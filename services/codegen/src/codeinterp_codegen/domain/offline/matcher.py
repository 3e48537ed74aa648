"""Fuzzy matching of question words to columns (and values found in sample rows)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lexicon import norm_tokens, singular, synonyms_of


class OfflineRefusal(Exception):
    """The offline generator will not produce code for this request; `.reason` says why."""

    code = "FAILED_PRECONDITION"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OutOfGrammar(OfflineRefusal):
    def __init__(self, reason: str):
        super().__init__(
            f"the offline generator cannot express this request: {reason}; "
            "rephrase it within the documented grammar or configure an LLM provider"
        )
        self.detail = reason


class Ambiguous(OfflineRefusal):
    def __init__(self, question: str, candidates: list[str], what: str = ""):
        self.question = question
        self.candidates = list(candidates)
        label = f"'{what}'" if what else "a word"
        super().__init__(
            f"{label} in the request matches several columns ({', '.join(map(repr, candidates))}); "
            "please say which one you mean"
        )


@dataclass
class WorkColumn:
    name: str  # working-table (output-level) name
    kind: str
    source: str  # input it comes from
    original: str  # name in the source input
    keys: list[tuple[str, ...]] = field(default_factory=list)
    samples: list = field(default_factory=list)


class ColumnMatcher:
    def __init__(self, columns: list[WorkColumn], input_names: list[str]):
        self.columns = columns
        self.input_tokens = {n: norm_tokens(n) for n in input_names}
        for c in columns:
            k = norm_tokens(c.original)
            keys = [k]
            it = self.input_tokens.get(c.source, ())
            if it:
                keys.append(tuple(it) + k)  # "customer name" -> customers.name
                if len(it) == 1:
                    keys.append((singular(it[0]),) + k)
            c.keys = keys

    def by_name(self, name: str) -> WorkColumn | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None

    def match(self, phrase: tuple[str, ...]) -> tuple[int, list[WorkColumn]]:
        """Return (tier, candidates) for the best tier: 3 exact, 2 part of the name, 1 synonym."""
        if not phrase:
            return 0, []
        best: dict[int, list[WorkColumn]] = {3: [], 2: [], 1: []}
        joined = "".join(phrase)
        for c in self.columns:
            tier = 0
            for n, k in enumerate(c.keys):
                if k == phrase or "".join(k) == joined:
                    tier = 3
                    break
                if n > 0:  # table-qualified forms only match exactly
                    continue
                if _contains(k, phrase):
                    tier = max(tier, 2)
                elif tier < 1 and _syn_contains(k, phrase):
                    tier = 1
            if tier:
                best[tier].append(c)
        if best[3]:
            return 3, best[3]
        # a partial-name match and a synonym match for different columns are equally plausible: ask
        merged = best[2] + [c for c in best[1] if c not in best[2]]
        if merged:
            return (2 if best[2] else 1), merged
        return 0, []


def _contains(key: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(key[i : i + n] == phrase for i in range(len(key) - n + 1))


def _syn_contains(key: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    options = [synonyms_of(w) for w in phrase]
    for i in range(len(key) - n + 1):
        if all(key[i + j] in options[j] for j in range(n)):
            return True
    return False

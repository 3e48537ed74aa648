"""Word lists used by the offline parser and the column matcher."""

from __future__ import annotations

import re

# Synonym groups for column matching (singular forms).  A word only resolves to a
# column through a synonym when exactly one column matches at that tier.
SYNONYMS: list[set[str]] = [
    {"revenue", "sale", "amount", "spend", "spent", "spending", "turnover", "income", "takings"},
    {"price", "unitprice"},
    {"quantity", "qty", "volume", "piece"},
    {"customer", "client", "buyer", "purchaser"},
    {"date", "day", "time", "timestamp", "datetime", "dt"},
    {"region", "area", "territory", "zone", "district"},
    {"category", "type", "segment", "class", "kind", "genre"},
    {"product", "item", "sku", "article"},
    {"city", "town"},
    {"country", "nation"},
    {"employee", "staff", "worker"},
    {"store", "shop", "outlet", "branch"},
    {"temperature", "temp"},
    {"profit", "margin"},
    {"cost", "expense"},
]

# Words whose measure may be summed implicitly ("revenue by region" = total revenue).
ADDITIVE = {"revenue", "sale", "amount", "spend", "spent", "spending", "turnover", "income", "quantity",
            "qty", "volume", "cost", "profit", "total", "takings", "expense", "piece"}

# Filler words that may be left over without changing the meaning.
FILLER = {
    "show", "me", "list", "give", "get", "find", "display", "tell", "what", "whats", "which", "is", "are",
    "was", "were", "the", "a", "an", "of", "all", "please", "compute", "calculate", "return", "i", "want",
    "to", "see", "know", "would", "like", "could", "you", "can", "do", "does", "we", "have", "there", "data",
    "dataset", "table", "overall", "value", "values", "number", "figure", "figures", "let", "us", "our",
    "my", "it", "its", "this", "that", "these", "those", "be", "been", "just", "also", "then", "now",
    "report", "shown", "listed", "amounts", "?", ".", "!", ",", ";", ":", "and", "each", "every", "per",
    "for", "in", "on", "with", "by", "from", "across", "broken", "down", "grouped", "group", "s", "'s",
    "whole", "entire", "how", "much", "many", "did", "has", "had", "result", "results", "output",
    "provide", "look", "up", "lookup", "at", "as", "well", "metric", "metrics", "hey", "hi",
    "kindly", "quickly", "quick", "fetch", "pull", "retrieve", "information", "info", "summarise",
}

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "fifty": 50, "hundred": 100,
}

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}

# Words that signal requests the offline generator must refuse, with a reason.
REFUSAL_HINTS: list[tuple[set[str], str]] = [
    ({"delete", "drop", "remove", "update", "insert", "truncate", "alter", "overwrite", "modify", "write",
      "save", "store", "upload", "export"}, "it only reads data; it never modifies, writes or exports anything"),
    ({"email", "mail", "send", "post", "http", "https", "url", "webhook", "slack", "notify"},
     "it cannot send or publish results anywhere"),
    ({"train", "neural", "network", "model", "regression", "classify", "classifier", "cluster", "clustering",
      "predict", "prediction", "forecast", "forecasting", "will", "future", "next", "projection", "estimate"},
     "it does not do predictions, forecasts or machine learning"),
    ({"ignore", "instructions", "instruction", "import", "os", "subprocess", "exec", "eval", "system",
      "shell", "prompt", "execute", "code", "script", "sudo", "password", "secret", "credentials"},
     "the request contains instructions or code, which it never follows"),
    ({"poem", "story", "joke", "essay", "song", "translate", "chart", "plot", "graph", "visualize",
      "visualise", "draw"}, "it only computes tabular answers"),
    ({"yesterday", "today", "tomorrow", "last", "recent", "recently", "ago", "current", "currently",
      "this_year"}, "relative dates are not supported; give explicit dates (e.g. 2024-03-01 or March 2024)"),
    ({"median", "percentile", "quantile", "variance", "stddev", "deviation", "correlation", "correlate",
      "mode", "rolling", "moving", "cumulative", "running", "growth", "change", "difference", "ratio",
      "rank", "ranking", "pivot"}, "this kind of statistic is outside its grammar"),
]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NONWORD = re.compile(r"[^\w]+|_+", re.UNICODE)


def singular(w: str) -> str:
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("ie") and len(w) > 4:  # "catégorie"/"catégories", "movie"/"movies": one form
        return w[:-2] + "y"
    if w.endswith(("sses", "shes", "ches", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is", "ous")):
        return w[:-1]
    return w


def split_words(name: str) -> list[str]:
    """Split an identifier or phrase into lower-case words (camelCase, _, -, spaces, dots)."""
    parts = _CAMEL.sub(" ", name)
    return [p.lower() for p in _NONWORD.split(parts) if p]


def norm_tokens(name: str) -> tuple[str, ...]:
    return tuple(singular(w) for w in split_words(name))


def synonyms_of(word: str) -> set[str]:
    out = {word}
    for group in SYNONYMS:
        if word in group:
            out |= group
    return out

"""Question -> Plan.  Conservative: every meaningful word must be consumed by a rule."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .lexicon import ADDITIVE, FILLER, MONTHS, NUMBER_WORDS, REFUSAL_HINTS, norm_tokens, singular, split_words
from .matcher import Ambiguous, ColumnMatcher, OfflineRefusal, OutOfGrammar, WorkColumn
from .plan import Aggregate, Bucket, Filter, Join, Order, Plan
from .schema import InputInfo

MAX_LIMIT = 100_000

# Multi-word keyword phrases (matched longest first on lower-case word tokens).
_KW: dict[str, str] = {}


def _kw(canon: str, *phrases: str) -> None:
    for p in phrases:
        _KW[p] = canon


_kw("agg:sum", "sum", "sum of", "sums", "total", "totals", "total of", "sum up", "add up", "summed", "total the")
_kw("agg:avg", "average", "avg", "mean", "average of", "mean of", "averages", "avg of")
_kw("agg:max", "maximum", "max", "max of", "maximum of")
_kw("agg:min", "minimum", "min", "min of", "minimum of")
_kw("high", "highest", "largest", "biggest", "greatest")
_kw("low", "lowest", "smallest", "least")
_kw("agg:count", "count", "count of", "number of", "how many", "no of", "num of", "counts", "the number of",
    "count the", "total number of", "total count of", "total count")
_kw("distinct", "distinct", "unique", "different", "distinct values of", "unique values of", "distinct values",
    "unique values")
_kw("group", "by", "per", "for each", "for every", "grouped by", "group by", "broken down by", "split by",
    "across", "across all", "for all", "breakdown by", "break down by", "each", "every", "by each")
_kw("sort", "sorted by", "sort by", "order by", "ordered by", "sorted on", "ordered on", "rank by",
    "ranked by", "sorting by")
_kw("sorted", "sorted", "ordered", "sort", "order")
_kw("dir:desc", "descending", "desc", "descending order", "in descending order", "highest first",
    "largest first", "biggest first", "from highest to lowest", "highest to lowest", "high to low",
    "decreasing", "in decreasing order", "largest to smallest", "most first")
_kw("dir:asc", "ascending", "asc", "ascending order", "in ascending order", "lowest first", "smallest first",
    "from lowest to highest", "lowest to highest", "low to high", "increasing", "in increasing order",
    "smallest to largest", "alphabetically", "alphabetical order", "in alphabetical order")
_kw("top", "top", "the top")
_kw("bottom", "bottom", "the bottom")
_kw("first", "first", "the first", "head")
_kw("limit", "limit", "limit to", "limited to")
_kw("cmp:>", ">", "greater than", "more than", "over", "above", "exceeds", "exceeding", "bigger than",
    "larger than", "higher than", "after", "later than", "is greater than", "is more than", "is over",
    "is above", "is after", "is higher than", "is larger than", "are greater than", "are more than",
    "are over", "are above")
_kw("cmp:>=", ">=", "=>", "at least", "greater than or equal to", "no less than", "since", "on or after",
    "is at least", "is greater than or equal to", "are at least", "min of")
_kw("cmp:<", "<", "less than", "under", "below", "fewer than", "smaller than", "lower than", "before",
    "earlier than", "is less than", "is under", "is below", "is before", "is lower than", "is smaller than",
    "are less than", "are under", "are below")
_kw("cmp:<=", "<=", "=<", "at most", "less than or equal to", "no more than", "until", "on or before",
    "is at most", "is less than or equal to", "are at most", "up to")
_kw("cmp:==", "=", "==", "equals", "equal to", "is equal to", "equals to", "is exactly", "exactly")
_kw("cmp:!=", "!=", "<>", "is not", "not", "isn't", "other than", "not equal to", "is not equal to",
    "are not", "aren't", "does not equal", "doesn't equal")
_kw("is", "is", "are", "was", "were")
_kw("between", "between", "is between", "are between", "from")
_kw("in", "in", "is in", "is one of", "one of", "are in", "during", "within")
_kw("notin", "not in", "is not in", "not one of", "is not one of", "are not in")
_kw("contains", "contains", "containing", "contain", "includes", "including", "like", "that contains",
    "that contain", "mentions", "mentioning", "matching", "matches")
_kw("starts", "starts with", "starting with", "begins with", "beginning with", "that start with",
    "that starts with", "start with")
_kw("ends", "ends with", "ending with", "that end with", "that ends with", "end with")
_kw("null", "is null", "is missing", "is empty", "is blank", "are null", "are missing", "are empty",
    "is na", "is none", "null", "missing", "empty", "blank", "with no", "without", "with missing",
    "has no", "have no", "with null", "with empty", "with blank", "no")
_kw("notnull", "is not null", "is not missing", "is not empty", "is present", "is known", "are not null",
    "are not missing", "not null", "non null", "non-null", "not missing", "not empty", "nonnull",
    "is not blank", "with a", "that have a", "having a", "present")
_kw("unit:day", "day", "days", "date")
_kw("unit:week", "week", "weeks")
_kw("unit:month", "month", "months")
_kw("unit:quarter", "quarter", "quarters")
_kw("unit:year", "year", "years")
_kw("adj:day", "daily", "per day", "each day", "by day", "day by day")
_kw("adj:week", "weekly", "per week", "each week", "week by week")
_kw("adj:month", "monthly", "per month", "each month", "month by month", "month over month")
_kw("adj:quarter", "quarterly", "per quarter", "each quarter")
_kw("adj:year", "yearly", "annual", "annually", "per year", "each year", "year by year", "year over year")
_kw("trend", "trend", "trends", "over time", "trend of", "trend over time", "evolution", "evolution of",
    "timeline", "time series", "trend in")
_kw("percent", "percentage", "percentage of", "percent of", "percent", "share", "share of", "proportion",
    "proportion of", "% of", "%", "pct", "pct of", "percentages", "percentage share", "percent share",
    "share of total", "percentage of total", "percent of total", "as a percentage of total",
    "as a percent of total", "of the total", "of total")
_kw("describe", "describe", "summary statistics", "summary stats", "descriptive statistics", "statistics",
    "stats", "summary", "summarize", "summarise", "profile", "describe the", "basic statistics",
    "statistical summary", "summary of", "statistics for", "statistics of", "stats for")
_kw("rows", "rows", "row", "records", "record", "entries", "entry", "lines")
_kw("join", "join", "joined with", "joined to", "join with", "combined with", "combine", "merge",
    "merged with", "joining", "together with", "join together")
_kw("on", "on", "using", "on key", "keyed on", "matched on", "matching on")
_kw("with", "with", "where", "whose", "when", "having", "that have", "which have", "that has", "which has",
    "filtered to", "filter to", "filtered by", "filter by", "only", "for only", "only for", "if", "such that",
    "that are", "which are")

_STRUCT_WORDS = {"and", "or", ",", "the", "a", "an", "of", "for", "to", "me"}
_VALUE_KWS = {"cmp:>", "cmp:>=", "cmp:<", "cmp:<=", "cmp:==", "cmp:!=", "is", "in", "notin", "contains",
              "starts", "ends"}
_MAX_KW_WORDS = max(len(p.split()) for p in _KW)

_TOKEN_RE = re.compile(
    r"""(?P<bq>`(?:[^`]|``)+`)
      |(?<![\w])'(?P<sq>[^']+)'(?![\w])
      |"(?P<dq>[^"]+)"
      |(?P<datetime>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)
      |(?P<date>\d{4}-\d{2}-\d{2}|\d{4}/\d{2}/\d{2})
      |(?P<ym>\d{4}-\d{2})(?![\d])
      |(?P<op>>=|<=|!=|<>|==|=>|=<|=|>|<)
      |(?P<num>[-+]?\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|[-+]?\$?\.\d+)
      |(?P<word>[^\W\d_][\w']*(?:[-.][^\W_][\w']*)*|\d+[^\W\d_][\w]*)
      |(?P<punct>[,?!.;:()%])
      |(?P<other>\S)""",
    re.VERBOSE | re.UNICODE,
)


@dataclass
class Item:
    t: str  # kw, col, table, val, num, date, str, lit, sep, word, filler
    v: Any = None
    text: str = ""


@dataclass
class _Ctx:
    question: str
    inputs: list[InputInfo]
    source: InputInfo
    join: Join | None
    columns: list[WorkColumn]
    matcher: ColumnMatcher
    filters: list[Filter] = field(default_factory=list)
    # (column, sample spelling) of values the question spells differently (case, punctuation):
    # compared case-insensitively, never as the sample's exact spelling (see _pick_values)
    loose_values: set[tuple[str, str]] = field(default_factory=set)


# --------------------------------------------------------------------------------------- public


def parse(question: str, inputs: list[InputInfo]) -> Plan:
    if not inputs:
        raise OutOfGrammar("there is no input data to analyse")
    q = (question or "").strip()
    if not q:
        raise OutOfGrammar("the request is empty")
    if len(q) > 500:
        raise OutOfGrammar("the request is too long for the offline grammar")
    raw = _tokenize(q)
    by_name = {i.name: i for i in inputs}
    pairs: list[tuple[InputInfo, Join]] = []
    mentioned = _table_mentions(raw, inputs)
    if len(mentioned) > 2:
        raise OutOfGrammar("it can join at most two inputs")
    if len(mentioned) == 2:
        candidates = [_join_setup(q, raw, by_name[mentioned[0]], by_name[mentioned[1]])]
    elif len(mentioned) == 1 or len(inputs) == 1:
        src = by_name[mentioned[0]] if mentioned else inputs[0]
        candidates = [(src, None)]
        if len(inputs) > 1 and _has_kw(raw, "join"):
            raise OutOfGrammar("name both inputs to join")
        for other in inputs:
            if other is not src and len(inputs) > 1:
                try:
                    pairs.append(_join_setup(q, raw, src, other))
                except OfflineRefusal:
                    pass
    else:
        candidates = [(i, None) for i in inputs]
        for x in range(len(inputs)):
            for y in range(x + 1, len(inputs)):
                try:
                    pairs.append(_join_setup(q, raw, inputs[x], inputs[y]))
                except OfflineRefusal:
                    pass
    errors: list[OfflineRefusal] = []
    plans: list[Plan] = []
    for src, join in candidates:
        try:
            plans.append(_parse_with(q, raw, inputs, src, join))
        except Ambiguous:
            raise
        except OfflineRefusal as e:
            errors.append(e)
    if not plans and len(mentioned) == 1 and len(inputs) > 1:
        # "average amount per customer": 'customer' named a column of another input, not the
        # customers input; one input that answers alone beats a join (an inner join drops rows)
        for other in inputs:
            if other.name == mentioned[0]:
                continue
            try:
                plans.append(_parse_with(q, raw, inputs, other, None))
            except Ambiguous:
                raise
            except OfflineRefusal as e:
                errors.append(e)
    if not plans and pairs:
        for src, join in pairs:  # columns from two inputs: join them
            try:
                plans.append(_parse_with(q, raw, inputs, src, join))
            except Ambiguous:
                raise
            except OfflineRefusal as e:
                errors.append(e)
    if len(plans) > 1:
        # several inputs (or joins) can answer: one whose every column word matched a column name
        # exactly beats one that needed a partial or synonym match ("segment" is a customers
        # column, and only a synonym of the products' "category"); a tie stays ambiguous
        best = max(_quality(p) for p in plans)
        top = [p for p in plans if _quality(p) == best]
        if len(top) == 1:
            plans = top
    if len(plans) == 1:
        return plans[0]
    if len(plans) > 1:
        raise Ambiguous(q, [p.source + (f"+{p.join.right}" if p.join else "") for p in plans], "input")
    raise errors[0]


def _quality(plan: Plan) -> int:
    """Weakest column match among the words the plan used: 3 exact, 2 partial, 1 synonym."""
    return getattr(plan, "match_quality", 3)


# --------------------------------------------------------------------------------------- tokens


def _tokenize(q: str) -> list[Item]:
    out: list[Item] = []
    for m in _TOKEN_RE.finditer(q):
        kind = m.lastgroup
        text = m.group(kind)
        if kind == "bq":
            out.append(Item("bq", text[1:-1].replace("``", "`"), text))
        elif kind in ("sq", "dq"):
            out.append(Item("str", text, text))
        elif kind == "datetime":
            d = dt.datetime.fromisoformat(text.replace("T", " ") + (":00" if text.count(":") == 1 else ""))
            out.append(Item("date", (d.isoformat(sep=" "), None, "time"), text))
        elif kind == "date":
            try:
                d = dt.date.fromisoformat(text.replace("/", "-"))
            except ValueError as e:
                raise OutOfGrammar(f"'{text}' is not a valid date") from e
            out.append(Item("date", (d.isoformat(), (d + dt.timedelta(days=1)).isoformat(), "day"), text))
        elif kind == "ym":
            y, mo = int(text[:4]), int(text[5:7])
            if not 1 <= mo <= 12:
                raise OutOfGrammar(f"'{text}' is not a valid month")
            out.append(Item("date", _month_range(y, mo), text))
        elif kind == "op":
            out.append(Item("word", text, text))
        elif kind == "num":
            s = text.replace("$", "").replace(",", "")
            if s.endswith("%"):
                raise OutOfGrammar("percentage literals are not supported")
            v: Any = float(s) if "." in s else int(s)
            out.append(Item("num", v, text))
        elif kind == "word":
            w = text.lower()
            out.append(Item("word", w, text))
        elif kind == "punct":
            if text in "()":
                continue
            out.append(Item("word", text, text))
        else:
            raise OutOfGrammar(f"unexpected character {text!r}")
    # "March 2024", "Q1 2024"
    res: list[Item] = []
    i = 0
    while i < len(out):
        it = out[i]
        nxt = out[i + 1] if i + 1 < len(out) else None
        if it.t == "word" and nxt is not None and nxt.t == "num" and isinstance(nxt.v, int) and 1900 <= nxt.v <= 2200:
            if it.v in MONTHS:
                res.append(Item("date", _month_range(nxt.v, MONTHS[it.v]), f"{it.text} {nxt.text}"))
                i += 2
                continue
            qm = re.fullmatch(r"q([1-4])", it.v)
            if qm:
                qn = int(qm.group(1))
                lo = dt.date(nxt.v, 3 * qn - 2, 1)
                hi = dt.date(nxt.v + 1, 1, 1) if qn == 4 else dt.date(nxt.v, 3 * qn + 1, 1)
                res.append(Item("date", (lo.isoformat(), hi.isoformat(), "quarter"), f"{it.text} {nxt.text}"))
                i += 2
                continue
        res.append(it)
        i += 1
    return res


def _month_range(y: int, mo: int) -> tuple[str, str, str]:
    lo = dt.date(y, mo, 1)
    hi = dt.date(y + 1, 1, 1) if mo == 12 else dt.date(y, mo + 1, 1)
    return lo.isoformat(), hi.isoformat(), "month"


def _has_kw(raw: list[Item], canon: str) -> bool:
    words = [it.v for it in raw if it.t == "word"]
    return any(_KW.get(w) == canon for w in words)


def _table_mentions(raw: list[Item], inputs: list[InputInfo]) -> list[str]:
    names = {n: norm_tokens(n) for n in (i.name for i in inputs)}
    words = [singular(it.v) if it.t == "word" else None for it in raw]
    found: list[str] = []
    for name, toks in names.items():
        if not toks:
            continue
        n = len(toks)
        for i in range(len(words) - n + 1):
            if tuple(words[i : i + n]) == toks:
                found.append(name)
                break
    return found


# --------------------------------------------------------------------------------------- joins


def _join_setup(q: str, raw: list[Item], a: InputInfo, b: InputInfo) -> tuple[InputInfo, Join]:
    acols = {c.name: c for c in a.columns}
    bcols = {c.name: c for c in b.columns}
    explicit: list[str] = []
    for i, it in enumerate(raw):
        if it.t == "word" and _KW.get(it.v) == "on" and i + 1 < len(raw):
            nxt = raw[i + 1]
            key = nxt.v if nxt.t == "bq" else nxt.text if nxt.t == "word" else None
            if key is not None:
                for name in set(acols) & set(bcols):
                    if norm_tokens(name) == norm_tokens(key) or name == key:
                        explicit.append(name)
    pairs: list[tuple[str, str]] = []  # (a column, b column)
    if explicit:
        pairs = [(explicit[0], explicit[0])]
    else:
        common = [n for n in acols if n in bcols]
        idlike = [n for n in common if _id_like(n)]
        if len(idlike) == 1:
            pairs = [(idlike[0], idlike[0])]
        elif len(common) == 1:
            pairs = [(common[0], common[0])]
        else:
            for x, _y, xi, yi in ((a, b, acols, bcols), (b, a, bcols, acols)):
                for cname in xi:
                    if norm_tokens(cname) != ("id",):
                        continue
                    want = (singular(norm_tokens(x.name)[-1]), "id") if norm_tokens(x.name) else None
                    for yname in yi:
                        if want and norm_tokens(yname)[-2:] == want:
                            pairs.append((cname, yname) if x is a else (yname, cname))
    if len(pairs) != 1:
        if not pairs and not explicit:
            raise OutOfGrammar(f"cannot infer the join key between '{a.name}' and '{b.name}'; say 'on <column>'")
        raise Ambiguous(q, [f"{x}={y}" for x, y in pairs], "join key")
    ka, kb = pairs[0]
    ca, cb = acols[ka], bcols[kb]
    if ca.is_numeric != cb.is_numeric:
        raise OutOfGrammar(f"join keys '{ka}' and '{kb}' have incompatible types")
    # Left = the fact side: the table whose key is a foreign key (named after the other table).
    left, right, lk, rk = a, b, ka, kb
    bt = norm_tokens(b.name)
    at = norm_tokens(a.name)
    if at and norm_tokens(ka)[:1] == (singular(at[-1]),) and not (bt and norm_tokens(kb)[:1] == (singular(bt[-1]),)):
        left, right, lk, rk = b, a, kb, ka
    elif norm_tokens(ka) == ("id",) and norm_tokens(kb) != ("id",):
        left, right, lk, rk = b, a, kb, ka
    lnames = {c.name for c in left.columns}
    rename = {c.name: (f"{right.name}_{c.name}" if c.name in lnames else c.name) for c in right.columns if c.name != rk}
    return left, Join(right=right.name, left_key=lk, right_key=rk, how="inner", rename=rename)


def _id_like(name: str) -> bool:
    t = norm_tokens(name)
    return bool(t) and t[-1] in {"id", "key", "code", "no", "number", "sku"}


def _work_columns(src: InputInfo, join: Join | None, inputs: list[InputInfo]) -> list[WorkColumn]:
    cols = [WorkColumn(c.name, c.kind, src.name, c.name, samples=_samples(src, c.name)) for c in src.columns]
    if join:
        r = next(i for i in inputs if i.name == join.right)
        for c in r.columns:
            if c.name == join.right_key:
                continue
            cols.append(WorkColumn(join.rename[c.name], c.kind, r.name, c.name, samples=_samples(r, c.name)))
    return cols


def _samples(src: InputInfo, name: str) -> list:
    try:
        return [v for v in src.sample_values(name) if v is not None]
    except ValueError:
        return []


# --------------------------------------------------------------------------------------- typing


def _type_items(ctx: _Ctx, raw: list[Item]) -> list[Item]:
    m = ctx.matcher
    input_toks = {i.name: norm_tokens(i.name) for i in ctx.inputs}
    colnames = {c.name for c in ctx.columns}
    # value index: normalised value text -> [(column, value)]; a column may hold several
    # spellings of one normalised value ("Paris", "paris", "PARIS"): all are kept, and the one
    # the question spells exactly is chosen when the value is met (see _pick_values)
    vals: dict[tuple[str, ...], list[tuple[WorkColumn, str]]] = {}
    for c in ctx.columns:
        if c.kind != "string":
            continue
        for s in sorted(set(map(str, c.samples))):
            toks = tuple(split_words(s))
            if not toks or len(toks) > 5 or all(t in FILLER or t in _KW for t in toks):
                continue
            if re.fullmatch(r"[\d.,\s-]+", s):
                continue
            vals.setdefault(toks, [])
            if (c, s) not in [(x, y) for x, y in vals[toks]]:
                vals[toks].append((c, s))
    out: list[Item] = []
    unknown: list[str] = []
    i = 0
    n = len(raw)

    def words_at(j: int, k: int) -> list[str] | None:
        seg = raw[j : j + k]
        if len(seg) < k or any(s.t != "word" for s in seg):
            return None
        if k > 1 and any(not split_words(s.v) for s in seg):
            return None
        return [s.v for s in seg]

    while i < n:
        it = raw[i]
        if it.t == "bq":
            if it.v not in colnames:
                raise OutOfGrammar(f"there is no column named {it.v!r}")
            out.append(Item("col", ([m.by_name(it.v)], 3), it.text))
            i += 1
            continue
        if it.t != "word":
            out.append(it)
            i += 1
            continue
        done = False
        # 1. multi-word keyword phrases
        for k in range(min(_MAX_KW_WORDS, n - i), 1, -1):
            ws = words_at(i, k)
            if ws and " ".join(ws) in _KW:
                phrase = " ".join(ws)
                # a column named exactly like the phrase wins ("order date" is not a keyword anyway)
                tier, cands = m.match(tuple(singular(w) for w in ws))
                if tier == 3:
                    break
                out.append(Item("kw", _KW[phrase], phrase))
                i += k
                done = True
                break
        if done:
            continue
        # 2. exact column names (longest first)
        for k in range(min(6, n - i), 0, -1):
            ws = words_at(i, k)
            if not ws or any(w in _STRUCT_WORDS for w in ws):
                continue
            phrase = tuple(singular(t) for w in ws for t in split_words(w))
            if k == 1 and ws[0] in _KW and not _KW[ws[0]].startswith(("unit:", "adj:")):
                continue
            tier, cands = m.match(phrase)
            if tier == 3:
                out.append(Item("col", (cands, 3, phrase), " ".join(ws)))
                i += k
                done = True
                break
        if done:
            continue
        # 3. table names
        for k in range(min(4, n - i), 0, -1):
            ws = words_at(i, k)
            if not ws:
                continue
            phrase = tuple(singular(w) for w in ws)
            hit = [name for name, toks in input_toks.items() if toks == phrase]
            if hit:
                tier, cands = m.match(phrase)
                prev = out[-1] if out else None
                after_count = prev is not None and prev.t == "kw" and prev.v == "agg:count"
                if tier and not after_count:
                    out.append(Item("col", (cands, tier, phrase, hit[0]), " ".join(ws)))
                else:
                    out.append(Item("table", hit[0], " ".join(ws)))
                i += k
                done = True
                break
        if done:
            continue
        w = it.v
        # 4. single keywords
        if w in _KW:
            out.append(Item("kw", _KW[w], w))
            i += 1
            continue
        if w in (",", "and", "or", "&", "to"):
            out.append(Item("sep", w, w))
            i += 1
            continue
        # 5. values seen in the sample rows
        for k in range(min(5, n - i), 0, -1):
            ws = words_at(i, k)
            if not ws:
                continue
            toks = tuple(t for x in ws for t in split_words(x))
            if toks in vals:
                typed = " ".join(raw[j].text for j in range(i, i + k))
                picked = _pick_values(vals[toks], typed)
                ctx.loose_values |= {(c.name, v) for c, v in picked if v != typed}
                out.append(Item("val", picked, typed))
                i += k
                done = True
                break
        if done:
            continue
        # 6. partial / synonym column matches
        for k in range(min(5, n - i), 0, -1):
            ws = words_at(i, k)
            if not ws or any(x in FILLER or x in _KW or x in _STRUCT_WORDS for x in ws):
                continue
            phrase = tuple(singular(t) for x in ws for t in split_words(x))
            tier, cands = m.match(phrase)
            if tier:
                out.append(Item("col", (cands, tier, phrase), " ".join(ws)))
                i += k
                done = True
                break
        if done:
            continue
        if w in NUMBER_WORDS:  # "top five" (after keyword phrases such as "is one of")
            out.append(Item("num", NUMBER_WORDS[w], it.text))
            i += 1
            continue
        # 7. a literal value right after an operator ("city is Paris", "name contains smith"),
        # never after an article: "customer is the happiest" describes, it names no value
        prev = out[-1] if out else None
        after_article = i > 0 and raw[i - 1].t == "word" and raw[i - 1].v in _ARTICLES
        if prev is not None and w not in FILLER and not after_article and (
            (prev.t == "kw" and prev.v in _VALUE_KWS) or (prev.t == "sep" and len(out) > 1 and (out[-2].t == "lit" or (out[-2].t == "val" and prev.v in (",", "or"))))
        ):
            out.append(Item("lit", it.text, it.text))
            i += 1
            continue
        if w in FILLER:
            i += 1
            continue
        unknown.append(it.text)
        i += 1
    if unknown:
        raise OutOfGrammar(_unknown_reason(unknown))
    return out


_ARTICLES = {"the", "a", "an"}
# comparison words that speak of time: "revenue after 2023" filters dates, not revenue > 2023
_TEMPORAL_CMP = {"after", "before", "since", "until", "later than", "earlier than", "on or after", "on or before",
                 "is after", "is before"}


def _pick_values(hits: list[tuple[WorkColumn, str]], typed: str) -> list[tuple[WorkColumn, str]]:
    """One (column, value) per column.  When a column holds several spellings of the typed
    value that differ only in case or punctuation, the exact spelling wins; without one the
    request is refused (matching one spelling would silently drop the others' rows)."""
    out: list[tuple[WorkColumn, str]] = []
    seen: list[WorkColumn] = []
    for c, _ in hits:
        if any(c is x for x in seen):
            continue
        seen.append(c)
        variants = [v for cc, v in hits if cc is c]
        if len(variants) == 1:
            out.append((c, variants[0]))
            continue
        exact = [v for v in variants if v == typed]
        if len(exact) == 1:
            out.append((c, exact[0]))
            continue
        shown = ", ".join(repr(v) for v in variants[:5])
        raise OutOfGrammar(
            f"'{typed}' matches several spellings in column {c.name!r} ({shown}); quote the exact value"
        )
    return out


def _unknown_reason(words: list[str]) -> str:
    low = {w.lower() for w in words}
    for hint_words, why in REFUSAL_HINTS:
        if low & hint_words:
            return why
    shown = ", ".join(repr(w) for w in words[:6])
    return f"it does not understand {shown} (no matching column, value or keyword)"


# --------------------------------------------------------------------------------------- rules


def _is(it: Item | None, t: str, v: Any = None) -> bool:
    if it is None or it.t != t:
        return False
    if v is None:
        return True
    if isinstance(v, tuple):
        return it.v in v or (isinstance(it.v, str) and it.v.startswith(tuple(x for x in v if x.endswith(":"))))
    return it.v == v or (isinstance(it.v, str) and v.endswith(":") and it.v.startswith(v))


class _Rules:
    def __init__(self, ctx: _Ctx, items: list[Item]):
        self.ctx = ctx
        self.items = items
        self.filters: list[Filter] = []
        self.group: list[str] = []
        self.bucket: Bucket | None = None
        self.aggs: list[Aggregate] = []
        self.order: list[tuple[Any, bool]] = []  # (target, desc) target: column name | Aggregate
        self.limit: int | None = None
        self.top_entity_rows = False
        self.percent: Aggregate | None = None
        self.distinct: list[str] | None = None
        self.describe: list[str] | None = None
        self.select: list[str] = []
        self.want_rows = False
        self.trend = False
        self.listing = False

    # helpers ------------------------------------------------------------------------------
    def at(self, i: int) -> Item | None:
        return self.items[i] if 0 <= i < len(self.items) else None

    def cut(self, i: int, j: int) -> None:
        del self.items[i:j]

    def col(self, it: Item, want: str | None = None) -> WorkColumn:
        cands, tier, *_ = it.v
        pool = cands
        if want == "numeric":
            pool = [c for c in cands if c.kind in ("integer", "double")]
        elif want == "temporal":
            pool = [c for c in cands if c.kind in ("date", "timestamp")]
        elif want == "orderable":
            pool = [c for c in cands if c.kind != "boolean"]
        if len(pool) == 1:
            return pool[0]
        if not pool:
            if len(cands) == 1:
                need = {"numeric": "a numeric", "temporal": "a date/time", "orderable": "a sortable"}.get(want, "a")
                raise OutOfGrammar(f"column {cands[0].name!r} is not {need} column")
            raise OutOfGrammar(f"no {want} column matches '{it.text}'")
        raise Ambiguous(self.ctx.question, [c.name for c in pool], it.text)

    def unique_temporal(self) -> WorkColumn:
        ts = [c for c in self.ctx.columns if c.kind in ("date", "timestamp")]
        if len(ts) == 1:
            return ts[0]
        if not ts:
            raise OutOfGrammar("the data has no date column")
        raise Ambiguous(self.ctx.question, [c.name for c in ts], "date")

    def _date_like(self, it: Item | None) -> bool:
        return _is(it, "date") or self._year_like(it)

    def _year_like(self, it: Item | None) -> bool:
        return (_is(it, "num") and isinstance(it.v, int) and 1900 <= it.v <= 2200 and "." not in it.text
                and any(c.kind in ("date", "timestamp") for c in self.ctx.columns))

    # values -------------------------------------------------------------------------------
    def value_for(self, c: WorkColumn, it: Item | None, op: str) -> Any:
        if it is None:
            return None
        k = c.kind
        if it.t == "num" and k in ("integer", "double"):
            return it.v
        if it.t == "num" and k == "string" and op in ("==", "!=", "in", "not_in"):
            return it.text
        if it.t == "date" and k in ("date", "timestamp"):
            return it.v
        if it.t == "num" and k in ("date", "timestamp") and isinstance(it.v, int) and 1900 <= it.v <= 2200:
            return (f"{it.v}-01-01", f"{it.v + 1}-01-01", "year")
        if it.t in ("str", "lit") and k == "string":
            return it.v
        if it.t == "str" and k in ("date", "timestamp"):
            try:
                d = dt.date.fromisoformat(it.v)
                return (d.isoformat(), (d + dt.timedelta(days=1)).isoformat(), "day")
            except ValueError:
                return None
        if it.t == "str" and k == "boolean" and it.v.lower() in ("true", "false"):
            return it.v.lower() == "true"
        if it.t == "lit" and k == "boolean" and it.v.lower() in ("true", "false", "yes", "no"):
            return it.v.lower() in ("true", "yes")
        if it.t == "val":
            hits = [v for (cc, v) in it.v if cc is c]
            if hits:
                return hits[0]
        return None

    def add_cmp(self, c: WorkColumn, op: str, v: Any) -> None:
        if isinstance(v, tuple):  # a date range (lo, hi_exclusive, granularity)
            lo, hi, gran = v
            if gran == "time":
                self.filters.append(Filter(c.name, op, lo, c.kind))
                return
            mapping = {
                "==": [(">=", lo), ("<", hi)],
                ">": [(">=", hi)],
                ">=": [(">=", lo)],
                "<": [("<", lo)],
                "<=": [("<", hi)],
            }
            if op not in mapping:
                raise OutOfGrammar("this comparison is not supported for dates")
            for o, x in mapping[op]:
                self.filters.append(Filter(c.name, o, x, c.kind))
            return
        if isinstance(v, bool) and op not in ("==", "!="):
            raise OutOfGrammar("booleans can only be compared for equality")
        if c.kind == "string" and op not in ("==", "!="):
            raise OutOfGrammar(f"column {c.name!r} holds text; use is / contains / one of")
        self.filters.append(Filter(c.name, op, v, c.kind))

    def add_between(self, c: WorkColumn, a: Any, b: Any) -> None:
        if isinstance(a, tuple) or isinstance(b, tuple):
            if not (isinstance(a, tuple) and isinstance(b, tuple)):
                raise OutOfGrammar("between needs two dates")
            self.filters.append(Filter(c.name, ">=", a[0], c.kind))
            if b[2] == "time":
                self.filters.append(Filter(c.name, "<=", b[0], c.kind))
            else:
                self.filters.append(Filter(c.name, "<", b[1], c.kind))
            return
        if c.kind == "string":
            raise OutOfGrammar("between needs a numeric or date column")
        lo, hi = (a, b) if a <= b else (b, a)
        self.filters.append(Filter(c.name, "between", [lo, hi], c.kind))

    def value_list(self, c: WorkColumn, i: int, op: str) -> tuple[list[Any], int]:
        """Parse `v (, v)* ((and|or) v)?` starting at i; returns (values, next index)."""
        vals: list[Any] = []
        j = i
        while True:
            v = self.value_for(c, self.at(j), op)
            if v is None or isinstance(v, tuple):
                break
            vals.append(v)
            j += 1
            if _is(self.at(j), "sep") and self.at(j).v in (",", "or", "and"):
                nxt = self.value_for(c, self.at(j + 1), op)
                if nxt is not None and not isinstance(nxt, tuple):
                    j += 1
                    continue
            break
        return vals, j

    # rule: filters ------------------------------------------------------------------------
    def rule_filters(self) -> None:
        i = 0
        while i < len(self.items):
            if self._filter_at(i):
                i = max(0, i - 1)
                continue
            i += 1

    def _filter_at(self, i: int) -> bool:
        it = self.at(i)
        nx = self.at(i + 1)
        if it.t == "col":
            # COL [is] null / not null
            j = i + 1
            if _is(self.at(j), "kw", "is") and _is(self.at(j + 1), "kw", ("null", "notnull")):
                j += 1
            if (_is(self.at(j), "kw", ("null", "notnull")) and self.at(j).v in ("null", "notnull")
                    and self.at(j).text not in _PREFIX_NULL):
                c = self.col(it)
                self.filters.append(Filter(c.name, "is_null" if self.at(j).v == "null" else "not_null", None, c.kind))
                self.cut(i, j + 1)
                return True
            if _is(nx, "kw", "between"):
                c = self.col(it, "orderable")
                if c.kind not in ("date", "timestamp") and self._date_like(self.at(i + 2)):
                    # "revenue between 2023-03-01 and 2023-03-31": the dates bound the date column
                    if self._year_like(self.at(i + 2)) and not _is(self.at(i + 4), "date"):
                        raise OutOfGrammar(
                            f"'{it.text} between {self.at(i + 2).text} …' could mean years or values of "
                            f"{c.name!r}; write full dates (2023-01-01)"
                        )
                    return False
                a, b = self.value_for(c, self.at(i + 2), ">="), self.value_for(c, self.at(i + 4), "<=")
                if a is not None and b is not None and _is(self.at(i + 3), "sep") and self.at(i + 3).v in ("and", "to"):
                    self.add_between(c, a, b)
                    self.cut(i, i + 5)
                    return True
                raise OutOfGrammar(f"'{it.text} between …' needs two values joined by 'and'")
            if _is(nx, "kw", ("in", "notin")):
                c = self.col(it)
                op = "in" if nx.v == "in" else "not_in"
                v = self.value_for(c, self.at(i + 2), op)
                if isinstance(v, tuple) and op == "in":
                    self.add_cmp(c, "==", v)
                    self.cut(i, i + 3)
                    return True
                vals, j = self.value_list(c, i + 2, op)
                if vals and len(vals) == 1 and nx.text in ("in", "within", "during") and c.kind != "string":
                    return False  # "total amount in 2024" is a date filter, not amount == 2024
                if vals:
                    self.filters.append(Filter(c.name, op, vals if len(vals) > 1 or op == "not_in" else vals[0], c.kind)
                                        if op == "not_in" or len(vals) > 1 else Filter(c.name, "==", vals[0], c.kind))
                    if op == "in" and len(vals) > 1:
                        self.filters[-1].op = "in"
                    self.cut(i, j)
                    return True
                return False
            if _is(nx, "kw", ("contains", "starts", "ends")):
                c = self.col(it)
                if c.kind != "string":
                    raise OutOfGrammar(f"'{nx.text}' needs a text column")
                v = self.value_for(c, self.at(i + 2), "==")
                if v is None or isinstance(v, tuple):
                    raise OutOfGrammar(f"'{nx.text}' needs a value (quote it)")
                op = {"contains": "contains", "starts": "starts_with", "ends": "ends_with"}[nx.v]
                self.filters.append(Filter(c.name, op, str(v), c.kind))
                self.cut(i, i + 3)
                return True
            if _is(nx, "kw", ("cmp:", "is")):
                c = self.col(it)
                op = "==" if nx.v == "is" else nx.v[4:]
                j = i + 2
                if nx.v == "is" and _is(self.at(j), "kw", ("cmp:",)):
                    op = self.at(j).v[4:]
                    j += 1
                if c.kind not in ("date", "timestamp") and (
                    _is(self.at(j), "date") or (nx.text in _TEMPORAL_CMP and self._year_like(self.at(j)))
                ):
                    return False  # "revenue after 2024-06-30": a date filter on the date column
                v = self.value_for(c, self.at(j), op)
                if v is None:
                    if nx.v == "is":
                        return False
                    raise OutOfGrammar(f"cannot compare column {c.name!r} with '{self.at(j).text if self.at(j) else ''}'")
                if op in ("==", "!=") and not isinstance(v, tuple):
                    vals, k = self.value_list(c, j, op)
                    if len(vals) > 1:
                        self.filters.append(Filter(c.name, "in" if op == "==" else "not_in", vals, c.kind))
                        self.cut(i, k)
                        return True
                self.add_cmp(c, op, v)
                self.cut(i, j + 1)
                return True
            # COL <value of that column>  ("region East")
            if nx is not None and nx.t == "val":
                try:
                    c = self.col(it)
                except OfflineRefusal:
                    return False
                vals, j = self.value_list(c, i + 1, "==")
                if vals:
                    self.filters.append(Filter(c.name, "in", vals, c.kind) if len(vals) > 1 else Filter(c.name, "==", vals[0], c.kind))
                    self.cut(i, j)
                    return True
            return False
        if it.t == "kw" and it.v in ("null", "notnull") and nx is not None and nx.t == "col":
            c = self.col(nx)
            if it.text in _ABSENCE and c.kind != "string":
                # "orders with no discount": a NULL discount, or a discount of 0?
                raise OutOfGrammar(f"'{it.text} {nx.text}' could mean empty or zero; say '{c.name} is null' or '{c.name} = 0'")
            self.filters.append(Filter(c.name, "is_null" if it.v == "null" else "not_null", None, c.kind))
            self.cut(i, i + 2)
            return True
        # date shorthands without a column
        if it.t == "kw" and (it.v in ("in", "between") or it.v.startswith("cmp:")) and nx is not None:
            is_year = nx.t == "num" and isinstance(nx.v, int) and 1900 <= nx.v <= 2200
            if nx.t == "date" or (is_year and it.v in ("in", "between", "cmp:>", "cmp:<", "cmp:>=", "cmp:<=")):
                c = self.unique_temporal()
                if it.v == "between":
                    a, b = self.value_for(c, nx, ">="), self.value_for(c, self.at(i + 3), "<=")
                    if a is None or b is None or not _is(self.at(i + 2), "sep"):
                        raise OutOfGrammar("'between' needs two dates joined by 'and'")
                    self.add_between(c, a, b)
                    self.cut(i, i + 4)
                    return True
                op = "==" if it.v == "in" else it.v[4:]
                self.add_cmp(c, op, self.value_for(c, nx, op))
                self.cut(i, i + 2)
                return True
        if it.t == "date" and (i == 0 or not (_is(self.at(i - 1), "sep") or _is(self.at(i - 1), "kw", ("cmp:",)))):
            # "on 2024-03-01" / "for March 2024" ( 'on', 'for' are filler )
            c = self.unique_temporal()
            self.add_cmp(c, "==", it.v)
            self.cut(i, i + 1)
            return True
        if it.t == "val":
            cols = [cc for cc, _ in it.v]
            target = None
            if nx is not None and nx.t == "col":
                cands = nx.v[0]
                both = [cc for cc in cols if any(cc is x for x in cands)]
                if len(both) == 1:
                    target = both[0]
            if target is None:
                if len(cols) > 1:
                    raise Ambiguous(self.ctx.question, [cc.name for cc in cols], it.text)
                target = cols[0]
            vals, j = self.value_list(target, i, "==")
            if not vals:
                return False
            if _is(self.at(j), "col") and any(target is x for x in self.at(j).v[0]):
                j += 1
            self.filters.append(Filter(target.name, "in", vals, target.kind) if len(vals) > 1 else Filter(target.name, "==", vals[0], target.kind))
            self.cut(i, j)
            return True
        return False

    # metrics ------------------------------------------------------------------------------
    def make_agg(self, func: str, c: WorkColumn | None) -> Aggregate:
        if func == "count_rows":
            return Aggregate("count_rows", None, "count")
        return Aggregate(func, c.name, f"{func}_{c.name}")

    def count_entities(self, table: str | None) -> Aggregate:
        """'how many sensors': the distinct values of the input's own id column (sensor_id) when it
        has one: its rows may be readings, not sensors; when the id is unique both counts agree."""
        toks = norm_tokens(table) if table else ()
        if toks:
            ent = (singular(toks[-1]),)
            keys = [c for c in self.ctx.columns if _id_like(c.original)
                    and norm_tokens(c.original)[:-1] in (ent, tuple(toks[:-1]) + ent)]
            if len(keys) == 1:  # named like a row count: it answers the same question
                return Aggregate("count_distinct", keys[0].name, "count")
            if len(keys) > 1:
                raise Ambiguous(self.ctx.question, [c.name for c in keys], table)
        return self.make_agg("count_rows", None)

    def count_of(self, it: Item, distinct: bool) -> Aggregate:
        if not distinct and len(it.v) > 3:
            return self.count_entities(it.v[3])
        cands = it.v[0]
        ids = [x for x in cands if _id_like(x.original)]
        if len(cands) == 1:
            c = cands[0]
        elif len(ids) == 1:
            c = ids[0]
        else:
            c = self.col(it)
        if distinct or c.kind == "string" or _id_like(c.original) or c.kind in ("date", "timestamp", "integer") and _id_like(c.original):
            return self.make_agg("count_distinct", c)
        raise OutOfGrammar(
            f"'count of {it.text}' is unclear: say 'number of distinct {it.text}' or 'number of rows'"
        )

    def metric_at(self, i: int, implicit_ok: bool, table_ok: bool) -> tuple[Aggregate, int] | None:
        it, nx = self.at(i), self.at(i + 1)
        if it is None:
            return None
        if it.t == "kw" and it.v.startswith("agg:"):
            func = it.v[4:]
            if func == "count":
                if _is(nx, "kw", "distinct") and _is(self.at(i + 2), "col"):
                    return self.count_of(self.at(i + 2), True), i + 3
                if _is(nx, "col"):
                    return self.count_of(nx, False), i + 2
                if _is(nx, "table"):
                    return self.count_entities(nx.v), i + 2
                if _is(nx, "kw", "rows"):
                    return self.make_agg("count_rows", None), i + 2
                return self.make_agg("count_rows", None), i + 1
            if _is(nx, "col"):
                want = "numeric" if func in ("sum", "avg") else "orderable"
                return self.make_agg(func, self.col(nx, want)), i + 2
            return None
        if it.t == "kw" and it.v in ("high", "low") and _is(nx, "col"):
            return self.make_agg("max" if it.v == "high" else "min", self.col(nx, "orderable")), i + 2
        if it.t == "kw" and it.v == "distinct":
            if _is(nx, "kw", "agg:count") and _is(self.at(i + 2), "col"):
                return self.count_of(self.at(i + 2), True), i + 3
            return None
        if it.t == "col" and _is(nx, "kw", "agg:count") and not _is(self.at(i + 2), "col"):
            # "row count", "customer count"
            return self.count_of(it, False), i + 2
        if it.t == "col" and implicit_ok:
            c = self.col(it, "numeric")
            words = set(it.v[2]) | set(norm_tokens(c.original))
            if not (words & ADDITIVE):
                raise OutOfGrammar(f"say which aggregate of {c.name!r} you want (total, average, minimum, maximum)")
            return self.make_agg("sum", c), i + 1
        if it.t == "table" and table_ok:
            return self.count_entities(it.v), i + 1
        if _is(it, "kw", "rows") and table_ok:
            return self.make_agg("count_rows", None), i + 1
        return None

    def add_agg(self, a: Aggregate) -> Aggregate:
        for x in self.aggs:
            if x.alias == a.alias:
                return x
        self.aggs.append(a)
        return a

    # rule: describe ------------------------------------------------------------------------
    def rule_describe(self) -> None:
        idx = [i for i, it in enumerate(self.items) if _is(it, "kw", "describe")]
        if not idx:
            return
        for i in reversed(idx):
            self.cut(i, i + 1)
        cols: list[str] = []
        for it in list(self.items):
            if it.t == "col":
                c = self.col(it, "numeric")
                cols.append(c.name)
                self.items.remove(it)
        if not cols:
            cols = [c.name for c in self.ctx.columns if c.kind in ("integer", "double") and not _id_like(c.original)]
            cols = cols or [c.name for c in self.ctx.columns if c.kind in ("integer", "double")]
        if not cols:
            raise OutOfGrammar("describe needs numeric columns")
        self.describe = list(dict.fromkeys(cols))

    # rule: top / bottom / first / limit -----------------------------------------------------
    def rule_limits(self) -> None:
        i = 0
        while i < len(self.items):
            it = self.items[i]
            if _is(it, "kw", ("top", "bottom")):
                desc = it.v == "top"
                j = i + 1
                n = None
                if _is(self.at(j), "num"):
                    n = self.at(j).v
                    j += 1
                ent = self.at(j)
                entity_col = None
                rows_mode = False
                if _is(ent, "col"):
                    entity_col = ent
                    j += 1
                elif _is(ent, "table") or _is(ent, "kw", "rows"):
                    rows_mode = True
                    j += 1
                if n is None:
                    if ent is not None and ent.t in ("col", "table", "kw") and singular(ent.text.split()[-1]) == ent.text.split()[-1].lower():
                        n = 1
                    else:
                        raise OutOfGrammar("say how many results you want (e.g. 'top 5')")
                metric = None
                if _is(self.at(j), "kw", ("group", "sort")):
                    metric = self.metric_at(j + 1, implicit_ok=not rows_mode, table_ok=True)
                    if metric is None and rows_mode and _is(self.at(j + 1), "col"):
                        c = self.col(self.at(j + 1), "orderable")
                        self.order.append((c.name, desc))
                        self.want_rows = True
                        self._set_limit(n)
                        self.cut(i, j + 2)
                        continue
                    if metric is None:
                        raise OutOfGrammar("'top/bottom N … by' needs a measure after 'by'")
                    agg, k = metric
                else:
                    raise OutOfGrammar("'top/bottom N' needs a measure to rank by (e.g. 'top 5 products by revenue')")
                if rows_mode:
                    raise OutOfGrammar("ranking rows needs a column, e.g. 'top 10 rows by amount'")
                if entity_col is None:
                    raise OutOfGrammar("say what to rank (e.g. 'top 5 customers by revenue')")
                gc = self.col(entity_col)
                if gc.name not in self.group:
                    self.group.append(gc.name)
                agg = self.add_agg(agg)
                self.order.append((agg, desc))
                self._set_limit(n)
                self.cut(i, k)
                continue
            if _is(it, "kw", ("first", "limit")):
                if _is(self.at(i + 1), "num"):
                    self._set_limit(self.at(i + 1).v)
                    j = i + 2
                    if _is(self.at(j), "table") or _is(self.at(j), "kw", "rows"):
                        j += 1
                    self.want_rows = self.want_rows or it.v == "first"
                    self.cut(i, j)
                    continue
                raise OutOfGrammar(f"'{it.text}' needs a number")
            i += 1

    def _set_limit(self, n: Any) -> None:
        if not isinstance(n, int) or n <= 0 or n > MAX_LIMIT:
            raise OutOfGrammar(f"the row limit must be a whole number between 1 and {MAX_LIMIT}")
        if self.limit is not None and self.limit != n:
            raise OutOfGrammar("the request asks for two different limits")
        self.limit = n

    # rule: percent -------------------------------------------------------------------------
    def rule_percent(self) -> None:
        for i, it in enumerate(self.items):
            if _is(it, "kw", "percent"):
                m = self.metric_at(i + 1, implicit_ok=True, table_ok=True)
                if m is None:
                    raise OutOfGrammar("say what to express as a percentage (e.g. 'percentage of revenue by region')")
                agg, k = m
                self.percent = self.add_agg(agg)
                self.cut(i, k)
                # trailing "of total"
                while _is(self.at(i), "kw", "percent"):
                    self.cut(i, i + 1)
                return

    # rule: time buckets --------------------------------------------------------------------
    def rule_buckets(self) -> None:
        i = 0
        while i < len(self.items):
            it = self.items[i]
            if _is(it, "kw", "adj:"):
                col_item = self.at(i + 1) if _is(self.at(i + 1), "col") and self._temporal(self.at(i + 1)) else None
                self.add_bucket(it.v[4:], col_item)
                self.cut(i, i + (2 if col_item is not None else 1))
                continue
            i += 1
        trend = [k for k, it in enumerate(self.items) if _is(it, "kw", "trend")]
        if trend:
            for k in reversed(trend):
                self.cut(k, k + 1)
            self.trend = True

    def _temporal(self, it: Item) -> bool:
        return any(c.kind in ("date", "timestamp") for c in it.v[0])

    # rule: group keys ----------------------------------------------------------------------
    def rule_group(self) -> None:
        i = 0
        while i < len(self.items):
            if _is(self.items[i], "kw", "group") and (_is(self.at(i + 1), "col") or _is(self.at(i + 1), "kw", "unit:")):
                j = i + 1
                while True:
                    cur, nx = self.at(j), self.at(j + 1)
                    if _is(cur, "kw", "unit:"):
                        col_item = nx if _is(nx, "col") and self._temporal(nx) else None
                        self.add_bucket(cur.v[5:], col_item)
                        j += 2 if col_item is not None else 1
                    elif _is(cur, "col") and _is(nx, "kw", "unit:") and self._temporal(cur):
                        self.add_bucket(nx.v[5:], cur)
                        j += 2
                    elif _is(cur, "col"):
                        c = self.col(cur)
                        if c.name not in self.group:
                            self.group.append(c.name)
                        j += 1
                    else:
                        break
                    if (_is(self.at(j), "sep") and self.at(j).v in (",", "and")
                            and (_is(self.at(j + 1), "col") or _is(self.at(j + 1), "kw", "unit:"))
                            and not _is(self.at(j + 2), "kw", ("cmp:", "is", "in", "between", "contains", "null", "notnull"))):
                        j += 1
                        continue
                    break
                self.cut(i, j)
                continue
            i += 1

    def add_bucket(self, unit: str, col_item: Item | None) -> None:
        if self.bucket is not None:
            raise OutOfGrammar("only one time bucket per request is supported")
        c = self.col(col_item, "temporal") if col_item is not None else self.unique_temporal()
        names = {x.name for x in self.ctx.columns}
        alias = unit if unit not in names else f"{c.name}_{unit}"
        self.bucket = Bucket(c.name, unit, alias)
        self.group.append(alias)

    # rule: sorting -------------------------------------------------------------------------
    def rule_sort(self) -> None:
        i = 0
        while i < len(self.items):
            it = self.items[i]
            if _is(it, "kw", "sort"):
                m = self.metric_at(i + 1, implicit_ok=False, table_ok=False)
                if m is not None:
                    target, k = self.add_agg(m[0]), m[1]
                elif _is(self.at(i + 1), "col"):
                    c = self.col(self.at(i + 1), "orderable")
                    target, k = c.name, i + 2
                    if self.aggs and not self.group or (self.group and c.name not in self.group and any(a.column == c.name for a in self.aggs)):
                        hits = [a for a in self.aggs if a.column == c.name]
                        if len(hits) == 1:
                            target = hits[0]
                elif _is(self.at(i + 1), "kw", "agg:count"):
                    target, k = self.add_agg(self.make_agg("count_rows", None)), i + 2
                else:
                    raise OutOfGrammar("say what to sort by")
                desc = False
                if _is(self.at(k), "kw", ("dir:desc", "dir:asc")):
                    desc = self.at(k).v == "dir:desc"
                    k += 1
                self.order.append((target, desc))
                self.cut(i, k)
                continue
            if _is(it, "kw", ("dir:desc", "dir:asc")) or (_is(it, "kw", "sorted") and _is(self.at(i + 1), "kw", ("dir:desc", "dir:asc"))):
                k = i + 1 if it.v != "sorted" else i + 2
                d = self.at(k - 1).v == "dir:desc"
                self.order.append(("__default__", d))
                self.cut(i, k)
                continue
            i += 1

    # rule: aggregates ----------------------------------------------------------------------
    def rule_aggs(self) -> None:
        i = 0
        while i < len(self.items):
            it = self.items[i]
            # "sum and average of amount"
            if _is(it, "kw", "agg:") and _is(self.at(i + 1), "sep") and _is(self.at(i + 2), "kw", "agg:") and _is(self.at(i + 3), "col"):
                for f in (it.v[4:], self.at(i + 2).v[4:]):
                    want = "numeric" if f in ("sum", "avg") else "orderable"
                    if f == "count":
                        self.add_agg(self.count_of(self.at(i + 3), False))
                    else:
                        self.add_agg(self.make_agg(f, self.col(self.at(i + 3), want)))
                self.cut(i, i + 4)
                continue
            m = self.metric_at(i, implicit_ok=False, table_ok=False)
            if m is None:
                i += 1
                continue
            agg, k = m
            self.add_agg(agg)
            # "total amount and quantity" -> same function for following columns
            while agg.func in ("sum", "avg", "min", "max") and _is(self.at(k), "sep") and self.at(k).v in (",", "and") and _is(self.at(k + 1), "col"):
                want = "numeric" if agg.func in ("sum", "avg") else "orderable"
                self.add_agg(self.make_agg(agg.func, self.col(self.at(k + 1), want)))
                k += 2
            self.cut(i, k)

    def rule_implicit(self) -> None:
        """Bare measures when the request is clearly an aggregation (group keys present)."""
        if not (self.group or self.bucket):
            return
        i = 0
        while i < len(self.items):
            it = self.items[i]
            if it.t == "col" and len(it.v) > 3:  # a table name, not a measure
                self.items[i] = Item("table", it.v[3], it.text)
                i += 1
                continue
            if it.t == "col":
                m = self.metric_at(i, implicit_ok=True, table_ok=False)
                assert m is not None
                self.add_agg(m[0])
                self.cut(i, m[1])
                continue
            if (it.t == "table" or _is(it, "kw", "rows")) and not self.aggs:
                pass
            i += 1

    # rule: distinct / projection -----------------------------------------------------------
    def rule_distinct(self) -> None:
        for i, it in enumerate(self.items):
            if _is(it, "kw", "distinct") and _is(self.at(i + 1), "col"):
                cols = []
                j = i + 1
                while _is(self.at(j), "col"):
                    cols.append(self.col(self.at(j)).name)
                    j += 1
                    if _is(self.at(j), "sep") and _is(self.at(j + 1), "col"):
                        j += 1
                        continue
                    break
                self.distinct = cols
                self.cut(i, j)
                return

    def rule_projection(self) -> None:
        i = 0
        while i < len(self.items):
            if self.items[i].t == "col" and len(self.items[i].v) > 3:
                self.items[i] = Item("table", self.items[i].v[3], self.items[i].text)
            if self.items[i].t == "col":
                c = self.col(self.items[i])
                if c.name not in self.select:
                    self.select.append(c.name)
                self.cut(i, i + 1)
                continue
            i += 1


_OK_LEFTOVER_KW = {"is", "with", "in", "on", "join", "rows"}
# null checks written before their column ("tickets with no city"): never about the column before
_ABSENCE = {"with no", "without", "has no", "have no", "no"}
_PREFIX_NULL = {"with no", "without", "with missing", "has no", "have no", "with null", "with empty", "with blank",
                "no", "with a", "that have a", "having a", "non null", "non-null", "nonnull"}
# words that ask for rows themselves ("list the revenue of each order"), not a total
_LISTING_WORDS = {"list", "rows", "row", "records", "record", "entries", "entry", "lines", "each", "every",
                  "individual", "all"}


def _parse_with(q: str, raw: list[Item], inputs: list[InputInfo], src: InputInfo, join: Join | None) -> Plan:
    cols = _work_columns(src, join, inputs)
    matcher = ColumnMatcher(cols, [i.name for i in inputs])
    ctx = _Ctx(q, inputs, src, join, cols, matcher)
    items = _type_items(ctx, raw)
    tiers = [it.v[1] for it in items if it.t == "col" and len(it.v) > 1 and isinstance(it.v[1], int)]
    r = _Rules(ctx, items)
    # join keyword + explicit key ("on customer_id") are structural
    for i in range(len(r.items) - 1, -1, -1):
        if _is(r.items[i], "kw", "on") and join is not None and i + 1 < len(r.items) and r.items[i + 1].t in ("col", "word"):
            r.cut(i, i + 2)
    r.rule_filters()
    r.rule_describe()
    r.rule_limits()
    r.rule_percent()
    r.rule_buckets()
    r.rule_group()
    if r.trend and r.bucket is None:
        raise OutOfGrammar("say the time grain of the trend (by day, week, month, quarter or year)")
    r.rule_sort()
    r.rule_aggs()
    r.rule_implicit()
    r.rule_distinct()
    r.rule_projection()
    r.listing = any(it.t == "word" and it.v in _LISTING_WORDS for it in raw)
    left = [it for it in r.items if not (it.t == "sep" or it.t == "table" or (it.t == "kw" and it.v in _OK_LEFTOVER_KW))]
    if left:
        raise OutOfGrammar("it could not place " + ", ".join(repr(it.text) for it in left[:5]) + " in a supported request")
    plan = _assemble(r, ctx)
    plan.match_quality = min(tiers, default=3)  # not a plan field: only ranks candidate plans
    return plan


_LOOSE_OPS = {"==": "eq_ci", "!=": "ne_ci", "in": "in_ci", "not_in": "not_in_ci"}


def _loosen(filters: list[Filter], loose: set[tuple[str, str]]) -> None:
    """A value recognised from the sample rows but spelled differently in the question
    ("east" for the sample's "East") is compared case-insensitively: the sample shows one
    spelling, the data may hold others ("East", "EAST"), and the question names the value,
    not one spelling of it."""
    for f in filters:
        if f.op not in _LOOSE_OPS or f.kind != "string":
            continue
        values = f.value if isinstance(f.value, list) else [f.value]
        if any((f.column, v) in loose for v in values):
            f.op = _LOOSE_OPS[f.op]
            f.value = [str(v).lower() for v in values] if isinstance(f.value, list) else str(f.value).lower()


def _assemble(r: _Rules, ctx: _Ctx) -> Plan:
    _loosen(r.filters, ctx.loose_values)
    kinds = {c.name: c.kind for c in ctx.columns}
    plan = Plan(kind="rows", source=ctx.source.name, join=ctx.join, filters=r.filters, column_kinds=kinds)
    if r.describe is not None:
        if r.aggs or r.group or r.bucket or r.distinct or r.select or r.order or r.limit or r.percent:
            raise OutOfGrammar("describe cannot be combined with other operations")
        plan.kind = "describe"
        plan.select = r.describe
        return plan
    if r.aggs or r.group or r.bucket or r.percent:
        if r.distinct or r.select or r.want_rows:
            raise OutOfGrammar("it cannot mix listing columns with aggregates")
        if not r.aggs:
            raise OutOfGrammar("say what to compute for each group (e.g. total, average, count)")
        if r.percent and not (r.group or r.bucket):
            raise OutOfGrammar("a percentage of total needs groups (e.g. 'by region')")
        plan.kind = "aggregate"
        plan.bucket = r.bucket
        plan.group_by = list(dict.fromkeys(r.group))
        plan.aggregates = r.aggs
        if r.percent:
            plan.percent_of = r.percent.alias
        aliases = [a.alias for a in r.aggs]
        if set(aliases) & set(plan.group_by) or plan.percent_alias in set(aliases) | set(plan.group_by):
            raise OutOfGrammar("an output column name would clash with a group key")
        outs = plan.output_columns()
        for target, desc in r.order:
            if target == "__default__":
                if len(r.aggs) == 1:
                    name = r.aggs[0].alias
                elif not r.aggs and len(plan.group_by) == 1:
                    name = plan.group_by[0]
                else:
                    raise OutOfGrammar("say which column to sort by")
            elif isinstance(target, Aggregate):
                name = target.alias
            else:
                name = target
                measured = [a for a in r.aggs if a.column == target]
                if name not in outs and len(measured) == 1:  # "revenue by product ordered by revenue"
                    name = measured[0].alias
            if name not in outs:
                raise OutOfGrammar(f"cannot sort by {name!r}: it is not in the result")
            if all(o.column != name for o in plan.order):
                plan.order.append(Order(name, desc))
        for g in plan.group_by:  # stable tie-breaks / default order
            if all(o.column != g for o in plan.order):
                plan.order.append(Order(g, False))
        if r.limit is not None and not plan.group_by:
            pass
        plan.limit = r.limit
        return plan
    if r.distinct is not None:
        if r.select:
            raise OutOfGrammar("list either distinct values or columns, not both")
        plan.kind = "distinct"
        plan.select = r.distinct
        for target, desc in r.order:
            name = plan.select[0] if target == "__default__" and len(plan.select) == 1 else target
            if name not in plan.select:
                raise OutOfGrammar("say which column to sort by")
            plan.order.append(Order(name, desc))
        for c in plan.select:
            if all(o.column != c for o in plan.order):
                plan.order.append(Order(c, False))
        plan.limit = r.limit
        return plan
    plan.kind = "rows"
    if r.select and not (r.listing or r.order or r.limit is not None):
        measures = [c for c in ctx.columns if c.name in r.select and c.kind in ("integer", "double")
                    and set(norm_tokens(c.original)) & ADDITIVE]
        if len(measures) == len(r.select):
            # "what is the revenue of the North region": one total or every row's value?
            raise OutOfGrammar(
                f"say whether you want the total (or average, ...) of {', '.join(map(repr, r.select))} "
                "or to list the rows"
            )
    plan.select = r.select or [c.name for c in ctx.columns]
    for target, desc in r.order:
        if target == "__default__":
            if len(r.select) == 1:
                target = r.select[0]
            else:
                raise OutOfGrammar("say which column to sort by")
        if isinstance(target, Aggregate):
            raise OutOfGrammar("sorting rows by an aggregate needs groups")
        plan.order.append(Order(target, desc))
    if plan.order:  # deterministic tie-breaks for ranked rows
        for c in plan.select:
            if all(o.column != c for o in plan.order) and kinds.get(c) != "boolean":
                plan.order.append(Order(c, False))
    plan.limit = r.limit
    return plan

"""Plan -> Ray Data body (binds `result` to a pandas DataFrame equal to the Spark answer).

Scans, joins (broadcast of the right input), filters and per-block partial aggregates run
as Ray Data `map_batches` tasks; only the small partial results are combined on the driver.
"""

from __future__ import annotations

from .plan import Filter, Plan
from .schema import ColumnInfo, InputInfo

_PA_TYPES = {
    "integer": "pa.int64()", "double": "pa.float64()", "string": "pa.string()",
    "date": "pa.date32()", "timestamp": "pa.timestamp('us')", "boolean": "pa.bool_()",
}

_HELPERS = '''
def normalize(frame, kinds):
    """Give every column a predictable pandas dtype (nullable ints, floats, objects, datetimes)."""
    out = {}
    for name in frame.columns:
        s = frame[name]
        kind = kinds.get(name, "string")
        if kind == "integer":
            s = pd.to_numeric(s.astype(object), errors="coerce").astype("Int64")
        elif kind == "double":
            s = pd.to_numeric(s.astype(object), errors="coerce").astype("float64")
        elif kind in ("date", "timestamp"):
            s = pd.to_datetime(s.astype(object), errors="coerce")
        elif kind == "boolean":
            s = s.astype(object).where(s.notna(), None).astype("boolean")
        else:
            s = s.astype(object).where(s.notna(), None)
        out[name] = s
    return pd.DataFrame(out, index=frame.index)


def mask(cond):
    """NULL-aware condition: unknown counts as false (as in SQL)."""
    return cond.fillna(False).astype(bool)


def plain_nulls(frame):
    """NaN to None in text columns: Ray Data stores a column mixing text and NaN as pickled
    Python objects, which would reach the result as the text 'nan'."""
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].where(frame[name].notna(), None)
    return frame


def collect(ds, fn, empty):
    """Run fn on every block with Ray Data and gather the (small) outputs on the driver."""
    frames = [b for b in ds.map_batches(lambda b: plain_nulls(fn(b)), batch_format="pandas").iter_batches(batch_format="pandas", batch_size=None)]
    frames = [f for f in frames if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else fn(empty)


def finish(frame, kinds):
    """Dates back to datetime.date, NaN/NaT to None."""
    frame = frame.reset_index(drop=True)
    for name in frame.columns:
        kind = kinds.get(name)
        if kind == "date":
            s = pd.to_datetime(frame[name], errors="coerce")
            frame[name] = pd.Series([None if pd.isna(x) else x.date() for x in s], dtype=object)
        elif kind == "timestamp":
            s = pd.to_datetime(frame[name], errors="coerce")
            frame[name] = pd.Series([None if pd.isna(x) else x.to_pydatetime() for x in s], dtype=object)
    return frame
'''


def _lit(value, kind: str) -> str:
    if kind in ("date", "timestamp") and isinstance(value, str):
        return f"pd.Timestamp({value!r})"
    return repr(value)


def _cond(f: Filter) -> str:
    s = f"batch[{f.column!r}]"
    v = f.value
    if f.op in ("==", "<", "<=", ">", ">="):
        return f"mask({s} {f.op} {_lit(v, f.kind)})"
    if f.op == "!=":
        return f"mask({s}.notna() & ({s} != {_lit(v, f.kind)}))"
    if f.op == "between":
        return f"mask(({s} >= {_lit(v[0], f.kind)}) & ({s} <= {_lit(v[1], f.kind)}))"
    if f.op == "in":
        return f"mask({s}.isin({list(v)!r}) & {s}.notna())"
    if f.op == "not_in":
        return f"mask(~{s}.isin({list(v)!r}) & {s}.notna())"
    if f.op in ("contains", "starts_with", "ends_with"):
        low = str(v).lower()
        if f.op == "contains":
            return f"mask({s}.str.lower().str.contains({low!r}, regex=False))"
        meth = "startswith" if f.op == "starts_with" else "endswith"
        return f"mask({s}.str.lower().str.{meth}({low!r}))"
    if f.op in ("eq_ci", "ne_ci", "in_ci", "not_in_ci"):
        low = f"{s}.astype(object).where({s}.notna(), None).str.lower()"
        if f.op == "eq_ci":
            return f"mask({s}.notna() & ({low} == {str(v)!r}))"
        if f.op == "ne_ci":
            return f"mask({s}.notna() & ({low} != {str(v)!r}))"
        vals = [str(x) for x in v]
        neg = "~" if f.op == "not_in_ci" else ""
        return f"mask({s}.notna() & {neg}{low}.isin({vals!r}))"
    if f.op == "is_null":
        return f"{s}.isna()"
    if f.op == "not_null":
        return f"{s}.notna()"
    raise ValueError(f.op)


def _read(var: str, info: InputInfo, L: list[str]) -> None:
    types = ", ".join(f"{c.name!r}: {_PA_TYPES[ColumnInfo(c.name, c.type).kind]}" for c in info.columns)
    opts = f"pacsv.ConvertOptions(column_types={{{types}}}, null_values=[''], strings_can_be_null=True)"
    if info.kind == "table":
        L.append(f"# Catalog table {info.table or info.name!r}: its data files")
        L.append(f"{var}_path = inputs[{info.name!r}]")
        L.append(
            f"{var} = ray.data.read_parquet({var}_path) if str({var}_path).endswith('.parquet') "
            f"else ray.data.read_csv({var}_path, convert_options={opts})"
        )
    else:
        L.append(f"# CSV input {info.name!r}, read with its known column types")
        L.append(f"{var} = ray.data.read_csv(inputs[{info.name!r}], convert_options={opts})")


def emit_ray(plan: Plan, inputs: list[InputInfo]) -> str:
    by = {i.name: i for i in inputs}
    src = by[plan.source]
    kinds = dict(plan.column_kinds)
    if plan.bucket:
        kinds[plan.bucket.alias] = "date"
    for a in plan.aggregates:
        if a.func in ("min", "max") and a.column is not None:
            kinds[a.alias] = plan.column_kinds.get(a.column, "string")
        elif a.alias in kinds:
            kinds[a.alias] = "double"
    L: list[str] = [
        "import datetime",
        "import numpy as np",
        "import pandas as pd",
        "import pyarrow as pa",
        "from pyarrow import csv as pacsv",
        "import ray",
        "import ray.data",
        _HELPERS,
        f"# Offline plan: {plan.kind} over {plan.source!r}" + (f" joined with {plan.join.right!r}" if plan.join else ""),
    ]
    if plan.limit is not None and not plan.order:
        L.append("ray.data.DataContext.get_current().execution_options.preserve_order = True  # 'first N' = file order")
    _read("ds", src, L)
    src_kinds = {c.name: ColumnInfo(c.name, c.type).kind for c in src.columns}
    L.append(f"SOURCE_KINDS = {src_kinds!r}")
    L.append(f"KINDS = {kinds!r}")
    L.append("EMPTY = pd.DataFrame({name: pd.Series([], dtype=object) for name in SOURCE_KINDS})")
    if plan.join:
        j = plan.join
        rinfo = by[j.right]
        _read("right_ds", rinfo, L)
        rk = {c.name: ColumnInfo(c.name, c.type).kind for c in rinfo.columns}
        L.append("# Broadcast the right input: key renamed, clashing columns prefixed, NULL keys never match")
        L.append(f"RIGHT = normalize(right_ds.to_pandas(), {rk!r})")
        L.append(f"RIGHT = RIGHT.rename(columns={{{j.right_key!r}: '__join_key', **{j.rename!r}}})")
        L.append("RIGHT = RIGHT[RIGHT['__join_key'].notna()]")
    # ---- prepare(): normalise, join, filter, derive
    L.append("")
    L.append("def prepare(batch):")
    L.append("    batch = normalize(batch, SOURCE_KINDS)")
    if plan.join:
        j = plan.join
        L.append(f"    batch = batch[batch[{j.left_key!r}].notna()]")
        L.append(f"    batch = batch.merge(RIGHT, left_on={j.left_key!r}, right_on='__join_key', how='inner').drop(columns=['__join_key'])")
    if plan.filters:
        L.append("    keep = pd.Series(True, index=batch.index)")
        for f in plan.filters:
            L.append(f"    keep &= {_cond(f)}")
        L.append("    batch = batch[keep]")
    if plan.bucket:
        b = plan.bucket
        s = f"batch[{b.column!r}]"
        if b.unit == "day":
            e = f"{s}.dt.normalize()"
        elif b.unit == "week":
            e = f"({s}.dt.normalize() - pd.to_timedelta({s}.dt.weekday, unit='D'))"
        elif b.unit == "month":
            e = f"{s}.dt.to_period('M').dt.start_time"
        elif b.unit == "quarter":
            e = f"{s}.dt.to_period('Q').dt.start_time"
        else:
            e = f"{s}.dt.to_period('Y').dt.start_time"
        L.append(f"    batch = batch.assign(**{{{b.alias!r}: {e}}})  # first day of each {b.unit}")
    L.append("    return batch")
    L.append("")
    if plan.kind == "aggregate":
        _emit_aggregate(plan, L)
    elif plan.kind == "describe":
        _emit_describe(plan, L)
    elif plan.kind == "distinct":
        cols = plan.select
        L.append("def distinct_part(batch):")
        L.append(f"    return prepare(batch)[{cols!r}].drop_duplicates()")
        L.append("")
        L.append("frame = collect(ds, distinct_part, EMPTY).drop_duplicates()")
        _emit_order_limit(plan, L)
    else:
        cols = plan.select
        order_cols = [o.column for o in plan.order]
        need = list(dict.fromkeys(cols + order_cols))
        L.append("def rows_part(batch):")
        L.append(f"    batch = prepare(batch)[{need!r}]")
        if plan.order and plan.limit is not None:
            L.append("    # keep only each block's own top rows")
            L.append(f"    batch = {_sort_expr(plan, 'batch')}.head({int(plan.limit)})")
        elif plan.limit is not None:
            L.append(f"    batch = batch.head({int(plan.limit)})")
        L.append("    return batch")
        L.append("")
        L.append("frame = collect(ds, rows_part, EMPTY)")
        _emit_order_limit(plan, L)
        if need != cols:
            L.append(f"frame = frame[{cols!r}]")
    L.append("result = finish(frame, KINDS)")
    return "\n".join(L) + "\n"


def _sort_expr(plan: Plan, var: str) -> str:
    by = [o.column for o in plan.order]
    asc = [not o.desc for o in plan.order]
    return f"{var}.sort_values(by={by!r}, ascending={asc!r}, na_position='last', kind='mergesort')"


def _emit_order_limit(plan: Plan, L: list[str]) -> None:
    if plan.order:
        L.append(f"frame = {_sort_expr(plan, 'frame')}")
    if plan.limit is not None:
        L.append(f"frame = frame.head({int(plan.limit)})")


def _emit_aggregate(plan: Plan, L: list[str]) -> None:
    keys = list(plan.group_by)
    kkeys = [f"k{i}" for i in range(len(keys))] or ["k_all"]
    spec: list[str] = []
    combine: list[str] = []
    finals: list[str] = []
    distinct: list[tuple[int, str]] = []
    vcols: dict[str, str] = {}
    for i, a in enumerate(plan.aggregates):
        if a.column is not None and a.column not in vcols:
            vcols[a.column] = f"v{len(vcols)}"
        v = vcols.get(a.column, "")
        p = f"a{i}"
        if a.func == "count_rows":
            spec.append(f"{p}_n=('__one', 'size')")
            combine.append(f"{p}_n=({p + '_n'!r}, 'sum')")
            finals.append(f"res[{a.alias!r}] = res[{p + '_n'!r}].astype('int64')")
        elif a.func in ("sum", "avg"):
            spec.append(f"{p}_s=({v!r}, 'sum')")
            spec.append(f"{p}_n=({v!r}, 'count')")
            combine.append(f"{p}_s=({p + '_s'!r}, 'sum')")
            combine.append(f"{p}_n=({p + '_n'!r}, 'sum')")
            if a.func == "sum":
                finals.append(f"res[{a.alias!r}] = res[{p + '_s'!r}].where(res[{p + '_n'!r}] > 0)  # all-NULL group -> NULL")
            else:
                finals.append(
                    f"res[{a.alias!r}] = (res[{p + '_s'!r}].astype('float64') / res[{p + '_n'!r}].astype('float64')).where(res[{p + '_n'!r}] > 0)"
                )
        elif a.func in ("min", "max"):
            spec.append(f"{p}_m=({v!r}, {a.func!r})")
            combine.append(f"{p}_m=({p + '_m'!r}, {a.func!r})")
            finals.append(f"res[{a.alias!r}] = res[{p + '_m'!r}]")
        elif a.func == "count_distinct":
            distinct.append((i, v))
    L.append("# Group keys and measures get internal names k*/v* inside the Ray tasks")
    L.append(f"KEYS = {kkeys!r}")
    rename = {g: k for g, k in zip(keys, kkeys)}
    rename.update({c: v for c, v in vcols.items()})
    L.append("")
    L.append("def shaped(batch):")
    L.append("    batch = prepare(batch)")
    cols_expr = ", ".join(f"{k!r}: batch[{g!r}]" for g, k in zip(keys, kkeys)) if keys else "'k_all': 0"
    vals_expr = "".join(f", {v!r}: batch[{c!r}]" for c, v in vcols.items())
    L.append(f"    return pd.DataFrame({{{cols_expr}{vals_expr}, '__one': 1}}, index=batch.index)")
    L.append("")
    L.append("def partial(batch):")
    L.append("    frame = shaped(batch)")
    if spec:
        L.append("    return frame.groupby(KEYS, dropna=False, sort=False).agg(")
        for s in spec:
            L.append(f"        {s},")
        L.append("    ).reset_index()")
    else:
        L.append("    return frame[KEYS].drop_duplicates()")
    L.append("")
    L.append("res = collect(ds, partial, EMPTY)")
    if combine:
        L.append("res = res.groupby(KEYS, dropna=False, sort=False).agg(")
        for s in combine:
            L.append(f"    {s},")
        L.append(").reset_index()")
    else:
        L.append("res = res[KEYS].drop_duplicates()")
    for i, v in distinct:
        a = plan.aggregates[i]
        L.append("")
        L.append(f"def distinct_{i}(batch):")
        L.append("    frame = shaped(batch)")
        L.append(f"    return frame[frame[{v!r}].notna()][KEYS + [{v!r}]].drop_duplicates()")
        L.append("")
        L.append(f"pairs = collect(ds, distinct_{i}, EMPTY).drop_duplicates()")
        L.append(f"counts = pairs.groupby(KEYS, dropna=False, sort=False)[{v!r}].nunique().rename({a.alias!r}).reset_index()")
        L.append("res = res.merge(counts, on=KEYS, how='left')")
        L.append(f"res[{a.alias!r}] = res[{a.alias!r}].fillna(0).astype('int64')")
    L.append("")
    for f in finals:
        L.append(f)
    if not keys:
        # a global aggregate always has exactly one row (as in SQL), even over no data
        L.append("if len(res) == 0:")
        L.append("    res = pd.DataFrame({'k_all': [0]})")
        for a in plan.aggregates:
            zero = a.func in ("count_rows", "count_distinct")
            L.append(f"    res[{a.alias!r}] = [{0 if zero else None}]")
    out_cols = keys + [a.alias for a in plan.aggregates]
    L.append(f"res = res.rename(columns={ {k: g for g, k in zip(keys, kkeys)}!r})")
    L.append(f"frame = res[{out_cols!r}]")
    if plan.percent_of:
        p = plan.percent_of
        L.append("# Share of the grand total, in percent")
        L.append(f"total = frame[{p!r}].astype('float64').sum()")
        L.append(f"frame = frame.assign(**{{{plan.percent_alias!r}: frame[{p!r}].astype('float64') * 100.0 / total if total != 0 else np.nan}})")
    _emit_order_limit(plan, L)
    L.append("frame = frame.copy()")


def _emit_describe(plan: Plan, L: list[str]) -> None:
    cols = plan.select
    L.append("def stats_part(batch):")
    L.append("    batch = prepare(batch)")
    L.append("    rows = []")
    L.append(f"    for name in {cols!r}:")
    L.append("        s = batch[name].dropna().astype('float64')")
    L.append("        n = len(s)")
    L.append("        mean = s.mean() if n else 0.0")
    L.append("        rows.append({'column': name, 'n': n, 'mean': mean, 'm2': float(((s - mean) ** 2).sum()),")
    L.append("                     'min': s.min() if n else np.nan, 'max': s.max() if n else np.nan})")
    L.append("    return pd.DataFrame(rows)")
    L.append("")
    L.append("parts = collect(ds, stats_part, EMPTY)")
    L.append("rows = []")
    L.append(f"for name in {cols!r}:")
    L.append("    p = parts[parts['column'] == name]")
    L.append("    n = int(p['n'].sum())")
    L.append("    mean = float((p['n'] * p['mean']).sum() / n) if n else None")
    L.append("    m2 = float((p['m2'] + p['n'] * (p['mean'] - (mean or 0.0)) ** 2).sum()) if n else None")
    L.append("    rows.append({'column': name, 'count': n, 'mean': mean,")
    L.append("                 'stddev': (m2 / (n - 1)) ** 0.5 if n > 1 else None,")
    L.append("                 'min': float(p['min'].min()) if n else None, 'max': float(p['max'].max()) if n else None})")
    L.append("frame = pd.DataFrame(rows, columns=['column', 'count', 'mean', 'stddev', 'min', 'max'])")

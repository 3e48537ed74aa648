"""Plan -> readable PySpark body (binds `result` to a DataFrame)."""

from __future__ import annotations

import datetime as dt

from .plan import Filter, Plan
from .schema import ColumnInfo, InputInfo

_SPARK_TYPES = {
    "integer": "T.LongType()", "double": "T.DoubleType()", "string": "T.StringType()",
    "date": "T.DateType()", "timestamp": "T.TimestampType()", "boolean": "T.BooleanType()",
}
_AGG = {"sum": "F.sum", "avg": "F.avg", "min": "F.min", "max": "F.max", "count_distinct": "F.countDistinct"}


def col(name: str) -> str:
    """F.col reference with backtick quoting; the name is emitted as a Python literal."""
    return f"F.col({repr('`' + name.replace('`', '``') + '`')})"


def lit(value, kind: str) -> str:
    if kind == "date" and isinstance(value, str):
        if len(value) > 10:
            d = dt.datetime.fromisoformat(value)
            return f"F.lit(datetime.datetime({d.year}, {d.month}, {d.day}, {d.hour}, {d.minute}, {d.second}))"
        d = dt.date.fromisoformat(value)
        return f"F.lit(datetime.date({d.year}, {d.month}, {d.day}))"
    if kind == "timestamp" and isinstance(value, str):
        d = dt.datetime.fromisoformat(value)
        return f"F.lit(datetime.datetime({d.year}, {d.month}, {d.day}, {d.hour}, {d.minute}, {d.second}))"
    return f"F.lit({value!r})"


def filter_expr(f: Filter) -> str:
    c = col(f.column)
    if f.op in ("==", "!=", "<", "<=", ">", ">="):
        return f"({c} {f.op} {lit(f.value, f.kind)})"
    if f.op == "between":
        return f"{c}.between({lit(f.value[0], f.kind)}, {lit(f.value[1], f.kind)})"
    if f.op == "in":
        return f"{c}.isin({[v for v in f.value]!r})"
    if f.op == "not_in":
        return f"(~{c}.isin({[v for v in f.value]!r}))"
    if f.op in ("contains", "starts_with", "ends_with"):
        meth = {"contains": "contains", "starts_with": "startswith", "ends_with": "endswith"}[f.op]
        return f"F.lower({c}).{meth}({str(f.value).lower()!r})"
    if f.op == "eq_ci":
        return f"(F.lower({c}) == F.lit({str(f.value)!r}))"
    if f.op == "ne_ci":
        return f"(F.lower({c}) != F.lit({str(f.value)!r}))"
    if f.op == "in_ci":
        return f"F.lower({c}).isin({[str(v) for v in f.value]!r})"
    if f.op == "not_in_ci":
        return f"(~F.lower({c}).isin({[str(v) for v in f.value]!r}))"
    if f.op == "is_null":
        return f"{c}.isNull()"
    if f.op == "not_null":
        return f"{c}.isNotNull()"
    raise ValueError(f"unknown filter op {f.op}")


def _read(var: str, info: InputInfo, lines: list[str]) -> None:
    if info.kind == "table":
        lines.append(f"# Catalog table {info.table or info.name!r}")
        lines.append(f"{var} = spark.table(inputs[{info.name!r}])")
        return
    lines.append(f"# CSV input {info.name!r}, read with its known schema (no schema-inference pass)")
    lines.append(f"{var}_schema = T.StructType([")
    for c in info.columns:
        lines.append(f"    T.StructField({c.name!r}, {_SPARK_TYPES[ColumnInfo(c.name, c.type).kind]}, True),")
    lines.append("])")
    lines.append(
        f"{var} = spark.read.csv(inputs[{info.name!r}], header=True, schema={var}_schema, escape='\"', mode='PERMISSIVE')"
    )


def _order(plan: Plan) -> str:
    parts = [f"{col(o.column)}.{'desc' if o.desc else 'asc'}_nulls_last()" for o in plan.order]
    return ", ".join(parts)


def emit_spark(plan: Plan, inputs: list[InputInfo]) -> str:
    by = {i.name: i for i in inputs}
    L: list[str] = [
        "from pyspark.sql import functions as F",
        "from pyspark.sql import types as T",
    ]
    if plan.percent_of:
        L.append("from pyspark.sql import Window")
    L += ["import datetime", "", f"# Offline plan: {plan.kind} over {plan.source!r}" + (f" joined with {plan.join.right!r}" if plan.join else "")]
    _read("df", by[plan.source], L)
    if plan.join:
        j = plan.join
        _read("right", by[j.right], L)
        sel = [f"{col(j.right_key)}.alias('__join_key')"] + [f"{col(k)}.alias({v!r})" for k, v in j.rename.items()]
        L.append("# Right side: key renamed, clashing columns prefixed with the input name")
        L.append("right = right.select(" + ", ".join(sel) + ")")
        L.append(f"df = df.join(right, {col(j.left_key)} == F.col('__join_key'), {j.how!r}).drop('__join_key')")
    if plan.filters:
        L.append("# Filters (rows where a condition is NULL are excluded)")
        for f in plan.filters:
            L.append(f"df = df.filter({filter_expr(f)})")
    if plan.kind == "describe":
        structs = []
        for name in plan.select:
            c = col(name)
            structs.append(
                f"    F.struct(F.lit({name!r}).alias('column'), F.count({c}).alias('count'), "
                f"F.avg({c}).alias('mean'), F.stddev_samp({c}).alias('stddev'), "
                f"F.min({c}).cast('double').alias('min'), F.max({c}).cast('double').alias('max')),"
            )
        L.append("# Summary statistics: one row per numeric column, computed in a single pass")
        L.append("stats = df.agg(F.array(")
        L += structs
        L.append(").alias('stats'))")
        L.append("result = stats.select(F.explode('stats').alias('s')).select('s.*')")
        return "\n".join(L) + "\n"
    if plan.kind == "aggregate":
        if plan.bucket:
            b = plan.bucket
            expr = f"F.to_date({col(b.column)})" if b.unit == "day" else f"F.trunc({col(b.column)}, {b.unit!r})"
            L.append(f"# Time bucket: first day of each {b.unit}")
            L.append(f"df = df.withColumn({b.alias!r}, {expr})")
        aggs = []
        for a in plan.aggregates:
            if a.func == "count_rows":
                aggs.append(f"    F.count(F.lit(1)).alias({a.alias!r}),")
            else:
                aggs.append(f"    {_AGG[a.func]}({col(a.column)}).alias({a.alias!r}),")
        if plan.group_by:
            L.append("result = df.groupBy(" + ", ".join(col(g) for g in plan.group_by) + ").agg(")
        else:
            L.append("result = df.agg(")
        L += aggs
        L.append(")")
        if plan.percent_of:
            p = col(plan.percent_of)
            L.append("# Share of the grand total, in percent")
            L.append(
                f"result = result.withColumn({plan.percent_alias!r}, "
                f"F.try_divide({p} * F.lit(100.0), F.sum({p}).over(Window.partitionBy())))"
            )
    elif plan.kind == "distinct":
        L.append("result = df.select(" + ", ".join(col(c) for c in plan.select) + ").distinct()")
    else:
        L.append("result = df")
    if plan.order:
        L.append(f"result = result.orderBy({_order(plan)})")
    if plan.kind == "rows":
        if [c.name for c in _cols(plan)] != plan.select:
            L.append("result = result.select(" + ", ".join(col(c) for c in plan.select) + ")")
    if plan.limit is not None:
        L.append(f"result = result.limit({int(plan.limit)})")
    return "\n".join(L) + "\n"


def _cols(plan: Plan) -> list[ColumnInfo]:
    return [ColumnInfo(n, "string") for n in plan.column_kinds]

"""Validator tests: the malicious/benign corpus plus focused unit tests.

Corpus files live in tests/corpus/validator/{spark,ray}/{malicious,benign}/*.py. Header
comment lines (anywhere in the leading comment block):
  # expect: <rule_id>              malicious only: this rule must fire (others may too)
  # class: <bypass class>          malicious only: for the per-class summary
  # inputs: a,b                    input names (default: sales)
  # tables: db.t1,db.t2            selected catalog tables
  # workflow: csv|catalog|none [tables: db.t1,db.t2]
Run with -s (or -rA) to see the summary table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from codeinterp_common.validation import (
    RULES,
    ValidationResult,
    Violation,
    Workflow,
    code_sha256,
    derive_workflow,
    validate_ray,
    validate_spark,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "validator"
VALIDATORS = {"spark": validate_spark, "ray": validate_ray}


@dataclass(frozen=True)
class Case:
    framework: str
    kind: str
    path: Path
    code: str
    expect: str | None
    klass: str
    input_names: tuple[str, ...]
    tables: tuple[str, ...]
    workflow: Workflow | None

    @property
    def id(self) -> str:
        return f"{self.framework}/{self.kind}/{self.path.stem}"

    def run(self) -> ValidationResult:
        return VALIDATORS[self.framework](
            self.code, input_names=self.input_names, tables=self.tables, workflow=self.workflow
        )


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def load_case(framework: str, kind: str, path: Path) -> Case:
    code = path.read_text(encoding="utf-8")
    headers: dict[str, str] = {}
    for line in code.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep and key.strip() in ("expect", "class", "inputs", "tables", "workflow"):
            headers[key.strip()] = value.strip()
    tables = _split(headers.get("tables", ""))
    workflow = None
    if "workflow" in headers:
        wf, _, rest = headers["workflow"].partition(" ")
        workflow = Workflow(wf.strip())
        if "tables:" in rest:
            tables = _split(rest.split("tables:", 1)[1])
    if "inputs" in headers:
        inputs = _split(headers["inputs"])
    elif workflow in (Workflow.NONE, Workflow.CATALOG):
        inputs = ()
    else:
        inputs = ("sales",)
    if workflow is Workflow.CATALOG and "inputs" not in headers:
        inputs = tuple(t.split(".")[-1] for t in tables)
    return Case(framework, kind, path, code, headers.get("expect"), headers.get("class", kind),
                inputs, tables, workflow)


def load_corpus(framework: str, kind: str) -> list[Case]:
    return [load_case(framework, kind, p) for p in sorted((CORPUS / framework / kind).glob("*.py"))]


ALL = {(fw, kind): load_corpus(fw, kind) for fw in VALIDATORS for kind in ("malicious", "benign")}
MALICIOUS = ALL[("spark", "malicious")] + ALL[("ray", "malicious")]
BENIGN = ALL[("spark", "benign")] + ALL[("ray", "benign")]


def _fmt(result: ValidationResult) -> str:
    return "\n".join(str(v) for v in result.violations) or "(no violations)"


# --------------------------------------------------------------------------- corpus


@pytest.mark.parametrize("case", MALICIOUS, ids=lambda c: c.id)
def test_malicious_rejected_with_expected_rule(case: Case) -> None:
    assert case.expect, f"{case.path} lacks a '# expect: <rule_id>' header"
    assert case.expect in RULES, f"{case.path}: unknown rule {case.expect!r}"
    result = case.run()
    assert not result.valid, f"{case.id} was ACCEPTED:\n{_fmt(result)}"
    assert case.expect in result.rule_ids, f"{case.id}: expected {case.expect}, got:\n{_fmt(result)}"


@pytest.mark.parametrize("case", BENIGN, ids=lambda c: c.id)
def test_benign_accepted(case: Case) -> None:
    result = case.run()
    assert result.valid, f"{case.id} was REJECTED:\n{_fmt(result)}"


def test_corpus_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """Build and print the per-class summary; assert corpus sizes and outcomes."""
    counts = {k: len(v) for k, v in ALL.items()}
    assert counts[("spark", "malicious")] >= 150
    assert counts[("spark", "benign")] >= 60
    assert counts[("ray", "malicious")] >= 150
    assert counts[("ray", "benign")] >= 40
    assert len(MALICIOUS) >= 300 and len(BENIGN) >= 100  # issue 7 item 6

    per_class: Counter[tuple[str, str]] = Counter()
    rejected: Counter[tuple[str, str]] = Counter()
    for case in MALICIOUS:
        per_class[(case.klass, case.framework)] += 1
        if not case.run().valid:
            rejected[(case.klass, case.framework)] += 1
    benign_rejected = {fw: sum(1 for c in ALL[(fw, "benign")] if not c.run().valid) for fw in VALIDATORS}
    rules_hit = Counter(c.expect for c in MALICIOUS)

    lines = ["", "validator corpus summary", f"{'class':34} {'spark':>7} {'ray':>7}  rejected"]
    for klass in sorted({k for k, _ in per_class}, key=lambda k: (not k[0].isdigit(), int(k.split("-")[0]) if k[0].isdigit() else 0, k)):
        s, r = per_class[(klass, "spark")], per_class[(klass, "ray")]
        rej = rejected[(klass, "spark")] + rejected[(klass, "ray")]
        lines.append(f"{klass:34} {s:7d} {r:7d}  {rej}/{s + r}")
    total_mal = len(MALICIOUS)
    total_rej = sum(rejected.values())
    lines.append(f"{'malicious total':34} {counts[('spark', 'malicious')]:7d} {counts[('ray', 'malicious')]:7d}"
                 f"  {total_rej}/{total_mal} rejected (0 accepted required)")
    lines.append(f"{'benign total':34} {counts[('spark', 'benign')]:7d} {counts[('ray', 'benign')]:7d}"
                 f"  {sum(benign_rejected.values())} rejected (<= 2% allowed)")
    lines.append(f"benign rejection rate: {sum(benign_rejected.values()) / len(BENIGN):.1%} "
                 f"(spark {benign_rejected['spark']}/{counts[('spark', 'benign')]}, "
                 f"ray {benign_rejected['ray']}/{counts[('ray', 'benign')]})")
    lines.append(f"distinct expected rules exercised: {len(rules_hit)} of {len(RULES)}")
    with capsys.disabled():
        print("\n".join(lines))
    assert total_rej == total_mal
    assert sum(benign_rejected.values()) <= 0.02 * len(BENIGN)


def test_every_expected_rule_is_documented() -> None:
    for case in MALICIOUS:
        assert case.expect in RULES


# --------------------------------------------------------------------------- positions


def test_line_and_column_point_at_the_offending_node() -> None:
    code = 'df = spark.read.csv(inputs["sales"])\nimport os\nx = df.__class__\nresult = df\n'
    result = validate_spark(code, input_names=["sales"])
    by_rule = {v.rule_id: v for v in result.violations}
    assert (by_rule["safety.forbidden-import"].line, by_rule["safety.forbidden-import"].column) == (2, 1)
    dunder = by_rule["safety.dunder-access"]
    assert (dunder.line, dunder.column) == (3, 8)  # points at "__class__"


def test_column_counts_characters_not_bytes() -> None:
    code = 'label = "ééé"; x = eval("1")\nresult = 1\n'
    v = next(v for v in validate_spark(code).violations if v.rule_id == "safety.forbidden-call")
    assert (v.line, v.column) == (1, 20)


def test_violation_shape_and_sorting() -> None:
    result = validate_ray("import os\nimport sys\n")
    assert isinstance(result.violations, tuple)
    assert all(isinstance(v, Violation) for v in result.violations)
    assert list(result.violations) == sorted(result.violations, key=lambda v: (v.line, v.column, v.rule_id))
    assert result.code_sha256 == code_sha256("import os\nimport sys\n")
    assert result.duration_s >= 0


# --------------------------------------------------------------------------- workflow


def test_workflow_derivation() -> None:
    assert derive_workflow((), ()) is Workflow.NONE
    assert derive_workflow(["sales"], ()) is Workflow.CSV
    assert derive_workflow(["sales"], ["db.t"]) is Workflow.CATALOG
    code = 'result = spark.table("sales.orders")'
    assert validate_spark(code, tables=["sales.orders"]).valid
    assert "workflow.read-in-none-workflow" in validate_spark(code).rule_ids
    assert "workflow.table-in-csv-workflow" in validate_spark(code, input_names=["sales"]).rule_ids


def test_table_names_case_insensitive_and_exact() -> None:
    assert validate_spark('result = spark.table("Sales.Orders")', tables=["sales.orders"]).valid
    bad = validate_spark('result = spark.table("sales.orders ")', tables=["sales.orders"])
    assert "workflow.table-not-selected" in bad.rule_ids


def test_unused_input_is_a_warning_only() -> None:
    code = 'result = spark.read.csv(inputs["sales"]).count()'
    result = validate_spark(code, input_names=["sales", "returns"])
    assert result.valid
    assert [v.rule_id for v in result.warnings] == ["contract.input-unused"]


def test_no_read_at_all_is_an_error() -> None:
    result = validate_spark("result = spark.range(3)", input_names=["sales"])
    assert "contract.no-input-read" in result.rule_ids and not result.valid


def test_tolerated_session_and_ray_init() -> None:
    ok = ('from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\n'
          'result = spark.read.csv(inputs["sales"])\n')
    assert validate_spark(ok, input_names=["sales"]).valid
    ok_ray = 'import ray\nray.init()\nresult = ray.data.read_csv(inputs["sales"]).count()\n'
    assert validate_ray(ok_ray, input_names=["sales"]).valid


# --------------------------------------------------------------------------- syntax / source


def test_syntax_error_reports_position() -> None:
    result = validate_spark("result = (1,\n", input_names=())
    assert not result.valid
    (v,) = [v for v in result.violations if v.rule_id == "syntax.error"]
    assert v.line == 1


@pytest.mark.parametrize("code", ["", "   \n", "# only a comment\n"])
def test_empty_code(code: str) -> None:
    result = validate_spark(code)
    assert not result.valid


def test_oversize_code() -> None:
    code = "result = 1\n" + "# padding\n" * 20_000
    result = validate_spark(code, max_code_chars=100_000)
    assert [v.rule_id for v in result.violations] == ["syntax.too-large"]
    assert validate_spark("result = 1\n", max_code_chars=5).rule_ids == {"syntax.too-large"}


@pytest.mark.parametrize(
    "code",
    [
        "result = " + "-" * 100_000 + "1",
        "result = " + "not " * 50_000 + "x",
        "result = x" + "[0]" * 100_000,
        "result = x" + ".a" * 100_000,
        "result = 1" + "+1" * 100_000,
        "result = " + "(" * 300 + ")" * 300,
        "result = " + "-" * 10 + "[" * 195 + "]" * 195,
        "result = " + "lambda: " * 5_000 + "1",
    ],
    ids=["unary", "not", "subscript", "attribute", "binop", "parens", "lists", "lambdas"],
)
def test_deep_nesting_never_crashes(code: str) -> None:
    result = validate_spark(code, max_code_chars=10**6)
    assert not result.valid
    assert result.rule_ids & {"safety.nesting-too-deep", "syntax.error"}


def test_null_byte() -> None:
    result = validate_spark("result = 1\x00\n")
    assert result.rule_ids == {"syntax.null-byte"}


@pytest.mark.parametrize("cookie", ["# -*- coding: latin-1 -*-", "# vim: set fileencoding=utf-7 :",
                                    "#!/usr/bin/env python\n# coding=unicode_escape"])
def test_encoding_declaration_rejected(cookie: str) -> None:
    result = validate_spark(f"{cookie}\nresult = 1\n")
    assert "safety.encoding-declaration" in result.rule_ids


def test_utf8_encoding_declaration_tolerated() -> None:
    assert validate_spark("# -*- coding: utf-8 -*-\nresult = 1\n").valid


def test_nfkc_lookalike_is_checked_after_normalisation() -> None:
    # Fullwidth "ｅｘｅｃ" parses to the name "exec": both the non-ASCII and the exec rule fire.
    result = validate_spark("\uff45\uff58\uff45\uff43('1')\nresult = 1\n")
    assert {"safety.non-ascii-identifier", "safety.forbidden-call"} <= result.rule_ids


def test_non_ascii_in_strings_and_comments_is_fine() -> None:
    assert validate_spark('# Umsatz pro Region (€)\nresult = "Größe"\n').valid


def test_non_string_code_is_rejected() -> None:
    result = validate_spark(b"result = 1")  # type: ignore[arg-type]
    assert not result.valid


# --------------------------------------------------------------------------- timing


def _program_200_lines() -> str:
    head = ("from pyspark.sql import functions as F\nfrom pyspark.sql.window import Window\n"
            'sales = spark.read.csv(inputs["sales"], header=True, inferSchema=True)\n')
    block = (
        'df{i} = (sales.filter(F.col("amount") > {i})\n'
        '    .withColumn("bucket{i}", F.when(F.col("qty") > {i}, "hi").otherwise("lo"))\n'
        '    .groupBy("region", "bucket{i}")\n'
        '    .agg(F.sum("amount").alias("rev"), F.countDistinct("customer_id").alias("n")))\n'
        'w{i} = Window.partitionBy("region").orderBy(F.desc("rev"))\n'
        'df{i} = df{i}.withColumn("rank", F.row_number().over(w{i})).filter(F.col("rank") <= 3)\n'
        'label{i} = f"slice {{len(df{i}.columns)}} of {i}"\n'
    )
    body = "".join(block.format(i=i) for i in range(28))
    code = head + body + "result = df0\n"
    assert 195 <= code.count("\n") <= 210, code.count("\n")
    return code


def test_200_line_program_is_accepted() -> None:
    """The realistic ~200-line program of the latency benchmark passes. Its speed (goal G9) is
    measured by bench/validation_time.py as a ratio in one run, not asserted here: timed
    assertions fail on a loaded CI machine without saying anything about the code."""
    code = _program_200_lines()
    report = validate_spark(code, input_names=["sales"])
    assert report.valid, [v.rule_id for v in report.violations]

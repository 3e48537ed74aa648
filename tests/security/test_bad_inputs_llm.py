"""Bad inputs 21-24: LLM responses (security-and-reliability.md §3).

Extraction is deterministic (exactly one python block, never concatenated) and invalid
programs are refused before any executor starts. Provider faults (case 25) and the pinned
code on retry (case 26) are tested in tests/unit/codegen/test_service.py and
tests/unit/jobs/test_jobs.py (registry: elsewhere).
"""

from __future__ import annotations

import pytest
from sec_support import explain

from codeinterp_codegen.domain.extraction import (
    MULTIPLE_CODE_BLOCKS,
    NO_CODE_BLOCK,
    RESPONSE_TRUNCATED,
    ExtractionError,
    extract_code,
)
from codeinterp_common.validation import validate_ray, validate_spark

PROSE = [
    "I can't help with that request.",
    "To compute the average, group by region and take the mean of amount.",
    "",
    "```sql\nSELECT region, avg(amount) FROM sales GROUP BY region\n```",
    "Here you go:\n```bash\nspark-submit job.py\n```",
]


@pytest.mark.bad_input(21, "FAIL-CLEAN")
@pytest.mark.parametrize("answer", PROSE)
def test_prose_only_answers_yield_no_code(answer: str) -> None:
    with pytest.raises(ExtractionError) as err:
        extract_code(answer)
    assert err.value.reason == NO_CODE_BLOCK
    assert "no code" in err.value.message or "without" in err.value.message


@pytest.mark.bad_input(22, "REJECT")
@pytest.mark.parametrize(
    "answer",
    [
        "```python\nresult = 1\n```\nand the fix:\n```python\nimport os\nresult = os.environ\n```",
        "```\nx = 1\n```\n```\nresult = x\n```",
        "```py\ndef clean(v):\n    return v\n```\n```python\nresult = clean(1)\n```",
    ],
)
def test_several_code_blocks_are_never_combined(answer: str) -> None:
    with pytest.raises(ExtractionError) as err:
        extract_code(answer)
    assert err.value.reason == MULTIPLE_CODE_BLOCKS
    for _ in range(3):  # deterministic
        with pytest.raises(ExtractionError):
            extract_code(answer)


@pytest.mark.bad_input(22, "REJECT")
def test_one_block_among_prose_is_extracted_exactly() -> None:
    answer = "Sure.\n```python\n# total by region\nresult = spark.range(3)\n```\nIt groups the rows."
    assert extract_code(answer).code == "# total by region\nresult = spark.range(3)\n"


WRONG_FRAMEWORK = {
    "pandas on spark": (
        'import pandas as pd\nresult = pd.DataFrame({"a": [1]})\n',
        "spark",
        "framework.not-pyspark",
    ),
    "ray on spark": (
        'import ray\nresult = ray.data.read_csv(inputs["sales"])\n',
        "spark",
        "framework.ray-in-spark",
    ),
    "pyspark on ray": ('result = spark.read.csv(inputs["sales"])\n', "ray", "framework.pyspark-in-ray"),
    "pyspark import on ray": (
        'from pyspark.sql import functions as F\nimport ray\nresult = ray.data.read_csv(inputs["sales"])\n',
        "ray",
        "framework.pyspark-in-ray",
    ),
    "pandas on ray": (
        'import pandas as pd\nresult = pd.read_csv(inputs["sales"])\n',
        "ray",
        "framework.not-ray",
    ),
}


@pytest.mark.bad_input(23, "REJECT")
@pytest.mark.parametrize("what", sorted(WRONG_FRAMEWORK))
def test_wrong_framework_is_rejected_with_a_specific_rule(what: str) -> None:
    code, framework, rule = WRONG_FRAMEWORK[what]
    result = (validate_spark if framework == "spark" else validate_ray)(code, input_names=["sales"])
    assert not result.valid and rule in result.rule_ids, explain(result)


@pytest.mark.bad_input(24, "REJECT")
@pytest.mark.parametrize(
    "code",
    [
        "result = df.groupBy(\n",
        "df = spark.read.csv(inputs['sales'])\nresult = df.agg({'amount': 'sum'\n",
        "def f(:\n    pass\n",
        "result = 'unterminated\n",
        "\tresult = 1\n  x = 2\n",
    ],
)
def test_truncated_or_invalid_code_is_a_parse_error(code: str) -> None:
    for validate in (validate_spark, validate_ray):
        result = validate(code, input_names=["sales"])
        assert not result.valid and "syntax.error" in result.rule_ids, explain(result)
        (v,) = [v for v in result.violations if v.rule_id == "syntax.error"]
        assert v.line >= 1


@pytest.mark.bad_input(24, "REJECT")
def test_answer_cut_at_the_token_limit_is_reported_as_truncated() -> None:
    with pytest.raises(ExtractionError) as err:
        extract_code("```python\ndf = spark.read.csv(inputs['sales'])\nresult = df.gro", truncated=True)
    assert err.value.reason == RESPONSE_TRUNCATED
    with pytest.raises(ExtractionError) as err:
        extract_code("```python\nresult = 1\n")
    assert err.value.reason == NO_CODE_BLOCK

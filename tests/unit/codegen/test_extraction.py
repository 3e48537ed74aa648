"""Deterministic code extraction: exactly one python block, else a stable reason (cases 21, 22, 24)."""

from __future__ import annotations

import pytest

from codeinterp_codegen.domain.extraction import (
    MULTIPLE_CODE_BLOCKS,
    NO_CODE_BLOCK,
    RESPONSE_TRUNCATED,
    ExtractionError,
    explanation_of,
    extract_code,
    find_blocks,
)

GOOD = "```python\n# Count rows.\nresult = spark.read.csv(inputs['a']).count()\n```"


def test_single_python_block():
    out = extract_code(GOOD)
    assert out.code == "# Count rows.\nresult = spark.read.csv(inputs['a']).count()\n"
    assert out.explanation == "Count rows."


def test_prose_around_one_block_is_ignored():
    text = "Here is the code:\n\n" + GOOD + "\n\nIt counts the rows."
    assert extract_code(text).code.startswith("# Count rows.")


@pytest.mark.parametrize("tag", ["python", "py", "Python3", "pyspark", "python title=x"])
def test_python_tags(tag):
    assert extract_code(f"```{tag}\nresult = 1\n```").code == "result = 1\n"


def test_untagged_block_counts_when_no_python_block():
    assert extract_code("```\nresult = 1\n```").code == "result = 1\n"


def test_other_languages_are_ignored_when_a_python_block_exists():
    text = '```json\n{"a": 1}\n```\n```python\nresult = 2\n```\n```sql\nSELECT 1\n```'
    assert extract_code(text).code == "result = 2\n"


def test_prose_only_is_no_code_block():
    with pytest.raises(ExtractionError) as info:
        extract_code("I cannot help with that, but the answer is probably 42.")
    assert info.value.reason == NO_CODE_BLOCK


def test_only_other_language_blocks_is_no_code_block():
    with pytest.raises(ExtractionError) as info:
        extract_code("```sql\nSELECT 1\n```")
    assert info.value.reason == NO_CODE_BLOCK and "sql" in info.value.message


def test_two_python_blocks_are_never_combined():
    with pytest.raises(ExtractionError) as info:
        extract_code("```python\na = 1\n```\nthen\n```python\nresult = a\n```")
    assert info.value.reason == MULTIPLE_CODE_BLOCKS
    assert info.value.metadata["blocks"] == "2"


def test_two_untagged_blocks_are_multiple():
    with pytest.raises(ExtractionError) as info:
        extract_code("```\na = 1\n```\n```\nresult = a\n```")
    assert info.value.reason == MULTIPLE_CODE_BLOCKS


def test_unterminated_block():
    with pytest.raises(ExtractionError) as info:
        extract_code("```python\nresult = (1 +")
    assert info.value.reason == NO_CODE_BLOCK and "not terminated" in info.value.message


def test_truncated_by_token_limit():
    with pytest.raises(ExtractionError) as info:
        extract_code("```python\nresult = (1 +", truncated=True)
    assert info.value.reason == RESPONSE_TRUNCATED


def test_complete_block_with_token_limit_flag_still_extracts():
    assert extract_code(GOOD, truncated=True).code.startswith("# Count rows.")


def test_empty_block():
    with pytest.raises(ExtractionError) as info:
        extract_code("```python\n\n```")
    assert info.value.reason == NO_CODE_BLOCK


def test_longer_fence_contains_backticks_and_tildes():
    text = "````python\ns = '```'\nresult = s\n````"
    assert extract_code(text).code == "s = '```'\nresult = s\n"
    assert extract_code("~~~python\nresult = 3\n~~~").code == "result = 3\n"


def test_inner_tagged_fence_line_is_content():
    text = "```python\nx = '''\n```python\n'''\nresult = x\n```"
    blocks = find_blocks(text)
    assert len(blocks) == 1 and "```python" in blocks[0].code


def test_indented_fence_is_unindented_and_crlf_normalised():
    text = "1. code:\r\n   ```python\r\n   if True:\r\n       result = 1\r\n   ```\r\n"
    assert extract_code(text).code == "if True:\n    result = 1\n"


def test_deterministic():
    text = "x\n```python\nresult = 1\n```\n"
    assert {extract_code(text).code for _ in range(5)} == {"result = 1\n"}


def test_explanation_variants():
    assert explanation_of("# Summary: Sum per region.\nresult = 1\n") == "Sum per region."
    assert explanation_of("import math\n# not leading\n") == ""
    assert explanation_of("#!/usr/bin/env python\nresult = 1") == ""
    assert len(explanation_of("# " + "x" * 1000)) <= 300

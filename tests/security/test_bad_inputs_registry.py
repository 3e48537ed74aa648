"""The registry of the 44 bad inputs is complete and consistent with the tests that claim its cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bad_input_cases import CASES, CLASSES

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def _claims(session: pytest.Session) -> dict[int, set[str]]:
    claims: dict[int, set[str]] = {}
    for item in session.items:
        mark = item.get_closest_marker("bad_input")
        if mark is not None:
            claims.setdefault(mark.args[0], set()).add(mark.args[1])
    return claims


def test_registry_holds_the_44_cases_with_a_place_each() -> None:
    assert sorted(CASES) == list(range(1, 45))
    for case in CASES.values():
        assert case.expected in CLASSES and set(case.extra_classes) <= set(CLASSES)
        assert case.here or case.elsewhere, f"case {case.number} is tested nowhere"


def test_every_case_marked_here_has_tests_with_a_declared_outcome(request: pytest.FixtureRequest) -> None:
    files = {
        Path(str(item.path)).name for item in request.session.items if Path(str(item.path)).parent == HERE
    }
    if files != {p.name for p in HERE.glob("test_*.py")}:
        pytest.skip("only part of tests/security was collected")
    claims = _claims(request.session)
    for case in CASES.values():
        if case.here:
            assert case.number in claims, f"case {case.number} is marked 'here' but no test claims it"
        else:
            assert case.number not in claims, (
                f"case {case.number} is tested here but the registry says elsewhere"
            )
    for number, outcomes in claims.items():
        allowed = {CASES[number].expected, *CASES[number].extra_classes}
        assert outcomes <= allowed, f"case {number}: tests claim {outcomes}, the registry allows {allowed}"


def test_referenced_existing_tests_exist() -> None:
    """`path::test_name` references must point at a real test (plain file/dir notes may be other
    helpers' work in progress and are only reported)."""
    for case in CASES.values():
        for ref in case.elsewhere:
            if "::" not in ref:
                continue
            path, name = ref.split("::", 1)
            source = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"def {re.escape(name)}\b", source), f"case {case.number}: {ref} not found"

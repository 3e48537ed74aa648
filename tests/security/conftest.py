"""Bad-input suite plumbing: the `bad_input(case, outcome)` marker, a shared in-process gateway,
and a terminal summary with counts per outcome class and per area (issue 7 item 6)."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from bad_input_cases import AREAS, CASES, CLASSES

_RESULTS: dict[str, str] = {}  # nodeid -> passed / failed / skipped
_MARKS: dict[str, tuple[int, str]] = {}  # nodeid -> (case, outcome)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "bad_input(case, outcome): a test of case <case> of the 44 bad inputs with its expected "
        "outcome class (REJECT / CONTAIN / FAIL-CLEAN / OK)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        mark = item.get_closest_marker("bad_input")
        if mark is None:
            continue
        case, outcome = mark.args
        if case not in CASES or outcome not in CLASSES:
            raise pytest.UsageError(f"{item.nodeid}: bad_input({case!r}, {outcome!r}) is not in the registry")
        _MARKS[item.nodeid] = (case, outcome)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid not in _MARKS:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        if report.outcome == "failed" or _RESULTS.get(report.nodeid) != "failed":
            _RESULTS[report.nodeid] = report.outcome


def marked_items() -> dict[str, tuple[int, str]]:
    """nodeid -> (case, outcome) of every collected bad-input test (for the registry test)."""
    return dict(_MARKS)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not _RESULTS:
        return
    tr = terminalreporter
    by_case: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for nodeid, result in _RESULTS.items():
        case, outcome = _MARKS[nodeid]
        by_case[case].append((outcome, result))
    tests_per_class: Counter[str] = Counter()
    cases_per_class: Counter[str] = Counter()
    passed_per_class: Counter[str] = Counter()
    cases_per_area: Counter[str] = Counter()
    tests_per_area: Counter[str] = Counter()
    for case, runs in by_case.items():
        area = CASES[case].area
        cases_per_area[area] += 1
        for outcome in {o for o, _ in runs}:
            cases_per_class[outcome] += 1
        for outcome, result in runs:
            tests_per_class[outcome] += 1
            tests_per_area[area] += 1
            passed_per_class[outcome] += result == "passed"
    tr.write_sep("=", "bad-input suite (security-and-reliability.md §3)")
    tr.write_line(f"{'outcome class':12} {'cases':>6} {'tests':>6} {'passed':>7}")
    for cls in CLASSES:
        tr.write_line(
            f"{cls:12} {cases_per_class[cls]:6d} {tests_per_class[cls]:6d} {passed_per_class[cls]:7d}"
        )
    tr.write_line(
        f"{'total':12} {len(by_case):6d} {sum(tests_per_class.values()):6d} "
        f"{sum(passed_per_class.values()):7d}"
    )
    tr.write_line("")
    tr.write_line(f"{'area':36} {'cases here':>10} {'tests':>6}  cases")
    for area, label in AREAS.items():
        nums = sorted(c.number for c in CASES.values() if c.area == area)
        here = sorted(n for n in nums if n in by_case)
        tr.write_line(
            f"{label:36} {len(here):10d} {tests_per_area[area]:6d}  {','.join(map(str, here)) or '-'}"
        )
    failed = sorted(n for n, runs in by_case.items() if any(r == "failed" for _, r in runs))
    if failed:
        tr.write_line(f"cases with failing tests: {failed}")
    elsewhere = [c for c in CASES.values() if c.elsewhere]
    only_elsewhere = [c for c in CASES.values() if not c.here]
    tr.write_line("")
    tr.write_line(
        f"covered only elsewhere ({len(only_elsewhere)}): "
        + ", ".join(f"#{c.number}" for c in only_elsewhere)
    )
    tr.write_line("also covered elsewhere (containment, executor, backends):")
    for c in elsewhere:
        tr.write_line(f"  #{c.number:<2} {c.expected:10} {'; '.join(c.elsewhere)}")
    tr.write_line("not applicable (N/A) on the embedded default:")
    for c in CASES.values():
        if c.na:
            tr.write_line(f"  #{c.number:<2} {c.na}")
    not_run = sorted(n for n, c in CASES.items() if c.here and n not in by_case)
    if not_run:
        tr.write_line(f"registry cases marked 'here' that did not run in this session: {not_run}")


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    """The real gateway REST app in-process (tests/fixtures/gateway_app.py); backends absent."""
    from gateway_app import GatewayHarness

    with GatewayHarness(tmp_path_factory.mktemp("gateway")) as harness:
        yield harness

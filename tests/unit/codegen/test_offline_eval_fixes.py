"""Offline generator fixes found by the answer-quality eval (eval/), on data shaped unlike the
eval's own datasets (other names, other values) so the rules are checked, not the suite."""

from __future__ import annotations

import pytest

from codeinterp_codegen.domain.offline import ColumnInfo, InputInfo, OfflineRefusal, parse

# messy text: one column holds several spellings of the same value
SHOPS = InputInfo(
    "shops",
    "csv",
    [
        ColumnInfo("shop_no", "int"),
        ColumnInfo("town", "string"),
        ColumnInfo("tier", "string"),
        ColumnInfo("opened", "date"),
        ColumnInfo("turnover", "double"),
        ColumnInfo("staff", "int"),
    ],
    None,
    [
        [1, "Lyon", "Gold", "2021-04-01", 10.0, 3],
        [2, "lyon", "gold", "2022-01-15", 20.0, 5],
        [3, "LYON", "Silver", "2023-07-09", 5.0, 2],
        [4, "Nice", "Bronze", "2023-02-02", 7.5, 4],
    ],
)


def p(q):
    return parse(q, [SHOPS])


def f(plan):
    return [(x.column, x.op, x.value) for x in plan.filters]


def test_exact_spelling_wins_among_case_variants():
    assert f(p("total turnover where town is LYON")) == [("town", "==", "LYON")]
    assert f(p("total turnover where town is lyon")) == [("town", "==", "lyon")]
    assert f(p("total turnover where tier is Silver")) == [("tier", "==", "Silver")]
    # spelled unlike the sample ("nice" for "Nice"): the data may hold other spellings too, so the
    # value is compared case-insensitively, never replaced by the sample's spelling
    assert f(p("total turnover where town is nice")) == [("town", "eq_ci", "nice")]
    assert f(p("total turnover where town is nice or Grenoble")) == [("town", "in_ci", ["nice", "grenoble"])]
    assert f(p("count of rows where town is not nice")) == [("town", "ne_ci", "nice")]


@pytest.mark.parametrize("q", ["total turnover where town is lYoN", "total turnover in gOLD tier"])
def test_no_exact_spelling_among_variants_is_refused(q):
    with pytest.raises(OfflineRefusal, match="several spellings"):
        p(q)


@pytest.mark.parametrize("q", ["which town is the busiest", "which shop is the best", "town is a mystery"])
def test_an_article_never_introduces_an_unquoted_value(q):
    with pytest.raises(OfflineRefusal):
        p(q)


def test_unquoted_value_after_an_article_free_operator_still_works():
    assert f(p("total turnover where town is Grenoble")) == [("town", "==", "Grenoble")]


def test_dates_after_a_measure_filter_the_date_column():
    assert f(p("average turnover after 2023-01-31")) == [("opened", ">=", "2023-02-01")]
    assert f(p("total turnover before 2022-06-01")) == [("opened", "<", "2022-06-01")]
    assert f(p("total turnover after 2022")) == [("opened", ">=", "2023-01-01")]
    assert f(p("total turnover between 2022-01-01 and 2022-12-31")) == [
        ("opened", ">=", "2022-01-01"),
        ("opened", "<", "2023-01-01"),
    ]
    # numbers that are not years keep their meaning
    assert f(p("total staff where turnover over 2023")) == [("turnover", ">", 2023)]
    assert f(p("count of rows where turnover between 5 and 10")) == [("turnover", "between", [5, 10])]


def test_years_or_values_between_is_refused():
    with pytest.raises(OfflineRefusal, match="years or values"):
        p("total staff where turnover between 2020 and 2024")


def test_ordering_by_a_summed_measure_names_its_aggregate():
    plan = p("turnover by tier ordered by turnover descending")
    assert [(o.column, o.desc) for o in plan.order][0] == ("sum_turnover", True)


def test_a_list_may_continue_with_a_value_missing_from_the_sample():
    assert f(p("total turnover where town is one of Nice, Grenoble")) == [
        ("town", "in", ["Nice", "Grenoble"])
    ]
    # but not after 'and': an unknown word there is not silently made a value
    with pytest.raises(OfflineRefusal):
        p("total turnover where town is Nice and discounted")


CLIENTS = InputInfo(
    "clients",
    "csv",
    [ColumnInfo("client_id", "int"), ColumnInfo("label", "string"), ColumnInfo("segment", "string")],
    None,
    [[1, "A", "x"]],
)
BOOKINGS = InputInfo(
    "bookings",
    "csv",
    [
        ColumnInfo("booking_id", "int"),
        ColumnInfo("client_id", "int"),
        ColumnInfo("room_id", "int"),
        ColumnInfo("nights", "int"),
        ColumnInfo("price", "double"),
    ],
    None,
    [[1, 1, 1, 2, 90.0]],
)
ROOMS = InputInfo(
    "rooms",
    "csv",
    [ColumnInfo("room_id", "int"), ColumnInfo("kind", "string"), ColumnInfo("floor", "int")],
    None,
    [[1, "suite", 2]],
)


def test_an_input_that_answers_alone_beats_a_join():
    plan = parse("average price per client", [CLIENTS, BOOKINGS, ROOMS])
    assert plan.join is None and plan.source == "bookings" and plan.group_by == ["client_id"]


def test_an_exact_column_beats_a_synonym_across_inputs():
    # 'segment' is a clients column, and a synonym of rooms.kind: the exact match wins
    plan = parse("total nights by segment", [CLIENTS, BOOKINGS, ROOMS])
    assert plan.join is not None and plan.join.right == "clients" and plan.group_by == ["segment"]
    # two inputs matching equally well stay ambiguous
    other = InputInfo(
        "agents", "csv", [ColumnInfo("agent_id", "int"), ColumnInfo("segment", "string")], None, [[1, "x"]]
    )
    with pytest.raises(OfflineRefusal):
        parse("list distinct segment", [CLIENTS, other])


def test_singular_and_plural_of_ie_words_meet():
    films = InputInfo(
        "films", "csv", [ColumnInfo("catégorie", "string"), ColumnInfo("durée", "int")], None, [["x", 1]]
    )
    assert parse("list distinct catégories", [films]).select == ["catégorie"]


@pytest.mark.parametrize("q", ["what is the turnover of Nice", "turnover for Gold", "show me turnover"])
def test_a_bare_measure_without_total_or_listing_is_refused(q):
    with pytest.raises(OfflineRefusal, match="total"):
        p(q)


def test_listing_a_measure_is_still_a_projection():
    plan = p("list turnover where staff > 3")
    assert plan.kind == "rows" and plan.select == ["turnover"]


def test_counting_the_inputs_entities_counts_its_id():
    readings = InputInfo(
        "meters",
        "csv",
        [ColumnInfo("meter_id", "string"), ColumnInfo("read_at", "timestamp"), ColumnInfo("kwh", "double")],
        None,
        [["M1", "2024-01-01 00:00:00", 1.5], ["M1", "2024-01-01 01:00:00", 1.7]],
    )
    for q in ("how many meters", "number of meters"):
        (a,) = parse(q, [readings]).aggregates
        assert (a.func, a.column, a.alias) == ("count_distinct", "meter_id", "count")
    (a,) = parse("how many rows", [readings]).aggregates
    assert a.func == "count_rows"
    # shop_no is the shops' own key: its distinct values are the shops
    (a,) = parse("how many shops", [SHOPS]).aggregates
    assert (a.func, a.column) == ("count_distinct", "shop_no")
    # no id column named after the input: its rows are what is counted
    visits = InputInfo(
        "visits",
        "csv",
        [ColumnInfo("town", "string"), ColumnInfo("day", "date")],
        None,
        [["a", "2024-01-01"]],
    )
    (a,) = parse("how many visits", [visits]).aggregates
    assert a.func == "count_rows"


def test_a_null_check_written_before_its_column_applies_to_that_column():
    assert f(p("shops with no town")) == [("town", "is_null", None)]
    assert f(p("total turnover for shops without tier")) == [("tier", "is_null", None)]
    assert f(p("shops that have a town")) == [("town", "not_null", None)]
    assert f(p("shops where town is missing")) == [("town", "is_null", None)]


def test_no_before_a_number_column_is_empty_or_zero_and_refused():
    with pytest.raises(OfflineRefusal, match="empty or zero"):
        p("shops with no staff")
    assert f(p("shops with missing staff")) == [("staff", "is_null", None)]

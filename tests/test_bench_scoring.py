"""The bench's scorer: answer lines, numbers and tolerances, values, sets, DABench's @name[value]."""

from __future__ import annotations

import pytest

from jupyter_code_interp.bench.scoring import (
    answer_of,
    dabench_answers,
    dabench_equal,
    judge,
    parse_number,
)
from jupyter_code_interp.bench.tasks import Check

TWO_DECIMALS = Check("number", 12.35, 0.01)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("The total is large.\nAnswer: 1,234.5", "1,234.5"),
        ("**Answer:** `East`.", "East"),
        ("**Answer**: 42", "42"),
        ("计算完成。\n答案：上海。", "上海"),
        ("答案: 12", "12"),
        ("Final answer: 7\n", "7"),
        ("Answer: 1\nlater thoughts\nAnswer: 2", "2"),  # the last answer line counts
        ("Shanghai", "Shanghai"),  # a one-line reply is the answer
        ("  “North”  ", "North"),
    ],
)
def test_the_answer_is_read_from_the_last_answer_line(reply: str, expected: str) -> None:
    assert answer_of(reply) == expected


def test_a_long_reply_without_an_answer_line_has_no_answer() -> None:
    reply = "I looked at the data.\nThe value is probably 240 or so."
    assert answer_of(reply) is None
    verdict = judge(Check("number", 240, 0), reply)
    assert not verdict.solved and verdict.answer is None
    assert verdict.detail == "no `Answer:` line"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1,234.5", 1234.5),
        ("1,234,567.89 yuan", 1234567.89),
        ("-3.5", -3.5),
        ("\u22123.5", -3.5),  # U+2212 MINUS SIGN
        ("１２３．５", 123.5),  # full-width digits and point
        ("27.08%", 27.08),  # the percent sign is dropped, not applied
        ("约 12.3 万", 123000.0),
        ("约12.3万元", 123000.0),
        ("2.5亿", 250000000.0),
        ("1.2e3", 1200.0),
        ("about 42 orders (out of 240)", 42.0),  # the first number is the answer
        ("no digits here", None),
        ("1,23", None),  # a decimal comma is not read as anything
        ("Q2", None),  # digits inside a word are not a number
    ],
)
def test_numbers_in_the_forms_supported(text: str, value: float | None) -> None:
    parsed = parse_number(text)
    assert parsed == pytest.approx(value) if value is not None else parsed is None


@pytest.mark.parametrize(
    ("answer", "solved"),
    [("12.35", True), ("12.34", True), ("12.36", True), ("12.346", True), ("12.33", False)],
)
def test_numbers_are_accepted_within_one_unit_of_the_last_decimal(
    answer: str, solved: bool
) -> None:
    assert judge(TWO_DECIMALS, f"Answer: {answer}").solved is solved


def test_whole_numbers_must_be_exact_and_the_detail_names_the_expected_value() -> None:
    count = Check("number", 240, 0.0)
    assert judge(count, "Answer: 240").solved
    assert judge(count, "答案：240 条").solved
    wrong = judge(count, "Answer: 241")
    assert not wrong.solved and wrong.answer == "241" and wrong.detail == "expected 240"
    words = judge(count, "Answer: many")
    assert not words.solved and words.detail == "no number in the answer"


def test_text_values_match_exactly_up_to_case_quotes_and_a_final_stop() -> None:
    region = Check("text", "North")
    assert judge(region, "Answer: north.").solved
    assert judge(region, "Answer: `North`").solved
    assert not judge(region, "Answer: North region").solved
    province = Check("text", "上海")
    assert judge(province, "答案：上海。").solved
    assert not judge(province, "答案：上海市").solved


def test_sets_ignore_order_and_separators_but_not_missing_or_extra_values() -> None:
    categories = Check("set", ["Books", "Electronics", "Home"])
    assert judge(categories, "Answer: Home, Books, Electronics").solved
    assert judge(categories, "Answer: Home、Books、electronics").solved
    assert judge(categories, "Answer: Home, Books and Electronics").solved
    assert not judge(categories, "Answer: Home, Books").solved
    assert not judge(categories, "Answer: Home, Books, Electronics, Toys").solved


def test_dabench_answers_are_found_as_the_benchmark_finds_them() -> None:
    reply = "The mean is @mean_fare[34.65] and @count[3], then again @count[4]."
    assert dabench_answers(reply) == {"mean_fare": "34.65", "count": "4"}  # the last one wins
    assert dabench_answers("no answers") == {}


@pytest.mark.parametrize(
    ("response", "label", "equal"),
    [
        ("0.21", "0.21", True),
        ("0.210", "0.21", True),  # both parse as the same float
        (" 0.21", "0.21", True),  # float() ignores the spaces, as in the benchmark
        ("0.2100001", "0.21", True),  # 1e-7 apart: under the benchmark's 1e-6
        ("0.211", "0.21", False),
        ("Yes", "Yes", True),
        ("yes", "Yes", False),  # the benchmark compares strings exactly
        (None, "Yes", False),
    ],
)
def test_dabench_equality_is_the_benchmarks(response: str | None, label: str, equal: bool) -> None:
    assert dabench_equal(response, label) is equal


def test_dabench_partial_answers_score_the_share_of_right_sub_answers() -> None:
    labels = Check("dabench", [["max_conversion", "0.15"], ["best_day", "6"]])
    both = judge(labels, "@max_conversion[0.15], @best_day[6]")
    assert both.solved and both.score == 1.0
    half = judge(labels, "@max_conversion[0.15], @best_day[5]")
    assert not half.solved and half.score == 0.5
    assert half.detail == "best_day: expected 6"
    assert half.answer == "@max_conversion[0.15] @best_day[5]"
    none = judge(labels, "The best day was 6.")
    assert not none.solved and none.score == 0.0 and none.answer is None

"""The built-in tasks: deterministic data, answers that pandas agrees with, a tasks reader that
reports bad lines with their numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from jupyter_code_interp.bench.builtin import builtin_tasks, summary, write_builtin
from jupyter_code_interp.bench.datasets import make_datasets
from jupyter_code_interp.bench.scoring import judge
from jupyter_code_interp.bench.tasks import read_tasks


def _revenue(sales: pd.DataFrame) -> pd.Series:
    """quantity × unit_price, NaN where either is missing."""
    return sales["quantity"] * sales["unit_price"]


def _solutions(folder: Path) -> dict[str, Callable[[], object]]:
    """Every built-in question answered again with pandas, from the files on disk."""
    sales = pd.read_csv(folder / "sales.csv", parse_dates=["order_date"])
    sales["revenue"] = _revenue(sales)
    customers = pd.read_csv(folder / "customers.csv", parse_dates=["signup_date"])
    joined = sales.merge(customers, on="customer_id")
    gdp = pd.read_csv(folder / "gdp_provinces.csv", encoding="gbk")
    gdp_wide = gdp.pivot(index="省份", columns="年份", values="GDP（亿元）")
    y23 = gdp[gdp["年份"] == 2023]
    traffic = pd.read_csv(folder / "traffic.csv", parse_dates=["date"])
    book = pd.read_excel(folder / "inventory.xlsx", sheet_name=None)
    stock, prices = book["Stock"], book["Prices"]
    priced = stock.merge(prices, on="sku")
    priced["margin"] = (priced["price"] - priced["unit_cost"]) * priced["qty"]
    quarter = sales.assign(q=sales["order_date"].dt.quarter)
    by_quarter = quarter.pivot_table(index="category", columns="q", values="revenue", aggfunc="sum")
    filled = sales["quantity"].fillna(sales.groupby("category")["quantity"].transform("median"))
    region_growth = gdp.pivot_table(
        index="地区", columns="年份", values="GDP（亿元）", aggfunc="sum"
    )
    years = traffic.groupby(traffic["date"].dt.year)["visits"].sum()
    return {
        "sales-rows": lambda: len(sales),
        "sales-missing-price": lambda: sales["unit_price"].isna().sum(),
        "sales-categories": lambda: sales["category"].nunique(),
        "sales-missing-any": lambda: sales["revenue"].isna().sum(),
        "sales-max-price": lambda: sales["unit_price"].max(),
        "sales-revenue": lambda: sales["revenue"].sum(),
        "sales-top-region": lambda: sales["region"].value_counts().idxmax(),
        "sales-top-month": lambda: (
            sales.groupby(sales["order_date"].dt.strftime("%Y-%m"))["revenue"].sum().idxmax()
        ),
        "sales-mean-quantity": lambda: sales[sales.category == "Electronics"].quantity.mean(),
        "sales-median-price": lambda: sales.groupby("category")["unit_price"].median().idxmax(),
        "sales-filled-quantity": lambda: filled.sum(),
        "sales-q2-growth": lambda: ", ".join(by_quarter[by_quarter[2] > by_quarter[1]].index),
        "sales-weekend-share": lambda: 100 * (sales.order_date.dt.day_of_week >= 5).mean(),
        "customers-2022": lambda: (customers["signup_date"].dt.year == 2022).sum(),
        "join-orphans": lambda: (~sales["customer_id"].isin(customers["customer_id"])).sum(),
        "join-corporate-revenue": lambda: joined[joined.segment == "Corporate"].revenue.sum(),
        "join-active-customers": lambda: joined["customer_id"].nunique(),
        "join-top-city": lambda: joined.groupby("city")["revenue"].sum().idxmax(),
        "join-segment-average": lambda: joined.groupby("segment")["revenue"].mean().idxmax(),
        "join-top-customer": lambda: joined.groupby("name")["revenue"].sum().idxmax(),
        "gdp-provinces": lambda: gdp["省份"].nunique(),
        "gdp-top-2023": lambda: y23.loc[y23["GDP（亿元）"].idxmax(), "省份"],
        "gdp-over-30000": lambda: ((gdp["年份"] == 2020) & (gdp["GDP（亿元）"] > 30000)).sum(),
        "gdp-east-sum": lambda: y23[y23["地区"] == "东部"]["GDP（亿元）"].sum(),
        "gdp-per-capita": lambda: y23.loc[
            (y23["GDP（亿元）"] / y23["常住人口（万人）"]).idxmax(), "省份"
        ],
        "gdp-central-2021": lambda: gdp[(gdp["年份"] == 2021) & (gdp["地区"] == "中部")][
            "GDP（亿元）"
        ].mean(),
        "gdp-cagr": lambda: ((gdp_wide[2023] / gdp_wide[2019]) ** 0.25 - 1).idxmax(),
        "gdp-grew-every-year": lambda: "、".join(
            gdp_wide.index[(gdp_wide.diff(axis=1).iloc[:, 1:] > 0).all(axis=1)]
        ),
        "gdp-region-growth": lambda: (region_growth[2023] / region_growth[2019]).idxmax(),
        "ts-rows": lambda: len(traffic),
        "ts-max-day": lambda: traffic.loc[traffic["visits"].idxmax(), "date"].strftime("%Y-%m-%d"),
        "ts-cold-days": lambda: (traffic["temperature"] < 0).sum(),
        "ts-missing-days": lambda: len(
            pd.date_range(traffic.date.min(), traffic.date.max()).difference(traffic.date)
        ),
        "ts-march-mean": lambda: traffic[
            traffic.date.dt.strftime("%Y-%m") == "2023-03"
        ].visits.mean(),
        "ts-best-month": lambda: (
            traffic.groupby(traffic.date.dt.strftime("%Y-%m"))["visits"].sum().idxmax()
        ),
        "ts-growth": lambda: 100 * (years[2023] / years[2022] - 1),
        "ts-weekday": lambda: traffic.groupby(traffic.date.dt.day_name())["visits"].mean().idxmax(),
        "ts-correlation": lambda: traffic["visits"].corr(traffic["temperature"]),
        "xlsx-rows": lambda: len(stock),
        "xlsx-sheets": lambda: len(book),
        "xlsx-shanghai-value": lambda: (stock.qty * stock.unit_cost)[
            stock.warehouse == "Shanghai"
        ].sum(),
        "xlsx-low-stock": lambda: ", ".join(stock[stock["qty"] < 10]["sku"]),
        "xlsx-unpriced": lambda: (~stock["sku"].isin(prices["sku"])).sum(),
        "xlsx-beijing-price": lambda: priced[priced.warehouse == "Beijing"].price.mean(),
        "xlsx-best-margin": lambda: priced.loc[priced["margin"].idxmax(), "sku"],
        "xlsx-warehouse-margin": lambda: priced.groupby("warehouse")["margin"].sum().idxmax(),
    }


@pytest.fixture(scope="module")
def builtin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in tasks and their data, written once for this module."""
    folder = tmp_path_factory.mktemp("builtin")
    write_builtin(folder)
    return folder


def test_every_answer_is_the_one_pandas_computes_from_the_files(builtin: Path) -> None:
    tasks, problems = read_tasks(builtin / "tasks.jsonl")
    assert problems == []
    solutions = _solutions(builtin)
    assert sorted(solutions) == sorted(task.id for task in tasks)
    wrong = {}
    for task in tasks:
        answer = solutions[task.id]()
        verdict = judge(task.check, f"Answer: {answer}")
        if not verdict.solved:
            wrong[task.id] = (answer, task.check.expected)
    assert wrong == {}


def test_at_least_40_tasks_in_both_languages_at_every_level(builtin: Path) -> None:
    tasks, _ = read_tasks(builtin / "tasks.jsonl")
    counts = summary(tasks)
    assert counts["tasks"] >= 40
    assert min(counts["language"]["en"], counts["language"]["zh"]) >= 20
    assert set(counts["level"]) == {"easy", "medium", "hard"}
    assert min(counts["level"].values()) >= 10
    for task in tasks:
        # The answer format is part of every question.
        line = "`Answer: <your answer>`" if task.language == "en" else "`答案：<你的答案>`"
        assert line in task.question, task.id
    kinds = {task.check.kind for task in tasks}
    assert kinds == {"number", "text", "set"}


def test_the_first_tasks_mix_files_levels_and_languages(builtin: Path) -> None:
    tasks, _ = read_tasks(builtin / "tasks.jsonl")
    first = tasks[:15]  # what `--limit 15` runs
    assert {task.level for task in first} == {"easy", "medium", "hard"}
    assert {task.language for task in first} == {"en", "zh"}
    assert {name for task in first for name in task.files} == {
        "sales.csv",
        "customers.csv",
        "gdp_provinces.csv",
        "traffic.csv",
        "inventory.xlsx",
    }


def test_the_gdp_table_is_gbk_with_chinese_headers(builtin: Path) -> None:
    raw = (builtin / "gdp_provinces.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").splitlines()[0] == "省份,地区,年份,GDP（亿元）,常住人口（万人）"


def test_the_same_seed_gives_the_same_files_and_answers(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_builtin(first, seed=7)
    write_builtin(second, seed=7)
    write_builtin(other, seed=8)
    names = sorted(path.name for path in first.iterdir())
    assert names == [
        "customers.csv",
        "gdp_provinces.csv",
        "inventory.xlsx",
        "sales.csv",
        "tasks.jsonl",
        "traffic.csv",
    ]
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    for name in names:
        assert (first / name).read_bytes() != (other / name).read_bytes(), name
    assert make_datasets(7).sales == make_datasets(7).sales


def test_tasks_generated_in_memory_equal_the_tasks_file(builtin: Path, tmp_path: Path) -> None:
    from_file, _ = read_tasks(builtin / "tasks.jsonl")
    assert builtin_tasks(tmp_path) == from_file  # the folder does not take part in equality


def test_bad_task_lines_are_reported_with_their_numbers_and_skipped(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a\n1\n", encoding="utf-8")
    good = {
        "id": "ok",
        "question": "How many rows?",
        "language": "en",
        "level": "easy",
        "files": ["data.csv"],
        "check": {"kind": "number", "expected": 1},
    }
    lines = [
        json.dumps(good),
        '{"id": "broken", ',
        json.dumps({**good, "id": "extra", "weight": 2}),
        json.dumps({key: value for key, value in good.items() if key != "question"}),
        json.dumps({**good, "id": "nofile", "files": ["missing.csv"]}),
        json.dumps({**good, "id": "kind", "check": {"kind": "regex", "expected": "x"}}),
        "",
        json.dumps({**good, "id": "level", "level": "expert"}),
        json.dumps({**good, "id": "folder", "files": ["."]}),
        json.dumps({**good, "id": "climb", "files": ["../data.csv"]}),
        json.dumps(good),
        json.dumps({**good, "id": "second"}),
    ]
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tasks, problems = read_tasks(path)
    assert [task.id for task in tasks] == ["ok", "second"]
    assert [(problem.line, problem.message) for problem in problems] == [
        (2, ("not valid JSON (Expecting property name enclosed in double quotes at column 17); "
            "skipped")),
        (3, "unknown field weight; skipped"),
        (4, "missing field question; skipped"),
        (5, "data file missing.csv does not exist; skipped"),
        (6, "check kind 'regex' is not one of number, text, set, dabench; skipped"),
        (8, "level 'expert' is not one of easy, medium, hard; skipped"),
        (9, "data file . is not a file; skipped"),
        (10, "data file ../data.csv must be relative to the tasks file, without '..'; skipped"),
        (11, "task id ok is used twice; skipped"),
    ]  # fmt: skip
    assert str(problems[0]).startswith("tasks.jsonl:2: not valid JSON")


def test_a_missing_or_undecodable_tasks_file_is_one_problem(tmp_path: Path) -> None:
    tasks, problems = read_tasks(tmp_path / "nope.jsonl")
    assert tasks == [] and [p.message for p in problems] == ["the tasks file does not exist"]
    path = tmp_path / "latin.jsonl"
    path.write_bytes(b'{"id": "caf\xe9"}\n')
    tasks, problems = read_tasks(path)
    assert tasks == [] and problems[0].line == 1 and "not UTF-8" in problems[0].message

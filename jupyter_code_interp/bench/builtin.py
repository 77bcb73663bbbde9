"""The built-in bench: closed-form questions over the generated data, in English and Chinese.

The questions (id, language, level, files, text) are in `questions.json`, in an order where any
first N (`--limit N`) mixes the data files, levels and languages; the answers are computed
here, in plain Python, from the rows `datasets.py` parsed back from the files it wrote
(tests/test_bench_tasks.py computes every one again with pandas from the files). The answer
format is added to each question, with a last line `Answer: <value>` (`答案：<值>`) for the scorer.
"""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .datasets import DEFAULT_SEED, GDP_YEARS, Datasets, make_datasets
from .tasks import Check, Task, write_tasks

QUESTIONS = Path(__file__).with_name("questions.json")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ANSWER_LINE = {
    "en": "End your reply with a last line of the form `Answer: <your answer>`.",
    "zh": "回复的最后一行写成 `答案：<你的答案>` 的形式。",
}
FORMATS = {
    ("en", "integer"): "Answer with a whole number.",
    ("zh", "integer"): "只回答一个整数。",
    ("en", "decimals"): "Answer with the number only, rounded to {decimals} decimals.",
    ("zh", "decimals"): "只回答数字，保留{decimals}位小数。",
    ("en", "text"): "Answer with the value only, written exactly as in the data.",
    ("zh", "text"): "只回答这个值，写法与数据中完全一致。",
    ("en", "set"): "Answer with the values separated by commas, in any order.",
    ("zh", "set"): "只回答这些值，用逗号分隔，顺序不限。",
}


class AmbiguousAnswer(ValueError):
    """Two candidates tie for a "which one" question: the seed makes a task without one answer."""


def top(scores: Mapping[str, float]) -> str:
    """The key with the highest score; AmbiguousAnswer when the best two (nearly) tie."""
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) > 1 and abs(ranked[0][1] - ranked[1][1]) <= 1e-6 * max(1.0, abs(ranked[0][1])):
        raise AmbiguousAnswer(f"{ranked[0][0]} and {ranked[1][0]} tie at {ranked[0][1]}")
    return ranked[0][0]


def sums(pairs: Iterable[tuple[str, float | None]]) -> dict[str, float]:
    """Totals per key, missing values left out (as pandas' sum does)."""
    totals: dict[str, float] = defaultdict(float)
    for key, value in pairs:
        if value is not None:
            totals[key] += value
    return dict(totals)


def groups(pairs: Iterable[tuple[str, float | None]]) -> dict[str, list[float]]:
    """Values per key, missing values left out."""
    found: dict[str, list[float]] = defaultdict(list)
    for key, value in pairs:
        if value is not None:
            found[key].append(value)
    return dict(found)


def means(pairs: Iterable[tuple[str, float | None]]) -> dict[str, float]:
    """Mean per key, missing values left out."""
    return {key: statistics.fmean(values) for key, values in groups(pairs).items()}


def number(value: float, decimals: int = 0) -> Check:
    """A number rounded to `decimals`, accepted within one unit of its last decimal."""
    if decimals == 0:
        return Check("number", round(value), 0.0)
    return Check("number", round(value, decimals), 10.0**-decimals)


def text(value: str) -> Check:
    """An exact value."""
    return Check("text", value)


def values(items: Iterable[str]) -> Check:
    """A set of values, in any order."""
    return Check("set", sorted(items))


def _sales_answers(data: Datasets) -> dict[str, Check]:
    """Orders: missing values, dates, categories."""
    sales = data.sales
    prices = groups((row["category"], row["unit_price"]) for row in sales)
    quantities = groups((row["category"], row["quantity"]) for row in sales)
    quantity_medians = {name: statistics.median(found) for name, found in quantities.items()}
    filled = sum(
        quantity_medians[row["category"]] if row["quantity"] is None else row["quantity"]
        for row in sales
    )
    quarters = {
        quarter: sums((r["category"], r["revenue"]) for r in sales if r["date"].month in months)
        for quarter, months in (("Q1", (1, 2, 3)), ("Q2", (4, 5, 6)))
    }
    grew = [name for name in prices if quarters["Q2"].get(name, 0) > quarters["Q1"].get(name, 0)]
    weekend = sum(row["date"].weekday() >= 5 for row in sales)
    highest = max(row["unit_price"] for row in sales if row["unit_price"] is not None)
    return {
        "sales-rows": number(len(sales)),
        "sales-missing-price": number(sum(row["unit_price"] is None for row in sales)),
        "sales-categories": number(len({row["category"] for row in sales})),
        "sales-missing-any": number(sum(row["revenue"] is None for row in sales)),
        "sales-max-price": number(highest, 2),
        "sales-revenue": number(sum(r["revenue"] for r in sales if r["revenue"] is not None), 2),
        "sales-top-region": text(top(Counter(row["region"] for row in sales))),
        "sales-top-month": text(top(sums((r["order_date"][:7], r["revenue"]) for r in sales))),
        "sales-mean-quantity": number(statistics.fmean(quantities["Electronics"]), 2),
        "sales-median-price": text(top({k: statistics.median(v) for k, v in prices.items()})),
        "sales-filled-quantity": number(filled, 2),
        "sales-q2-growth": values(grew),
        "sales-weekend-share": number(100 * weekend / len(sales), 2),
    }


def _join_answers(data: Datasets) -> dict[str, Check]:
    """Orders joined to customers."""
    customers = {row["customer_id"]: row for row in data.customers}
    joined = [(o, customers[o["customer_id"]]) for o in data.sales if o["customer_id"] in customers]
    corporate = sum(o["revenue"] or 0 for o, c in joined if c["segment"] == "Corporate")
    return {
        "customers-2022": number(sum(r["signup_date"][:4] == "2022" for r in data.customers)),
        "join-orphans": number(sum(r["customer_id"] not in customers for r in data.sales)),
        "join-corporate-revenue": number(corporate, 2),
        "join-active-customers": number(len({c["customer_id"] for _, c in joined})),
        "join-top-city": text(top(sums((c["city"], o["revenue"]) for o, c in joined))),
        "join-segment-average": text(top(means((c["segment"], o["revenue"]) for o, c in joined))),
        "join-top-customer": text(top(sums((c["name"], o["revenue"]) for o, c in joined))),
    }


def _gdp_answers(data: Datasets) -> dict[str, Check]:
    """The GBK-encoded provincial GDP table."""
    rows = data.gdp
    first, last = GDP_YEARS[0], GDP_YEARS[-1]
    gdp = {(row["province"], row["year"]): row["gdp"] for row in rows}
    provinces = list(dict.fromkeys(row["province"] for row in rows))
    latest = [row for row in rows if row["year"] == last]
    growth = {p: (gdp[p, last] / gdp[p, first]) ** 0.25 - 1 for p in provinces}
    grew = [p for p in provinces if all(gdp[p, y] > gdp[p, y - 1] for y in GDP_YEARS[1:])]
    by_region = sums((f"{r['region']}|{r['year']}", r["gdp"]) for r in rows)
    regions = {r["region"] for r in rows}
    central = [r["gdp"] for r in rows if r["year"] == 2021 and r["region"] == "中部"]
    return {
        "gdp-provinces": number(len(provinces)),
        "gdp-top-2023": text(top({row["province"]: row["gdp"] for row in latest})),
        "gdp-over-30000": number(sum(r["year"] == 2020 and r["gdp"] > 30000 for r in rows)),
        "gdp-east-sum": number(sum(r["gdp"] for r in latest if r["region"] == "东部"), 2),
        "gdp-per-capita": text(top({r["province"]: r["gdp"] / r["population"] for r in latest})),
        "gdp-central-2021": number(statistics.fmean(central), 2),
        "gdp-cagr": text(top(growth)),
        "gdp-grew-every-year": values(grew),
        "gdp-region-growth": text(
            top({g: by_region[f"{g}|{last}"] / by_region[f"{g}|{first}"] for g in regions})
        ),
    }


def _traffic_answers(data: Datasets) -> dict[str, Check]:
    """The daily time series."""
    rows = data.traffic
    span = (rows[-1]["date"] - rows[0]["date"]).days + 1
    march = [row["visits"] for row in rows if row["date"].strftime("%Y-%m") == "2023-03"]
    years = sums((str(row["date"].year), row["visits"]) for row in rows)
    visits = [float(row["visits"]) for row in rows]
    correlation = statistics.correlation(visits, [row["temperature"] for row in rows])
    return {
        "ts-rows": number(len(rows)),
        "ts-max-day": text(top({row["date"].isoformat(): row["visits"] for row in rows})),
        "ts-cold-days": number(sum(row["temperature"] < 0 for row in rows)),
        "ts-missing-days": number(span - len(rows)),
        "ts-march-mean": number(statistics.fmean(march), 2),
        "ts-best-month": text(top(sums((r["date"].strftime("%Y-%m"), r["visits"]) for r in rows))),
        "ts-growth": number(100 * (years["2023"] / years["2022"] - 1), 2),
        "ts-weekday": text(top(means((WEEKDAYS[r["date"].weekday()], r["visits"]) for r in rows))),
        "ts-correlation": number(correlation, 3),
    }


def _excel_answers(data: Datasets) -> dict[str, Check]:
    """The Excel workbook with two sheets."""
    stock, prices = data.stock, {row["sku"]: row["price"] for row in data.prices}
    priced = [row for row in stock if row["sku"] in prices]
    margins = {r["sku"]: (prices[r["sku"]] - r["unit_cost"]) * r["qty"] for r in priced}
    shanghai = sum(r["qty"] * r["unit_cost"] for r in stock if r["warehouse"] == "Shanghai")
    beijing = [prices[r["sku"]] for r in priced if r["warehouse"] == "Beijing"]
    return {
        "xlsx-rows": number(len(stock)),
        "xlsx-sheets": number(2),
        "xlsx-shanghai-value": number(shanghai, 2),
        "xlsx-low-stock": values(row["sku"] for row in stock if row["qty"] < 10),
        "xlsx-unpriced": number(len(stock) - len(priced)),
        "xlsx-beijing-price": number(statistics.fmean(beijing), 2),
        "xlsx-best-margin": text(top(margins)),
        "xlsx-warehouse-margin": text(
            top(sums((r["warehouse"], margins[r["sku"]]) for r in priced))
        ),
    }


def answers(data: Datasets) -> dict[str, Check]:
    """The check of every built-in question, by id."""
    found: dict[str, Check] = {}
    for part in (_sales_answers, _join_answers, _gdp_answers, _traffic_answers, _excel_answers):
        found.update(part(data))
    return found


def question_text(question: str, language: str, check: Check) -> str:
    """The question with its answer format and the answer line the scorer reads."""
    if check.kind == "number":
        shape = "decimals" if check.tolerance else "integer"
    else:
        shape = check.kind
    decimals = round(-math.log10(check.tolerance)) if check.tolerance else 0
    wording = FORMATS[(language, shape)].format(decimals=decimals)
    space = " " if language == "en" else ""
    return f"{question}{space}{wording}{space}{ANSWER_LINE[language]}"


def builtin_tasks(folder: Path, seed: int = DEFAULT_SEED) -> list[Task]:
    """Write the data files for `seed` into `folder` and return the tasks over them."""
    data = make_datasets(seed)
    data.write(folder)
    checks = answers(data)
    tasks = []
    for item in json.loads(QUESTIONS.read_text(encoding="utf-8")):
        check = checks[item["id"]]
        question = question_text(item["question"], item["language"], check)
        files = tuple(item["files"])
        level = item["level"]
        tasks.append(Task(item["id"], question, item["language"], level, files, check, folder))
    return tasks


def write_builtin(folder: Path, seed: int = DEFAULT_SEED) -> Path:
    """The data files and their `tasks.jsonl` in `folder`; returns the tasks file."""
    path = folder / "tasks.jsonl"
    write_tasks(builtin_tasks(folder, seed), path)
    return path


def summary(tasks: list[Task]) -> dict[str, Any]:
    """How many tasks per language and level (for docs and tests)."""
    return {
        "tasks": len(tasks),
        "language": dict(Counter(task.language for task in tasks)),
        "level": dict(Counter(task.level for task in tasks)),
    }

"""The data files of the built-in tasks, made by a seeded generator (stdlib and openpyxl only).

The same seed gives byte-identical files. Every value is written as text first and the answers
are computed from the parsed text (not from the numbers before writing), so they agree with what
pandas reads. The figures are synthetic; the province names are real, their numbers are not.

Files: `sales.csv` (orders with missing quantities and prices, dates, categories),
`customers.csv` (joined to the orders by customer_id, some orders have no customer),
`gdp_provinces.csv` (GBK-encoded, Chinese headers), `traffic.csv` (a daily time series with
missing days) and `inventory.xlsx` (two sheets to join).
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DEFAULT_SEED = 2024
REGIONS = {"North": 0.34, "South": 0.27, "East": 0.23, "West": 0.16}
CATEGORIES = {
    "Electronics": (80.0, 900.0),
    "Clothing": (15.0, 160.0),
    "Home": (20.0, 400.0),
    "Toys": (8.0, 120.0),
    "Books": (6.0, 70.0),
}
SEGMENTS = ("Consumer", "Corporate", "Small Business")
CITIES = ("Beijing", "Shanghai", "Guangzhou", "Shenzhen", "Chengdu", "Hangzhou")
FAMILY = ("Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu")
GIVEN = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jun", "Xin", "Hui", "Tao")
PROVINCES = {
    "东部": (
        "北京", "天津", "河北", "上海", "江苏", "浙江", "福建", "山东", "广东", "海南",
    ),
    "中部": ("山西", "安徽", "江西", "河南", "湖北", "湖南"),
    "西部": (
        "内蒙古", "广西", "重庆", "四川", "贵州", "云南", "西藏", "陕西", "甘肃", "青海",
        "宁夏", "新疆",
    ),
    "东北": ("辽宁", "吉林", "黑龙江"),
}  # fmt: skip
GDP_YEARS = tuple(range(2019, 2024))
GDP_HEADER = ("省份", "地区", "年份", "GDP（亿元）", "常住人口（万人）")
WAREHOUSES = ("Shanghai", "Beijing", "Shenzhen")
PRODUCTS = ("Kettle", "Lamp", "Chair", "Desk", "Fan", "Heater", "Mug", "Pan", "Rug", "Shelf")
FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
"""Every entry of the Excel file gets this time, so the same seed gives the same bytes."""


def _number(text: str) -> float | None:
    """A cell as pandas reads it: empty is missing, else a float."""
    return float(text) if text.strip() else None


@dataclass
class Datasets:
    """The rows of every data file, parsed back from the text that was written."""

    sales: list[dict[str, Any]] = field(default_factory=list)
    customers: list[dict[str, Any]] = field(default_factory=list)
    gdp: list[dict[str, Any]] = field(default_factory=list)
    traffic: list[dict[str, Any]] = field(default_factory=list)
    stock: list[dict[str, Any]] = field(default_factory=list)
    prices: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    """File name → the exact bytes to write."""

    def write(self, folder: Path) -> None:
        """Write every file into `folder` (created if needed)."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in self.files.items():
            (folder / name).write_bytes(data)


def _csv_text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """CSV text with `\\n` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _name(rng: random.Random, taken: set[str]) -> str:
    """A customer name not used yet."""
    while True:
        name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        if name not in taken:
            taken.add(name)
            return name


def _customers(rng: random.Random, data: Datasets, count: int = 60) -> None:
    """customers.csv: id, name, city, segment, signup date (2020–2023)."""
    taken: set[str] = set()
    rows = []
    for number in range(1, count + 1):
        signup = date(2020, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        rows.append(
            (
                f"C{number:03d}",
                _name(rng, taken),
                rng.choice(CITIES),
                rng.choices(SEGMENTS, weights=(5, 3, 2))[0],
                signup.isoformat(),
            )
        )
    header = ("customer_id", "name", "city", "segment", "signup_date")
    data.files["customers.csv"] = _csv_text(header, rows).encode("utf-8")
    data.customers = [dict(zip(header, row)) for row in rows]


def _sales(rng: random.Random, data: Datasets, count: int = 240) -> None:
    """sales.csv: orders of 2023 with missing quantities/prices and some unknown customers."""
    rows = []
    for number in range(1, count + 1):
        day = date(2023, 1, 1) + timedelta(days=rng.randrange(365))
        category = rng.choice(list(CATEGORIES))
        low, high = CATEGORIES[category]
        known = rng.random() > 0.04
        customer = rng.randrange(1, 61) if known else rng.randrange(61, 66)
        quantity = "" if rng.random() < 0.06 else str(rng.randint(1, 12))
        price = "" if rng.random() < 0.05 else f"{rng.uniform(low, high):.2f}"
        region = rng.choices(list(REGIONS), weights=list(REGIONS.values()))[0]
        rows.append(
            (
                f"O{number:04d}",
                day.isoformat(),
                region,
                category,
                f"C{customer:03d}",
                quantity,
                price,
            )
        )
    header = (
        "order_id",
        "order_date",
        "region",
        "category",
        "customer_id",
        "quantity",
        "unit_price",
    )
    data.files["sales.csv"] = _csv_text(header, rows).encode("utf-8")
    for row in rows:
        parsed: dict[str, Any] = dict(zip(header, row))
        parsed["quantity"] = _number(row[5])
        parsed["unit_price"] = _number(row[6])
        parsed["date"] = date.fromisoformat(row[1])
        both = parsed["quantity"] is not None and parsed["unit_price"] is not None
        parsed["revenue"] = parsed["quantity"] * parsed["unit_price"] if both else None
        data.sales.append(parsed)


def _gdp(rng: random.Random, data: Datasets) -> None:
    """gdp_provinces.csv, GBK: one row per province and year, GDP and population."""
    rows = []
    for region, provinces in PROVINCES.items():
        for province in provinces:
            gdp = rng.uniform(1500, 110_000)
            people = rng.uniform(300, 12_000)
            for year in GDP_YEARS:
                if year > GDP_YEARS[0]:
                    gdp *= 1 + rng.uniform(-0.03, 0.10)
                    people *= 1 + rng.uniform(-0.01, 0.012)
                rows.append((province, region, str(year), f"{gdp:.2f}", f"{people:.1f}"))
    data.files["gdp_provinces.csv"] = _csv_text(GDP_HEADER, rows).encode("gbk")
    for province, region, year_text, gdp_text, people_text in rows:
        data.gdp.append(
            {
                "province": province,
                "region": region,
                "year": int(year_text),
                "gdp": float(gdp_text),
                "population": float(people_text),
            }
        )


def _traffic(rng: random.Random, data: Datasets) -> None:
    """traffic.csv: daily visits and temperature for 2022–2023, with a dozen days missing."""
    start, days = date(2022, 1, 1), 730
    missing = set(rng.sample(range(1, days - 1), 12))
    weekly = [rng.uniform(-120, 40) for _ in range(5)] + [rng.uniform(60, 220) for _ in range(2)]
    rows = []
    for index in range(days):
        if index in missing:
            continue
        day = start + timedelta(days=index)
        season = math.sin(2 * math.pi * (index - 100) / 365)
        temperature = 12 + 14 * season + rng.gauss(0, 3)
        visits = 900 + 0.6 * index + weekly[day.weekday()] + 8 * temperature + rng.gauss(0, 60)
        rows.append((day.isoformat(), str(max(0, round(visits))), f"{temperature:.1f}"))
    data.files["traffic.csv"] = _csv_text(("date", "visits", "temperature"), rows).encode("utf-8")
    for day_text, visits_text, temperature_text in rows:
        data.traffic.append(
            {
                "date": date.fromisoformat(day_text),
                "visits": int(visits_text),
                "temperature": float(temperature_text),
            }
        )


def _inventory(rng: random.Random, data: Datasets, count: int = 40) -> None:
    """inventory.xlsx: sheet Stock (sku, product, warehouse, qty, unit_cost), sheet Prices."""
    import openpyxl

    book = openpyxl.Workbook()
    stock = book.active
    assert stock is not None
    stock.title = "Stock"
    stock.append(["sku", "product", "warehouse", "qty", "unit_cost"])
    prices = book.create_sheet("Prices")
    prices.append(["sku", "price"])
    unpriced = set(rng.sample(range(1, count + 1), 4))
    for number in range(1, count + 1):
        sku = f"SKU-{number:03d}"
        cost = round(rng.uniform(3, 250), 2)
        row = {
            "sku": sku,
            "product": f"{rng.choice(PRODUCTS)} {rng.choice('ABCDEFGH')}{rng.randint(1, 9)}",
            "warehouse": rng.choice(WAREHOUSES),
            "qty": rng.choice([rng.randint(0, 9), rng.randint(10, 400), rng.randint(10, 400)]),
            "unit_cost": cost,
        }
        stock.append(list(row.values()))
        data.stock.append(row)
        if number not in unpriced:
            price = round(cost * rng.uniform(1.05, 2.2), 2)
            prices.append([sku, price])
            data.prices.append({"sku": sku, "price": price})
    book.properties.creator = "jupyter-code-interp bench"
    buffer = io.BytesIO()
    book.save(buffer)
    data.files["inventory.xlsx"] = _fixed_zip(buffer.getvalue())


def _fixed_zip(archive: bytes) -> bytes:
    """The same xlsx with fixed entry times and document dates (openpyxl stamps the time)."""
    stamp = "2024-01-01T00:00:00Z"
    source = zipfile.ZipFile(io.BytesIO(archive))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*", rf"\g<1>{stamp}", text)
                content = text.encode("utf-8")
            entry = zipfile.ZipInfo(item.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, content)
    return output.getvalue()


def make_datasets(seed: int = DEFAULT_SEED) -> Datasets:
    """Every data file of the built-in tasks for `seed`, with its parsed rows."""
    data = Datasets()
    _customers(random.Random(f"customers-{seed}"), data)
    _sales(random.Random(f"sales-{seed}"), data)
    _gdp(random.Random(f"gdp-{seed}"), data)
    _traffic(random.Random(f"traffic-{seed}"), data)
    _inventory(random.Random(f"inventory-{seed}"), data)
    return data

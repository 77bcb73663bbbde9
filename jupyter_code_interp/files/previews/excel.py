"""Excel previews through openpyxl's read-only mode: sheets, their size, columns, first rows."""

from __future__ import annotations

import datetime
import zipfile
from itertools import islice
from pathlib import Path
from typing import Any

from .base import Preview
from .encoding import clip

MAX_SHEETS = 10
FIRST_ROWS = 5
MAX_COLUMNS = 30
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _cell(value: Any) -> str:
    """One cell as short text."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clip(str(value), 40)


def _row_line(row: tuple[Any, ...]) -> str:
    """A row as 'a | b | c', without trailing empty cells."""
    cells = [_cell(value) for value in row[:MAX_COLUMNS]]
    while cells and not cells[-1]:
        cells.pop()
    return " | ".join(cells) + (" | …" if len(row) > MAX_COLUMNS else "")


def preview_legacy_excel(path: Path, size: int) -> Preview:
    """Preview of a .xls file: openpyxl cannot read the old binary format."""
    preview = Preview("excel", "Excel 97-2003 workbook (.xls)", size, "application/vnd.ms-excel")
    with path.open("rb") as stream:
        magic = stream.read(len(OLE_MAGIC))
    if magic != OLE_MAGIC:
        preview.problem = (
            "It does not start like an .xls workbook (OLE2 header missing): it may be truncated, "
            "or be a CSV/HTML file with an .xls name."
        )
        return preview
    preview.lines.append(
        "No sheet preview for the old .xls format; read it with pd.read_excel(path) "
        "(needs the xlrd package: %pip install -q xlrd)."
    )
    return preview


def preview_excel(path: Path, size: int) -> Preview:
    """Preview of an .xlsx/.xlsm workbook: each sheet's dimensions, header and first rows."""
    preview = Preview("excel", "Excel workbook", size, XLSX_MIME)
    try:
        from openpyxl import load_workbook
    except ImportError:
        preview.problem = "openpyxl is not installed, so workbooks cannot be previewed."
        return preview
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        preview.problem = (
            "It is not a valid .xlsx file: the zip archive is truncated or corrupt "
            "(or the file is another format with an .xlsx name)."
        )
        return preview
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on bad input
        preview.problem = (
            f"openpyxl cannot open it: {type(error).__name__}: {clip(str(error), 200)}"
        )
        return preview
    sheets: list[dict[str, Any]] = []
    try:
        names = workbook.sheetnames
        preview.lines.append(f"{len(names)} sheet(s): " + ", ".join(names[: MAX_SHEETS * 2]))
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            sheets.append(_sheet(sheet, preview.lines))
        if len(workbook.worksheets) > MAX_SHEETS:
            preview.lines.append(f"… {len(workbook.worksheets) - MAX_SHEETS} more sheets.")
    except Exception as error:  # noqa: BLE001 - a damaged sheet part fails only when read
        preview.problem = (
            f"Part of the workbook cannot be read ({type(error).__name__}: "
            f"{clip(str(error), 200)}); it may be truncated or corrupt."
        )
    finally:
        workbook.close()
    preview.facts = {"sheets": sheets}
    preview.lines.append("pandas: pd.read_excel(path, sheet_name=<name>)")
    return preview


def _sheet(sheet: Any, lines: list[str]) -> dict[str, Any]:
    """Describe one read-only worksheet into `lines`; its facts."""
    rows = list(islice(sheet.iter_rows(values_only=True), FIRST_ROWS + 1))
    max_row, max_column = sheet.max_row, sheet.max_column
    size = (
        f"{max_row:,} rows x {max_column} columns"
        if isinstance(max_row, int) and isinstance(max_column, int)
        else "size not recorded in the file"
    )
    lines.append(f"Sheet '{sheet.title}': {size}.")
    if not rows:
        lines.append("  (empty)")
        return {"name": sheet.title, "rows": max_row, "columns": max_column, "header": []}
    header = [_cell(value) for value in rows[0][:MAX_COLUMNS]]
    lines.append("  First rows (the first is usually the header):")
    lines.extend("  " + _row_line(row) for row in rows)
    return {"name": sheet.title, "rows": max_row, "columns": max_column, "header": header}

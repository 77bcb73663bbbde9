"""Parquet previews from the file's metadata and a slice of its first row group (pyarrow)."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from .base import Preview
from .encoding import clip

FIRST_ROWS = 5
MAX_COLUMNS = 60
PARQUET_MIME = "application/vnd.apache.parquet"
MISSING_PYARROW = (
    "pyarrow is not installed on the server, so only the size is known; install it with "
    "pip install 'jupyter_code_interp[previews]'."
)


def preview_parquet(path: Path, size: int) -> Preview:
    """Preview of a Parquet file: row count, row groups, schema and the first rows."""
    preview = Preview("parquet", "Parquet table", size, PARQUET_MIME)
    with path.open("rb") as stream:
        magic = stream.read(4)
    if magic != b"PAR1":
        preview.problem = "It does not start like a Parquet file (no 'PAR1' magic bytes)."
        return preview
    try:
        parquet = importlib.import_module("pyarrow.parquet")
    except ImportError:
        preview.problem = MISSING_PYARROW
        return preview
    try:
        parquet_file = parquet.ParquetFile(path)
    except Exception as error:  # noqa: BLE001 - pyarrow raises ArrowInvalid, OSError...
        preview.problem = (
            f"pyarrow cannot read it ({type(error).__name__}: {clip(str(error), 200)}); "
            "it may be truncated or corrupt."
        )
        return preview
    try:
        _describe(parquet_file, preview)
    except Exception as error:  # noqa: BLE001 - damaged pages fail only when read
        preview.problem = (
            f"Reading its first rows failed ({type(error).__name__}: {clip(str(error), 200)})."
        )
    finally:
        parquet_file.close()
    preview.lines.append("pandas: pd.read_parquet(path)")
    return preview


def _describe(parquet_file: Any, preview: Preview) -> None:
    """Schema, counts and first rows of an open ParquetFile into `preview`."""
    metadata = parquet_file.metadata
    schema = parquet_file.schema_arrow
    names = list(schema.names)
    preview.facts = {
        "rows": metadata.num_rows,
        "rowGroups": metadata.num_row_groups,
        "columns": [{"name": field.name, "type": str(field.type)} for field in schema][
            :MAX_COLUMNS
        ],
    }
    preview.lines.append(
        f"{metadata.num_rows:,} rows in {metadata.num_row_groups} row group(s), "
        f"{len(names)} columns:"
    )
    preview.lines.extend(
        f"- {clip(field.name, 60)}: {field.type}" for field in list(schema)[:MAX_COLUMNS]
    )
    if len(names) > MAX_COLUMNS:
        preview.lines.append(f"- … and {len(names) - MAX_COLUMNS} more columns")
    if metadata.num_rows == 0 or metadata.num_row_groups == 0:
        return
    batch = next(
        parquet_file.iter_batches(batch_size=FIRST_ROWS, columns=names[:MAX_COLUMNS]), None
    )
    if batch is None:
        return
    preview.lines.append(f"First {batch.num_rows} rows:")
    for row in batch.slice(0, FIRST_ROWS).to_pylist():
        preview.lines.append(clip(json.dumps(row, ensure_ascii=False, default=str), 400))

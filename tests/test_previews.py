"""Previews of data files: what the model is told about an attachment, from a bounded read."""

from __future__ import annotations

import datetime
import json
import struct
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jupyter_code_interp.files.preview import preview_file
from jupyter_code_interp.files.previews.encoding import HEAD_BYTES, decode_head
from jupyter_code_interp.files.previews.parquet import MISSING_PYARROW
from jupyter_code_interp.files.previews.tabular import infer_column_type, sniff_delimiter

GDP_ROWS = [
    ["地区", "年份", "GDP（亿元）", "增长率"],
    ["北京市", "2023", "43760.7", "5.2%"],
    ["上海市", "2023", "47218.7", "5.0%"],
    ["天津市", "2023", "16737.3", "4.3%"],
    ["重庆市", "2023", "30145.8", "6.1%"],
]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    """Rows joined as delimited text."""
    return "".join(delimiter.join(row) + "\n" for row in rows)


def png_bytes(width: int, height: int) -> bytes:
    """A real, tiny PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def gdp_workbook(path: Path) -> None:
    """An .xlsx with a data sheet and a notes sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "GDP"
    sheet.append(["地区", "年份", "GDP"])
    sheet.append(["北京", 2023, 43760.7])
    sheet.append(["上海", 2023, 47218.7])
    notes = workbook.create_sheet("说明")
    notes.append(["更新日期", datetime.date(2024, 1, 31)])
    workbook.save(path)


def test_utf8_csv_with_chinese_headers(tmp_path: Path) -> None:
    path = tmp_path / "gdp.csv"
    path.write_text(csv_text(GDP_ROWS), encoding="utf-8")
    preview = preview_file(path)
    assert preview.kind == "csv"
    assert preview.problem is None
    assert preview.facts["encoding"] == "utf-8"
    assert preview.facts["delimiter"] == ","
    assert preview.facts["columns"] == GDP_ROWS[0]
    assert preview.facts["rows"] == 4
    text = preview.text
    assert "- 地区: text" in text
    assert "- 年份: integer" in text
    assert "- GDP（亿元）: number" in text
    assert "- 增长率: percent" in text
    assert "北京市 | 2023 | 43760.7 | 5.2%" in text


def test_gbk_csv_is_detected_and_decoded(tmp_path: Path) -> None:
    path = tmp_path / "统计局.csv"
    path.write_bytes(csv_text(GDP_ROWS).encode("gbk"))
    preview = preview_file(path)
    assert preview.problem is None
    assert preview.facts["encoding"] == "gb18030"
    assert preview.facts["columns"] == GDP_ROWS[0]
    assert "encoding='gb18030'" in preview.text
    assert "重庆市 | 2023" in preview.text


def test_big5_csv_is_told_apart_from_gbk(tmp_path: Path) -> None:
    rows = [["縣市", "年度", "人口"], ["臺北市", "2023", "2500000"], ["高雄市", "2023", "2700000"]]
    path = tmp_path / "tw.csv"
    path.write_bytes(csv_text(rows).encode("big5"))
    preview = preview_file(path)
    assert preview.facts["encoding"] == "big5"
    assert preview.facts["columns"] == rows[0]


def test_utf8_bom_and_utf16_text(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes(csv_text(GDP_ROWS).encode("utf-8-sig"))
    assert preview_file(bom).facts["columns"][0] == "地区"  # no BOM glued to the first name
    utf16 = tmp_path / "excel-export.txt"
    utf16.write_bytes(csv_text(GDP_ROWS, "\t").encode("utf-16"))
    preview = preview_file(utf16)
    assert preview.kind == "text"
    assert preview.facts["encoding"] == "utf-16"
    assert "地区\t年份" in preview.text


def test_tsv_and_semicolon_delimiters(tmp_path: Path) -> None:
    tsv = tmp_path / "a.tsv"
    tsv.write_text(csv_text(GDP_ROWS, "\t"), encoding="utf-8")
    preview = preview_file(tsv)
    assert preview.kind == "tsv"
    assert preview.facts["delimiter"] == "\t"
    assert "sep='\\t'" in preview.text
    semicolons = tmp_path / "eu.csv"
    semicolons.write_text("a;b;c\n1,5;2;x\n3,5;4;y\n", encoding="utf-8")
    assert preview_file(semicolons).facts["delimiter"] == ";"


def test_large_csv_is_estimated_from_a_bounded_head(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    row = "城市,2023,12345.6\n"
    count = 40_000
    with path.open("wb") as stream:
        stream.write(b"city,year,value\n")
        stream.write(row.encode() * count)
        # Past the head: bytes that would make a full read fail to decode as UTF-8 text.
        stream.write(b"\xff\xfe\x00\x00" * 1000)
    preview = preview_file(path)
    assert path.stat().st_size > 10 * HEAD_BYTES
    assert preview.problem is None
    assert "rows" not in preview.facts
    estimate = preview.facts["rowsEstimate"]
    assert 0.9 * count < estimate < 1.1 * count
    assert "estimated from the first 64 KB" in preview.text


def test_type_inference_reports_missing_and_mixed_values() -> None:
    assert infer_column_type(["1", "2", "", "NA"]) == "integer, 2 missing in sample"
    assert infer_column_type(["1", "2.5", "1,234.5"]).startswith("number")
    assert infer_column_type(["2024-01-31", "2024/02/01", "2023年5月"]) == "date"
    mixed = infer_column_type([str(value) for value in range(9)] + ["见附注"])
    assert mixed.startswith("mostly integer (9/10; also '见附注')")
    assert infer_column_type(["", ""]) == "empty in sample"
    assert sniff_delimiter("only one column\nhere\n", ",") == ","


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty (0 bytes)."),
        (bytes(range(256)) * 4, "NUL bytes"),
        (bytes(range(0x80, 0x100)) * 8 + b"\x01\x02" * 300, "not valid UTF-8, GB18030"),
    ],
)
def test_broken_csv_files_get_a_problem_not_a_crash(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    preview = preview_file(path)
    assert preview.problem is not None
    assert expected in preview.problem
    assert expected in preview.text


def test_latin1_fallback_is_flagged() -> None:
    decoded = decode_head("Café;Zürich\n".encode("latin-1") + b"\xa0\xe9\n", complete=True)
    assert decoded.encoding == "latin-1"
    assert decoded.note is not None and "Latin-1" in decoded.note


def test_excel_sheets_columns_and_first_rows(tmp_path: Path) -> None:
    path = tmp_path / "gdp.xlsx"
    gdp_workbook(path)
    preview = preview_file(path)
    assert preview.kind == "excel"
    assert preview.problem is None
    sheets = preview.facts["sheets"]
    assert [sheet["name"] for sheet in sheets] == ["GDP", "说明"]
    assert sheets[0]["header"] == ["地区", "年份", "GDP"]
    assert sheets[0]["rows"] == 3
    assert "北京 | 2023 | 43760.7" in preview.text
    assert "2024-01-31" in preview.text


def test_truncated_and_corrupt_excel(tmp_path: Path) -> None:
    whole = tmp_path / "whole.xlsx"
    gdp_workbook(whole)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    problem = preview_file(truncated).problem
    assert problem is not None and "truncated or corrupt" in problem

    # A valid zip whose sheet part is damaged: fails only when the sheet is read.
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    preview = preview_file(damaged)
    assert preview.problem is not None
    assert "truncated or corrupt" in preview.problem

    legacy = tmp_path / "old.xls"
    legacy.write_text("<html>not really excel</html>")
    problem = preview_file(legacy).problem
    assert problem is not None and "OLE2 header missing" in problem


def test_json_shapes(tmp_path: Path) -> None:
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"data": [{"省份": "广东", "gdp": 1}], "meta": {"v": 1}}))
    text = preview_file(small).text
    assert "Top level: an object with 2 keys" in text
    assert "- data: array of 1 items; objects with keys: 省份 (string), gdp (number)" in text

    big = tmp_path / "big.json"
    items = [{"id": index, "名称": f"第{index}项"} for index in range(20_000)]
    big.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    preview = preview_file(big)
    assert preview.problem is None
    assert "Top level: an array of about" in preview.text
    assert "Keys of the first objects: id (number), 名称 (string)" in preview.text

    geo = tmp_path / "map.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": items}))
    geo_text = preview_file(geo).text
    assert '- type: string "FeatureCollection"' in geo_text
    assert "- features: an array that continues past the preview window" in geo_text

    broken = tmp_path / "broken.json"
    broken.write_text('{"a": 1,,}')
    problem = preview_file(broken).problem
    assert problem is not None and "not valid JSON" in problem and "line 1, column 9" in problem


def test_jsonl_records_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text('{"城市": "北京", "n": 1}\n{"城市": "上海", "n": 2, "x": null}\nnot json\n')
    preview = preview_file(path)
    assert preview.kind == "jsonl"
    assert "3 records" in preview.text
    assert "Keys: 城市 (string), n (number), x (null, in 1/2)" in preview.text
    assert preview.problem == "Line 3 is not valid JSON: Expecting value (column 1)."


def test_parquet_schema_rows_and_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "gdp.parquet"
    pq.write_table(pa.table({"地区": ["北京", "上海", "广东"], "gdp": [1.5, 2.5, 3.5]}), path)
    preview = preview_file(path)
    assert preview.problem is None
    assert preview.facts["rows"] == 3
    assert preview.facts["columns"] == [
        {"name": "地区", "type": "string"},
        {"name": "gdp", "type": "double"},
    ]
    assert '{"地区": "北京", "gdp": 1.5}' in preview.text

    broken = tmp_path / "broken.parquet"
    broken.write_bytes(path.read_bytes()[:60])
    problem = preview_file(broken).problem
    assert problem is not None and "truncated or corrupt" in problem


def test_parquet_without_pyarrow_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "gdp.parquet"
    pq.write_table(pa.table({"a": [1]}), path)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # makes the import fail
    preview = preview_file(path)
    assert preview.problem == MISSING_PYARROW
    assert preview.size == path.stat().st_size


def test_images_text_and_binary(tmp_path: Path) -> None:
    image = tmp_path / "chart.png"
    image.write_bytes(png_bytes(7, 3))
    preview = preview_file(image)
    assert (preview.kind, preview.facts) == ("image", {"format": "PNG", "width": 7, "height": 3})
    assert "7 x 3 pixels" in preview.text

    renamed = tmp_path / "photo.jpg"
    renamed.write_bytes(png_bytes(2, 2))
    assert "the name says JPEG, but the data is PNG" in preview_file(renamed).text

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG")
    problem = preview_file(broken).problem
    assert problem is not None and "valid PNG header" in problem

    notes = tmp_path / "README.md"
    notes.write_text("# 说明\n第二行\n", encoding="utf-8")
    text = preview_file(notes).text
    assert "2 lines, encoding utf-8" in text and "# 说明" in text

    blob = tmp_path / "model.bin"
    blob.write_bytes(bytes(range(256)))
    binary = preview_file(blob)
    assert binary.kind == "binary"
    assert "No preview for this kind of file" in binary.text
    assert preview_file(tmp_path / "missing.csv").problem == "It does not exist."
    assert preview_file(tmp_path).problem == "It is a directory."

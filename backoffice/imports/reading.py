"""Reading an uploaded CSV or XLSX file into rows of text, or saying plainly why not.

Nothing here touches the database. Limits are checked before any real work: the upload's size,
an XLSX file's unpacked size (a small zip can hold a huge sheet), and the number of rows.
Formulas in an XLSX file are never evaluated: openpyxl reads the values Excel last saved.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from typing import Any

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_COLUMNS = 40
# A sheet can claim a million formatted but empty rows; stop scanning well before that.
MAX_SCANNED_ROWS = MAX_ROWS * 5


class FileProblem(Exception):
    """The file as a whole cannot be read. The message is shown to the admin as it is."""


@dataclass
class ParsedFile:
    """Data rows as (spreadsheet row number, {column: text}); the header is row 1."""

    rows: list[tuple[int, dict[str, str]]]
    columns: list[str]
    ignored_columns: list[str] = field(default_factory=list)


def header_key(text: str) -> str:
    """"Place name*", "place-name (optional)" and "PLACE NAME" all become "place_name"."""
    text = re.sub(r"\(.*?\)", "", text.lower()).replace("*", "")
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def clean_cell(value: Any) -> str:
    """A cell as tidy text: dates as YYYY-MM-DD, whole numbers without ".0", no stray spaces."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time(0) else value
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = unicodedata.normalize("NFC", str(value)).replace("\u00a0", " ")
    return text.strip()


def file_read(*, name: str, data: bytes) -> list[list[str]]:
    """All rows of the file's first sheet, as text. Raises FileProblem."""
    if not data:
        raise FileProblem("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileProblem(
            f"The file is larger than the {MAX_UPLOAD_BYTES // 1024 // 1024} MB limit. Split "
            "it into smaller files."
        )
    lower = name.lower()
    if lower.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if lower.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem("This is an old-style Excel .xls file. Save it as an Excel workbook "
                          "(.xlsx) or as “CSV UTF-8”, and upload it again.")
    return _read_csv(data)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(data) >= 4 and ((data[1] == 0 and data[3] == 0) or (data[0] == 0 and data[2] == 0))
    ):
        raise FileProblem(
            "This file is saved as UTF-16 text (Excel calls it “Unicode Text”). Save it as "
            "“CSV UTF-8 (comma delimited)” and upload it again."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(
            f"Line {line} has a character that is not UTF-8 (byte 0x{data[exc.start]:02X}): the "
            "file was probably saved as Latin-1 or Windows-1252. Save it as “CSV UTF-8 (comma "
            "delimited)” and upload it again."
        ) from None
    if "\x00" in text:
        raise FileProblem("The file has NUL characters in it: it is not a CSV text file.")
    return text


def _read_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    # Excel in some locales separates with semicolons, and "Text" exports with tabs.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    rows: list[list[str]] = []
    non_empty = 0
    # strict: an unclosed quotation mark is reported, not silently swallowing the rest.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        for cells in reader:
            row = [clean_cell(c) for c in cells[:MAX_COLUMNS]]
            if any(row):
                non_empty += 1
                if non_empty > MAX_ROWS + 1:  # the header and MAX_ROWS rows of data
                    raise FileProblem(_too_many_rows())
            rows.append(row)
    except csv.Error as exc:
        raise FileProblem(f"Line {reader.line_num} could not be read ({exc}). Check its "
                          "quotation marks.") from None
    return rows


def _too_many_rows() -> str:
    return (f"The file has more than {MAX_ROWS:,} rows of data. Split it into files of up to "
            f"{MAX_ROWS:,} rows and upload them one at a time.")


def _read_xlsx(data: bytes) -> list[list[str]]:
    # Imported here: openpyxl takes a moment to import and only this path needs it.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    buffer = io.BytesIO(data)
    try:
        with zipfile.ZipFile(buffer) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileProblem("This is not a readable Excel .xlsx file. Open it in Excel, save it "
                          "as an Excel workbook (.xlsx) and upload it again.") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem("The workbook is too large once unpacked. Keep only the data sheet, "
                          "or save it as CSV UTF-8, and upload it again.")
    try:
        workbook = openpyxl.load_workbook(buffer, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError,
            OSError):
        raise FileProblem("This is not a readable Excel .xlsx file. Open it in Excel, save it "
                          "as an Excel workbook (.xlsx) and upload it again.") from None
    try:
        names = [n.lower() for n in workbook.sheetnames]
        sheet = workbook.worksheets[names.index("import")] if "import" in names \
            else workbook.worksheets[0]
        rows: list[list[str]] = []
        non_empty = 0
        for scanned, values in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            cells = [clean_cell(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()  # read-only sheets pad every row to the widest one
            if any(cells):
                non_empty += 1
                if non_empty > MAX_ROWS + 1:
                    raise FileProblem(_too_many_rows())
            rows.append(cells)
            if scanned >= MAX_SCANNED_ROWS:
                break
    except FileProblem:
        raise
    except Exception:  # openpyxl raises many types on a damaged sheet; none should be a 500.
        raise FileProblem("A sheet in this workbook could not be read. Save it as CSV UTF-8 "
                          "and upload that instead.") from None
    finally:
        workbook.close()
    return rows


def rows_parse(
    raw: list[list[str]], *, required: list[str], optional: list[str]
) -> ParsedFile:
    """Match the header row to the expected columns and return the non-empty data rows."""
    header_index = next((i for i, row in enumerate(raw) if any(row)), None)
    if header_index is None:
        raise FileProblem("The file has no rows. Use the template: its first row holds the "
                          "column names.")
    header = [header_key(c) for c in raw[header_index]]
    known = set(required) | set(optional)
    seen: dict[str, int] = {}
    for position, key in enumerate(header):
        if key and key in seen and key in known:
            raise FileProblem(f"The column “{key}” appears twice in the first row. Keep one.")
        seen.setdefault(key, position)
    missing = [c for c in required if c not in seen]
    if missing:
        found = ", ".join(k for k in header if k) or "none"
        raise FileProblem(
            f"The file is missing {'a column' if len(missing) == 1 else 'columns'}: "
            f"{', '.join(missing)}. The first row must hold the template's column names "
            f"(found: {found})."
        )
    ignored = [raw[header_index][i] for i, k in enumerate(header) if k and k not in known]
    rows: list[tuple[int, dict[str, str]]] = []
    for offset, cells in enumerate(raw[header_index + 1:], start=header_index + 2):
        if not any(cells):
            continue
        rows.append((offset, {
            key: (cells[seen[key]] if seen[key] < len(cells) else "")
            for key in known if key in seen
        }))
    if not rows:
        raise FileProblem("The file has column names but no rows of data.")
    if len(rows) > MAX_ROWS:
        raise FileProblem(_too_many_rows())
    return ParsedFile(rows=rows, columns=[k for k in header if k in known], ignored_columns=ignored)

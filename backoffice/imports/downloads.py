"""Blank import templates, generated on request (never committed as binary files).

CSV: the header row, with a UTF-8 byte-order mark so Excel opens accented names correctly.
XLSX: an "Import" sheet (header, drop-down lists where the values are fixed) and a "Notes"
sheet describing every column and listing the regions as they are in Fieldbook now.
"""

from __future__ import annotations

import csv
import io

from backoffice.imports.rows import PLANNERS
from engagements.models import Engagement
from places.models import Organisation, Region

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Columns whose values come from a fixed list get an Excel drop-down.
FIXED_VALUES: dict[str, list[str]] = {
    "kind": list(Organisation.Kind.values),
    "status": list(Engagement.Status.values),
    "board_role": ["chair", "vice-chair", "member"],
}


def import_template(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the blank template for a file type."""
    planner = PLANNERS[kind]
    headers = [c.name for c in planner.columns]
    filename = f"fieldbook-{kind.replace('_', '-')}-template.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(headers)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), CSV_TYPE, filename
    return _xlsx(kind, headers), XLSX_TYPE, filename


def _xlsx(kind: str, headers: list[str]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    planner = PLANNERS[kind]
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook opens on its one worksheet
    sheet.title = "Import"
    sheet.append(headers)
    for index, column in enumerate(planner.columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 4)
        if column.name in FIXED_VALUES:
            validation = DataValidation(
                type="list", formula1='"' + ",".join(FIXED_VALUES[column.name]) + '"',
                allow_blank=not column.required,
            )
            validation.add(f"{letter}2:{letter}2001")
            sheet.add_data_validation(validation)
        if column.name in ("requested_on", "started_on"):
            for row in range(2, 2002):
                sheet.cell(row=row, column=index).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"

    notes = book.create_sheet("Notes")
    notes.append(["Column", "Required", "What to put in it", "Example"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in planner.columns:
        notes.append([column.name, "yes" if column.required else "no", column.description,
                      column.example])
    notes.append([])
    notes.append(["Rows are matched to Fieldbook's records by natural keys, so importing the "
                  "same file twice changes nothing. An empty optional cell leaves a matched "
                  "record as it is."])
    if any(c.name == "region" for c in planner.columns):
        notes.append([])
        notes.append(["Region code", "Region name"])
        for region in Region.objects.order_by("name"):
            notes.append([region.code, region.name])
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["C"].width = 70
    notes.column_dimensions["D"].width = 30
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

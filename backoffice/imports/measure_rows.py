"""Reading a file of one measure's values (two columns: date, value) for
``engagements.measures.services.measure_values_import``, which checks every row and saves all
of them or none. The file is read with the house reader (``reading``: size, unpacked size and
row limits, encodings, formulas never evaluated)."""

from __future__ import annotations

import datetime as dt

from backoffice.imports.base import parse_date
from backoffice.imports.reading import file_read, rows_parse

COLUMNS = ("date", "value")
# "Week", "Month" and "Period" are what people call the date column of a weekly or monthly sheet.
ALIASES = {"week": "date", "month": "date", "period": "date", "week_starting": "date"}


def measure_rows_read(*, name: str, data: bytes) -> list[tuple[int, dt.date | None, str, str]]:
    """(spreadsheet row, date or None, the date as typed, the value as typed) for each row of
    data. Raises ``reading.FileProblem`` when the file as a whole cannot be read."""
    raw = file_read(name=name, data=data)
    header_at = next((i for i, row in enumerate(raw) if any(row)), None)
    if header_at is not None:
        raw = [*raw[:header_at], [ALIASES.get(c.strip().lower(), c) for c in raw[header_at]],
               *raw[header_at + 1:]]
    parsed = rows_parse(raw, required=list(COLUMNS), optional=[])
    return [(number, parse_date(row["date"]), row["date"], row["value"])
            for number, row in parsed.rows]

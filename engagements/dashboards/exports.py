"""CSV and XLSX downloads of the programme dashboard table and of a place's timeline.

Safe in a spreadsheet: any text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with a single quote, so Excel, LibreOffice and Google Sheets show
it as text instead of running it as a formula (OWASP "CSV injection"). Numbers and dates are
written as values, never as text. Characters the format cannot hold (XML-illegal ones in XLSX,
such as U+FFFE; lone surrogates in either) are removed, so every file opens.

Bounded memory: CSV is streamed row by row; XLSX is written by openpyxl's write-only workbook
into a temporary file that spills to disk past a few megabytes. The rows themselves come from
the selectors in batches (``dashboard.programme.iter_rows``, ``dashboard.place.iter_timeline``).

Never in an export: private notes or next steps (the selectors never read them).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook

from engagements.dashboards.definitions import BREADTH_COLUMNS, Windows
from engagements.dashboards.place import TimelineEntry
from engagements.dashboards.programme import DashboardRow
from engagements.disclosure import THRESHOLD, WITHHELD, count_text
from engagements.disclosure import Cell as DisclosedCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters an XLSX cell cannot hold. XML 1.0 allows only tab, newline, carriage return,
# U+0020-U+D7FF, U+E000-U+FFFD and above: the C0 controls are refused by openpyxl itself, but
# U+FFFE and U+FFFF pass through it and make a file Excel cannot open. A lone surrogate cannot
# be written as UTF-8 at all, in XLSX or CSV.
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SURROGATES = re.compile("[\ud800-\udfff]")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPOOL_BYTES = 4 * 1024 * 1024

Cell = str | int | Decimal | dt.date | None


def safe_cell(value: Any, *, illegal: re.Pattern[str] = SURROGATES) -> Cell:
    """A value ready for a spreadsheet cell: characters the file format cannot hold removed
    (``illegal``: lone surrogates for CSV, every XML-illegal character for XLSX), then text
    neutralised if it could run as a formula."""
    if value is None or isinstance(value, bool):
        return "Yes" if value is True else ("No" if value is False else None)
    if isinstance(value, (int, Decimal, dt.date)):
        return value
    text = illegal.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def xlsx_cell(value: Any) -> Cell:
    return safe_cell(value, illegal=ILLEGAL_XML)


class _Echo:
    """A file-like object whose write returns the line: csv.writer into a generator."""

    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
                 ) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        # A byte-order mark, so Excel reads the file as UTF-8 ("£", "–", accented names).
        yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            yield writer.writerow(
                ["" if (c := safe_cell(v)) is None else c for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, title: str, header: Sequence[str],
                  rows: Iterable[Sequence[Any]]) -> FileResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([xlsx_cell(h) for h in header])
    for row in rows:
        sheet.append([xlsx_cell(v) for v in row])
    # Not a with-block: FileResponse streams the buffer and closes it when the response ends.
    buffer = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def export_response(fmt: str, filename: str, title: str, header: Sequence[str],
                    rows: Iterable[Sequence[Any]]) -> StreamingHttpResponse | FileResponse:
    if fmt == "xlsx":
        return xlsx_response(f"{filename}.xlsx", title, header, rows)
    return csv_response(f"{filename}.csv", header, rows)


# -- the dashboard table --------------------------------------------------------------------

DASHBOARD_HEADER: list[str] = [
    "Place", "Region", "Status", "Lead enabler", "Last session held", "Weeks since",
    "No session held in 3+ weeks", "Sessions, last 4 weeks", "Days, last 4 weeks",
    "Sessions to date", "Days to date", "Days allocated", "Outcomes",
    "Top themes (to date)",
    *[f"In the room last quarter: {c.label}" for c in BREADTH_COLUMNS],
    "Other sectors in the room",
]


def figure(cell: DisclosedCell, value: int | Decimal | None = None) -> int | Decimal | str:
    """A count (or, with ``value``, the days that go with it) for a cell of an export: the
    number, or the text a lead sees ("fewer than 3", "not shown"); README "Small numbers"."""
    if not cell.shown:
        return cell.text if value is None else WITHHELD
    return cell.value if value is None else value


def dashboard_rows(rows: Iterable[DashboardRow]) -> Iterator[list[Any]]:
    for row in rows:
        e = row.engagement
        recent, to_date = row.shown
        yield [
            e.place.name, e.place.region.name, e.get_status_display(),
            e.lead_name or "",
            row.last_session_on, row.weeks_since, row.is_quiet,
            figure(recent), figure(recent, row.days_recent),
            figure(to_date), figure(to_date, row.days_to_date),
            row.days_allocated, e.n_outcomes,
            "; ".join(t["name"] for t in row.top_themes),
            *[c["present"] for c in row.breadth.columns],
            row.breadth.other_labels,
        ]


# -- a place's timeline ------------------------------------------------------------------

TIMELINE_HEADER: list[str] = [
    "Date", "Kind", "Status", "Reason (if not held)", "Minutes", "Days",
    "Organisations in the room", "Headcounts by sector", "Themes",
]


def timeline_rows(entries: Iterable[TimelineEntry]) -> Iterator[list[Any]]:
    for s in entries:
        yield [
            s.date, s.kind_label, s.status_label, s.status_reason if not s.is_held else "",
            s.duration_minutes if s.is_held else 0, s.days,
            # People: the small-number rule, as on the place page (README "Small numbers").
            "; ".join(o["label"] if o["n"] < THRESHOLD else f"{o['label']} ({o['n']})"
                      for o in s.organisations),
            "; ".join(f"{h['sector']}: {count_text(h['n'])}" for h in s.headcounts),
            "; ".join(t["name"] for t in s.themes),
        ]


def stamp(w: Windows) -> str:
    return w.today.isoformat()

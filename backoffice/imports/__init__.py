"""Spreadsheet import of places, organisations, board members and engagements (CSV or XLSX)."""

from backoffice.imports.downloads import import_template
from backoffice.imports.reading import MAX_ROWS, MAX_UPLOAD_BYTES, FileProblem
from backoffice.imports.rows import ERROR, NEW, PLANNERS, UNCHANGED, UPDATED, RowOutcome
from backoffice.imports.service import (
    Preview,
    import_commit,
    import_preview,
    import_upload,
    is_expired,
)

__all__ = [
    "ERROR", "MAX_ROWS", "MAX_UPLOAD_BYTES", "NEW", "PLANNERS", "UNCHANGED", "UPDATED",
    "FileProblem", "Preview", "RowOutcome", "import_commit", "import_preview", "import_template",
    "import_upload", "is_expired",
]

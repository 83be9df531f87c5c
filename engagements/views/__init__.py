from .across import caseload, heatmap
from .dashboard import dashboard, dashboard_export, programme_dashboard
from .places import place_export, place_page
from .summaries import (
    summary_compile,
    summary_detail,
    summary_list,
    summary_markdown,
    summary_new,
    summary_pdf,
)
from .week import (
    draft_key,
    learning_item_withdraw,
    my_week,
    session_delete,
    session_edit,
    session_log,
    session_restore,
    week_repeat,
)

__all__ = [
    "caseload",
    "dashboard",
    "dashboard_export",
    "heatmap",
    "learning_item_withdraw",
    "my_week",
    "place_export",
    "place_page",
    "programme_dashboard",
    "session_delete",
    "session_edit",
    "session_log",
    "session_restore",
    "summary_compile",
    "summary_detail",
    "summary_list",
    "summary_markdown",
    "summary_new",
    "summary_pdf",
    "week_repeat",
    "draft_key",
]

"""Importing a measure's values from a CSV or XLSX file: upload, then every row is checked and
either all are saved or none, with each bad row's problem listed beside its row number.

One step, not the Manage area's upload-then-preview: the rows only add values (nothing to
update or compare), so the check *is* the preview. Who: like the measure's own page — the
engagement's current enablers, programme leads and admins (anyone else gets 404)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backoffice.imports.measure_rows import COLUMNS, measure_rows_read
from backoffice.imports.reading import MAX_ROWS, MAX_UPLOAD_BYTES, FileProblem
from engagements.measures import reads, services
from engagements.measures.forms import ImportForm
from fieldbook.access import role_required
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER, Role.LEAD, Role.ADMIN)
def measure_import(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    measure = reads.measure_for(request.user, pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[services.RowError] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", f"The file is larger than the "
                                   f"{MAX_UPLOAD_BYTES // 1024 // 1024} MB limit")
        else:
            try:
                rows = measure_rows_read(name=upload.name, data=upload.read())
                saved = services.measure_values_import(actor=request.user, measure=measure,
                                                       rows=rows)
            except FileProblem as problem:
                form.add_error("file", str(problem))
            except services.RowErrors as refused:
                row_errors = refused.rows
                form.add_error("file", str(refused))
            else:
                messages.success(request, f"Imported {saved} value{'s' if saved != 1 else ''} "
                                          f"for “{measure.name}”.")
                return redirect("engagements:measure", pk=measure.pk)
    return render(request, "backoffice/measure-import.html", {
        "measure": measure, "engagement": measure.engagement, "form": form,
        "row_errors": row_errors, "columns": COLUMNS, "max_rows": MAX_ROWS,
        "max_mb": MAX_UPLOAD_BYTES // 1024 // 1024,
    })

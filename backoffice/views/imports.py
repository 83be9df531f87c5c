"""Spreadsheet import: upload, preview every row's outcome, confirm (all or nothing)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from backoffice import imports
from backoffice.forms import ImportUploadForm
from backoffice.views._forms import posted as _posted
from fieldbook.access import role_required
from fieldbook.errors import DomainError
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.params import query_text
from fieldbook.roles import Role
from places.models import ImportBatch

if TYPE_CHECKING:
    from django.contrib.auth.models import User

RECENT_IMPORTS = 10
FORMATS = ("csv", "xlsx")


def get_batch_for(user: User, token: str) -> ImportBatch:
    """The admin's own upload, or 404."""
    batch = ImportBatch.objects.filter(token=token, owner=user).first()
    if batch is None:
        raise Http404("No such import.")
    return batch


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportUploadForm(_posted(request), request.FILES if request.method == "POST" else None,
                            initial={"kind": query_text(request.GET, "kind", max_length=50)})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # Checked before reading it into memory. (Django has already spooled an upload larger
        # than FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; capping the request body itself
        # is the reverse proxy's job, e.g. nginx's client_max_body_size.)
        if upload.size > imports.MAX_UPLOAD_BYTES:
            form.add_error("file", "The file is larger than the "
                                   f"{imports.MAX_UPLOAD_BYTES // 1024 // 1024} MB limit. "
                                   "Split it into smaller files")
        else:
            try:
                batch = imports.import_upload(
                    actor=request.user, kind=form.cleaned_data["kind"], name=upload.name,
                    data=upload.read(),
                )
            except imports.FileProblem as problem:
                form.add_error("file", str(problem))
            else:
                return redirect("backoffice:import-preview", token=batch.token)
    return _upload_page(request, form)


def _upload_page(request: AuthenticatedHttpRequest, form: ImportUploadForm) -> HttpResponse:
    recent = ImportBatch.objects.filter(owner=request.user).only(
        "token", "kind", "filename", "status", "created_at", "imported_at", "owner_id",
    )[:RECENT_IMPORTS]
    return render(request, "backoffice/import-upload.html", {
        "form": form, "recent": recent,
        "kinds": [(value, label, imports.PLANNERS[value].columns)
                  for value, label in ImportBatch.Kind.choices],
        "max_rows": imports.MAX_ROWS, "max_mb": imports.MAX_UPLOAD_BYTES // 1024 // 1024,
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def import_preview(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
    """GET: what each row would do now. POST: import it all, or nothing."""
    batch = get_batch_for(request.user, token)
    error = ""
    if request.method == "POST" and batch.status == ImportBatch.Status.PREVIEWED:
        try:
            preview = imports.import_commit(actor=request.user, batch=batch)
        except DomainError as exc:
            error = exc.messages[0]
        else:
            counts = preview.counts
            messages.success(request, f"Imported {batch.filename}: {counts['new']} new, "
                                      f"{counts['updated']} updated, {counts['unchanged']} "
                                      "unchanged.")
            return redirect("backoffice:import-preview", token=batch.token)
    show = query_text(request.GET, "show", max_length=50)
    if batch.status == ImportBatch.Status.IMPORTED:
        outcomes = batch.results.get("outcomes", [])
        counts = batch.results.get("counts", {})
        context: dict[str, Any] = {"imported": True}
    else:
        preview = imports.import_preview(batch=batch)
        outcomes = [o.as_dict() for o in preview.outcomes]
        counts = preview.counts
        context = {"imported": False, "expired": imports.is_expired(batch),
                   "ignored_columns": preview.ignored_columns}
    shown = [o for o in outcomes if o["status"] == "error"] if show == "errors" else \
        [o for o in outcomes if o["status"] != "unchanged"] if show == "changes" else outcomes
    return render(request, "backoffice/import-preview.html", {
        **context, "batch": batch, "outcomes": shown, "counts": counts,
        "total": len(outcomes), "show": show, "error": error,
        "changes": counts.get("new", 0) + counts.get("updated", 0),
    })


@require_GET
@role_required(Role.ADMIN)
def import_template(request: AuthenticatedHttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in imports.PLANNERS or fmt not in FORMATS:
        raise Http404("No such template.")
    content, content_type, filename = imports.import_template(kind, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

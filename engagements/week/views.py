"""My week: an enabler's home page, and logging, editing and deleting their sessions.

Every page works as plain GET/POST. With htmx the log form opens inside My week (#log-panel),
re-renders in place when it has errors, and a saved visit refreshes the week (#week-content)
without a page load.

Query budget, whatever the history (tests/test_week_views.py holds us to it): My week 8 and
the log form 8 (user session, user, roles, enabler, then the page's reads); logging a visit with
attendees and themes 11 (those four, one query for every rule, an INSERT per table written, the
audit row, and the SAVEPOINT/RELEASE pair a test transaction adds; 9 in production on
PostgreSQL). Headcounts and learning items add one INSERT per table, whatever their number.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.forms import BaseFormSet
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect, HttpResponseLocation

from enablers.models import Enabler
from engagements.messages.models import Nomination
from engagements.models import LearningItem, Session
from engagements.notes import notes_attach, notes_of_someone_else
from engagements.week import services
from engagements.week.cards import session_cards
from engagements.week.forms import LearningItemFormSet, SessionForm, posted_as_initial
from engagements.week.reads import (
    empty_weeks,
    engagement_rows,
    form_choices,
    last_used,
    quiet_engagements,
    week_days,
)
from fieldbook.access import role_required
from fieldbook.drafts import DRAFT_DAYS, draft_owner
from fieldbook.drafts import draft_key as draft_key_for
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.params import MAX_ID, query_date, query_int
from fieldbook.roles import Role
from fieldbook.security import private_notes
from fieldbook.units import monday_of

LEARNING_PREFIX = "learning"
MAX_LEARNING_ITEMS = 20
FORM_TEMPLATE = "engagements/session-form.html"


# ---- access helpers --------------------------------------------------------------------------

def get_enabler_for(request: AuthenticatedHttpRequest) -> Enabler:
    """The signed-in enabler's profile. One query. (The Enabler role without a profile is a
    set-up mistake: 404 rather than a crash.)"""
    try:
        return request.user.enabler
    except Enabler.DoesNotExist:
        raise Http404("No enabler profile for this account.") from None


def get_session_for(enabler: Enabler, pk: int, *, include_deleted: bool = False) -> Session:
    """The enabler's own session, or 404 — never a 403 that would confirm it exists."""
    # Its notes' author too: a profile re-linked to another account (impossible through any
    # screen, see enablers 0003) would still not hand its sessions to the new account.
    qs = Session.objects.filter(enabler=enabler, notes_author_id=enabler.user_id, pk=pk)
    if not include_deleted:
        qs = qs.filter(deleted_at__isnull=True)
    session = qs.select_related("engagement__place", "engagement__programme").first()
    if session is None:
        raise Http404("Session not found.")
    return session


# ---- small helpers ---------------------------------------------------------------------------

def _int_or_none(raw: str | None) -> int | None:
    """A posted id, or None if it is not one (the form is shown again, nothing lost)."""
    try:
        value = int(raw) if raw else None
    except ValueError:
        return None
    return value if value is not None and 1 <= value <= MAX_ID else None


def _week_of(params: QueryDict, today: dt.date) -> dt.date:
    """The Monday of the week asked for (``?week=``, any day of it), or of today's week."""
    return monday_of(query_date(params, "week", today=today) or today)


def _week_url(day: dt.date, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"week": monday_of(day).isoformat(), **params}.items())
    return f"{reverse('engagements:my-week')}?{query}"


def _week_context(request: AuthenticatedHttpRequest, enabler: Enabler, week_start: dt.date,
                  today: dt.date) -> dict[str, Any]:
    """Everything My week shows. Four queries (five when the week has sessions). Each session's
    notes are opened for the signed-in user only (``notes``: text, or None if not theirs)."""
    rows = engagement_rows(enabler)
    days = week_days(enabler, week_start)
    notes_attach((s for _, sessions in days for s in sessions), reader=request.user)
    return {
        "enabler": enabler,
        "today": today,
        "week_start": week_start,
        "week_end": week_start + dt.timedelta(days=6),
        "prev_week": week_start - dt.timedelta(weeks=1),
        "next_week": week_start + dt.timedelta(weeks=1),
        "is_current_week": week_start == monday_of(today),
        "days": days,
        "rows": rows,
        "quiet": quiet_engagements(rows, today),
        "empty_weeks": empty_weeks(enabler, today, rows),
    }


# ---- the session form ------------------------------------------------------------------------

def _bind(data: QueryDict, *, editing: bool) -> tuple[SessionForm, BaseFormSet]:
    """The posted form and learning items, before any list is loaded (no queries)."""
    return (
        SessionForm(data, editing=editing),
        LearningItemFormSet(data, prefix=LEARNING_PREFIX),
    )


def _with_choices(
    form: SessionForm, formset: BaseFormSet, enabler: Enabler, *,
    engagement_id: int | None, session: Session | None = None,
) -> None:
    """Load the lists the form shows (three queries) and give them to every form."""
    choices = form_choices(enabler, engagement_id, session=session)
    form.set_choices(engagements=choices["engagements"], members=choices["members"],
                     themes=choices["themes"])
    if not form.is_bound and choices["chosen"] is not None:
        # The engagement whose board is listed is the one selected.
        form.initial["engagement"] = choices["chosen"].pk
    for learning_form in formset.forms:
        learning_form.set_choices(themes=choices["themes"])
    formset.form_kwargs = {"themes": choices["themes"]}


def _unbound(
    initial: dict[str, Any], learning_initial: list[dict[str, Any]], enabler: Enabler, *,
    session: Session | None = None,
) -> tuple[SessionForm, BaseFormSet]:
    form = SessionForm(initial=initial, editing=session is not None)
    formset = LearningItemFormSet(prefix=LEARNING_PREFIX, initial=learning_initial)
    _with_choices(form, formset, enabler,
                  engagement_id=_int_or_none(str(initial.get("engagement") or "")),
                  session=session)
    return form, formset


def _redisplay(
    data: QueryDict, enabler: Enabler, *, session: Session | None = None
) -> tuple[SessionForm, BaseFormSet]:
    """Show what was posted again, unjudged: "Add a learning item" (one more, empty) or a new
    engagement chosen (its board members listed). Nothing typed is lost, no error is shown."""
    form, formset = _bind(data, editing=session is not None)
    initial = posted_as_initial(form)
    learning_initial = [posted_as_initial(f) for f in formset.forms]
    if "add_learning" in data and len(learning_initial) < MAX_LEARNING_ITEMS:
        learning_initial.append({"kind": LearningItem.Kind.LESSON, "shareable": False})
    form, formset = _unbound(initial, learning_initial, enabler, session=session)
    if "add_learning" in data and formset.forms:
        # Take the keyboard straight to the new item (htmx honours autofocus after a swap).
        formset.forms[-1].fields["text"].widget.attrs["autofocus"] = True
    return form, formset


def _apply_errors(error: DomainError, form: SessionForm, formset: BaseFormSet) -> None:
    """Show a service's errors beside the fields they are about (a learning item's beside its
    own form; the service numbers only the items that are not blank)."""
    live_forms = [f for f in formset.forms if f.to_data() is not None]
    errors_to_form(form, error, formsets={LEARNING_PREFIX: live_forms})


def _saved_items_of(session: Session) -> dict[int, LearningItem]:
    """The session's saved learning items by id. One query."""
    return {li.pk: li for li in with_nominated(LearningItem.objects.filter(session=session))}


def with_nominated(items: QuerySet[LearningItem]) -> QuerySet[LearningItem]:
    """``is_nominated`` on each item (a subquery, no extra query): the form then says where
    a nominated item's outcome is shown instead of offering to nominate it again."""
    return items.annotate(is_nominated=Exists(Nomination.objects.filter(item=OuterRef("pk"))))


def _attach_saved_items(formset: BaseFormSet, saved: dict[int, LearningItem]) -> None:
    """Tell each item's form which saved item it edits (no query)."""
    for learning_form in formset.forms:
        item_id = _int_or_none(str(learning_form["item_id"].value() or ""))
        learning_form.saved_item = saved.get(item_id) if item_id else None


def _learning_data(formset: BaseFormSet) -> list[services.LearningItemData]:
    return [item for f in formset.forms if (item := f.to_data()) is not None]


def _is_redisplay(request: AuthenticatedHttpRequest) -> bool:
    return "add_learning" in request.POST or "change_engagement" in request.POST


def _form_page(request: AuthenticatedHttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The full page, or only the form (#session-form-panel) for htmx."""
    template = f"{FORM_TEMPLATE}#session-form" if request.htmx else FORM_TEMPLATE
    return render(request, template, context)


def _sent_from_my_week(request: AuthenticatedHttpRequest) -> bool:
    """Was the form in My week's panel (rather than the full page /week/log/)?"""
    current = request.htmx.current_url_abs_path or ""
    return urlsplit(current).path == reverse("engagements:my-week")


def _new_form_initial(enabler: Enabler, *, today: dt.date, engagement_id: int | None,
                      day: dt.date | None) -> dict[str, Any]:
    """Sensible defaults: today (or the day asked for), the last engagement and kind of work."""
    last = last_used(enabler)
    return {
        "engagement": engagement_id or (last.engagement_id if last else None),
        "date": day if day and day <= today else today,
        "kind": last.kind if last else Session.Kind.SITE_VISIT,
        "duration": last.duration_minutes if last and last.duration_minutes else 120,
        "status": Session.Status.HELD,
        "idempotency_key": uuid.uuid4(),
    }


def _logged_message(session: Session) -> str:
    place = session.engagement.place
    kind = session.get_kind_display().lower()
    if session.is_held:
        return f"Logged your {kind} with {place} on {session.date:%-d %B}."
    status = session.get_status_display().lower()
    return f"Recorded the {status} {kind} with {place} on {session.date:%-d %B}."


# ---- views -----------------------------------------------------------------------------------

@require_GET
@role_required(Role.ENABLER)
@private_notes
def draft_key(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The key the browser encrypts this user's drafts with (fieldbook.drafts), to this user
    only, never stored by any cache (``@private_notes``: no-store). No query beyond sign-in."""
    return JsonResponse({"owner": draft_owner(request.user), "key": draft_key_for(request.user),
                         "days": DRAFT_DAYS})


@require_http_methods(["GET"])
@role_required(Role.ENABLER)
@private_notes
@vary_on_headers("HX-Request")
def my_week(request: AuthenticatedHttpRequest) -> HttpResponse:
    enabler = get_enabler_for(request)
    today = timezone.localdate()
    week_start = _week_of(request.GET, today)
    context = _week_context(request, enabler, week_start, today)
    # The session just logged, picked out of rows already loaded (no query).
    logged = query_int(request.GET, "logged")
    context["just_logged"] = next(
        (s.pk for _, sessions in context["days"] for s in sessions if s.pk == logged), None
    )
    # Each day with its cards (engagements.week.cards: a template loop cost most of the page).
    context["days"] = [(day, sessions, session_cards(sessions, just_logged=context["just_logged"]))
                       for day, sessions in context["days"]]
    deleted = query_int(request.GET, "deleted")
    if deleted:
        context["undo_session"] = (
            Session.objects.filter(enabler=enabler, pk=deleted, deleted_at__isnull=False)
            .select_related("engagement__place").first()
        )
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "engagements/my-week.html#week-content", context)
    # The back button after an htmx week change asks for the whole page (the week keeps no
    # htmx history copy: it holds private notes).
    return render(request, "engagements/my-week.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
@private_notes
@vary_on_headers("HX-Request")
def session_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Log a visit: a full page that works without JavaScript, or the panel inside My week."""
    enabler = get_enabler_for(request)
    today = timezone.localdate()
    # Inside My week the form is a section of that page, sent with htmx; on its own page it
    # is a plain form (htmx only re-renders it when the engagement changes).
    context: dict[str, Any] = {"mode": "log",
                               "inline": bool(request.htmx) and _sent_from_my_week(request)}

    if request.method == "GET":
        initial = _new_form_initial(
            enabler, today=today, engagement_id=query_int(request.GET, "engagement"),
            day=query_date(request.GET, "date", today=today),
        )
        form, formset = _unbound(initial, [], enabler)
        return _form_page(request, {**context, "form": form, "formset": formset, "fresh": True})

    if _is_redisplay(request):
        form, formset = _redisplay(request.POST, enabler)
        return _form_page(request, {**context, "form": form, "formset": formset})

    form, formset = _bind(request.POST, editing=False)
    if form.is_valid() and formset.is_valid():
        try:
            session, _created = services.session_log(
                enabler=enabler,
                data=form.to_data(_learning_data(formset)),
                idempotency_key=form.cleaned_data["idempotency_key"],
                today=today,
            )
        except DomainError as error:
            _apply_errors(error, form, formset)
        else:
            # extra_tags names the draft to forget (static/js/drafts.js, data-draft-saved).
            messages.success(request, _logged_message(session), extra_tags="log")
            url = _week_url(session.date, logged=session.pk)
            if request.htmx and _sent_from_my_week(request):
                # htmx fetches the week and swaps it in: no page load, and the POST stays
                # within its query budget (reading the week is the GET's job).
                return HttpResponseLocation(url, target="#week-content", swap="outerHTML")
            if request.htmx:
                return HttpResponseClientRedirect(url)  # the full-page form: go to the week
            return redirect(url)
    _with_choices(form, formset, enabler,
                  engagement_id=_int_or_none(request.POST.get("engagement")))
    # 200 with the errors, so htmx swaps the form back in (it ignores 4xx responses by default).
    return _form_page(request, {**context, "form": form, "formset": formset})


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
@private_notes(someone_elses=notes_of_someone_else)
@vary_on_headers("HX-Request")
def session_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enabler = get_enabler_for(request)
    session = get_session_for(enabler, pk)
    today = timezone.localdate()
    context: dict[str, Any] = {"mode": "edit", "session": session}

    if request.method == "GET":
        session = (
            Session.objects.filter(pk=session.pk)
            .select_related("engagement__place", "engagement__programme")
            .prefetch_related("attendees", "themes", "sector_counts",
                              Prefetch("learning_items",
                                       queryset=with_nominated(LearningItem.objects.all())),
                              "learning_items__themes")
            .get()
        )
        saved_items = sorted(session.learning_items.all(), key=lambda li: (li.created_at, li.pk))
        learning_initial = [
            {"kind": li.kind, "text": li.text, "attributed_role": li.attributed_role,
             "consent": li.consent, "shareable": li.shareable, "item_id": li.pk,
             "themes": [t.pk for t in li.themes.all()]}
            for li in saved_items
        ]
        initial = SessionForm.initial_from_session(session, reader=request.user)
        form, formset = _unbound(initial, learning_initial, enabler, session=session)
        _attach_saved_items(formset, {li.pk: li for li in saved_items})
        return _form_page(request, {**context, "form": form, "formset": formset, "fresh": True})

    if _is_redisplay(request):
        form, formset = _redisplay(request.POST, enabler, session=session)
        _attach_saved_items(formset, _saved_items_of(session))
        return _form_page(request, {**context, "form": form, "formset": formset})

    form, formset = _bind(request.POST, editing=True)
    if form.is_valid() and formset.is_valid():
        try:
            services.session_update(
                enabler=enabler,
                session=session,
                data=form.to_data(_learning_data(formset)),
                expected_version=form.cleaned_data.get("version") or 0,
                today=today,
            )
        except StaleEditError as stale:
            # Keep what the user typed, show the saved version beside it, and move the form's
            # version on: submitting again is now a deliberate choice to replace it.
            data = request.POST.copy()
            data["version"] = str(stale.current.version)
            form, formset = _bind(data, editing=True)
            form.is_valid()
            formset.is_valid()
            form.add_error(None, str(stale))
            notes_attach([stale.current], reader=request.user)
            context["current"] = stale.current
        except DomainError as error:
            _apply_errors(error, form, formset)
        else:
            messages.success(request, "Your changes were saved.", extra_tags=f"edit-{session.pk}")
            return redirect(_week_url(form.cleaned_data["date"], logged=session.pk))
    _with_choices(form, formset, enabler,
                  engagement_id=_int_or_none(request.POST.get("engagement")), session=session)
    _attach_saved_items(formset, _saved_items_of(session))
    return _form_page(request, {**context, "form": form, "formset": formset})


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
@private_notes
def session_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, then soft delete; My week then offers to undo it."""
    enabler = get_enabler_for(request)
    session = get_session_for(enabler, pk)
    if request.method == "GET":
        return render(request, "engagements/session-delete.html", {"session": session})
    services.session_delete(enabler=enabler, session=session)
    return redirect(_week_url(session.date, deleted=session.pk))


def get_learning_item_for(enabler: Enabler, pk: int) -> LearningItem:
    """A learning item from one of the enabler's own live sessions, or 404."""
    item = (LearningItem.objects.by_enabler(enabler).filter(pk=pk)
            .select_related("session__engagement__place").first())
    if item is None:
        raise Http404("Learning item not found.")
    return item


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
@private_notes  # an unshared item's text is the enabler's own: never cached
def learning_item_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Confirm, then withdraw sharing and consent for a learning item, for good."""
    enabler = get_enabler_for(request)
    item = get_learning_item_for(enabler, pk)
    if request.method == "GET" or item.withdrawn_at is not None:
        return render(request, "engagements/learning-item-withdraw.html", {"item": item})
    services.learning_item_withdraw(enabler=enabler, item=item)
    messages.success(request, "Sharing was withdrawn. The item is no longer shown to programme "
                     "leads, and summaries that included it are being compiled again without it.")
    return redirect("engagements:session-edit", pk=item.session_id)


@require_POST
@role_required(Role.ENABLER)
@private_notes
def session_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    enabler = get_enabler_for(request)
    session = get_session_for(enabler, pk, include_deleted=True)
    services.session_restore(enabler=enabler, session=session)
    messages.success(request, "The session was restored.")
    return redirect(_week_url(session.date, logged=session.pk))


@require_http_methods(["GET", "POST"])
@role_required(Role.ENABLER)
@private_notes
def week_repeat(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Copy last week's regular sessions into this week, after the enabler reviews them."""
    enabler = get_enabler_for(request)
    today = timezone.localdate()
    week_start = _week_of(request.GET if "week" in request.GET else request.POST, today)
    candidates = services.repeat_candidates(enabler=enabler, target_week_start=week_start)
    # A session already in this week on the same day, engagement and kind is probably this
    # week's copy: offered, but not ticked.
    logged = set(
        Session.objects.by_enabler(enabler)
        .between(week_start, week_start + dt.timedelta(days=6))
        .values_list("engagement_id", "date", "kind")
    )
    proposals: list[dict[str, Any]] = []
    for s in candidates:
        date = s.date + dt.timedelta(weeks=1)
        proposals.append({
            "source": s, "date": date, "in_future": date > today,
            "already": (s.engagement_id, date, s.kind) in logged,
        })
    error = ""
    chosen: set[str] | None = None
    batch_key: uuid.UUID | None = None
    if request.method == "POST":
        chosen = set(request.POST.getlist("source"))
        allowed = {p["source"].pk for p in proposals if not p["in_future"]}
        chosen_ids = [i for i in (_int_or_none(v) for v in chosen) if i]
        try:
            batch_key = uuid.UUID(request.POST.get("batch_key", ""))
        except ValueError:
            batch_key = None
        if batch_key is None:
            error = "This form has expired. Review the sessions again and repeat."
        elif not chosen_ids:
            error = "Choose at least one session to repeat."
        elif set(chosen_ids) - allowed:
            error = "You can only repeat last week’s sessions into days that have happened."
        else:
            try:
                created = services.sessions_repeat(
                    enabler=enabler, source_ids=chosen_ids, batch_key=batch_key, today=today
                )
            except DomainError as exc:
                error = str(exc)
            else:
                n = len(created)
                messages.success(
                    request,
                    f"Logged {n} session{'s' if n != 1 else ''} from last week. "
                    "Add private notes and learning to each as you need.",
                )
                return redirect(_week_url(week_start))
    return render(request, "engagements/week-repeat.html", {
        "week_start": week_start,
        "proposals": proposals,
        # Shown again after an error, the form keeps its key: nothing was saved under it, and
        # a double click on the corrected form still logs the copies once.
        "batch_key": batch_key or uuid.uuid4(),
        "error": error,
        "chosen": chosen,
    })

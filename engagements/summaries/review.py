"""Review, then lock: a lead's editorial pass over a compiled summary, and the lock that makes
it final (issue 15, point 2).

    ready ──review (introduction, hide an item with a reason, order the sections)──▶ ready
    ready ──lock──▶ ready + locked ──unlock (a reason, audited)──▶ ready

Every write is a compare-and-set on ``LearningSummary.review_version`` (the version the lead's
form was opened at), with the row still ready and unlocked: two leads locking at once — one
UPDATE matches, the other is told who locked it and when. Compiling bumps the version too, so a
lock seals exactly the content the lead had in front of them.

A locked summary never changes: compiling it again and the scheduler skip it
(``services._requeue`` and ``summaries_schedule_due`` leave locked rows alone), so its content,
figures and PDF stay as they were. Locking stores ``content_hash``: SHA-256 over the content and
the review as locked (``summary_hash``), shown on the page and in the downloads.

The one exception, chosen on purpose: **a withdrawal of consent wins over the lock.** An item
withdrawn after locking is blanked in the stored content (its text and role are removed; the
item stays, marked withdrawn), ``changed_after_lock_at`` is set and every rendering shows
"Changed after locking" with the date, and the PDF is rendered again without it. The hash is
*not* recomputed: it remains the hash of what was locked, so anyone can see that the document
now differs from the sealed one, and why. Nothing else can change a locked summary.

Review edits clear the PDF and queue it again (it must show the introduction and the order);
so do lock and unlock (the PDF says who locked it, when, and the hash).
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from engagements.models import LearningSummary, Session
from engagements.summaries.services import SummaryError, summary_pdf_enqueue
from fieldbook.audit import audit_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Status = LearningSummary.Status

# The sections a lead can put in order; "About this summary" always comes last.
SECTIONS = {
    "activity": "Activity",
    "themes": "Themes",
    "learning": "Learning",
    "outcomes": "Outcomes",
    "quiet-places": "Places with no contact",
}
DEFAULT_ORDER = list(SECTIONS)
MAX_INTRODUCTION = 4000
MAX_REASON = 500


def section_order(summary: LearningSummary) -> list[str]:
    """The lead's order, or the default; sections added since are appended."""
    chosen = [s for s in (summary.section_order or []) if s in SECTIONS]
    return chosen + [s for s in DEFAULT_ORDER if s not in chosen]


def summary_hash(summary: LearningSummary) -> str:
    """SHA-256 (hex) over the content and the review, as canonical JSON."""
    payload = {
        "content": summary.content,
        "introduction": summary.introduction,
        "hidden_items": summary.hidden_items,
        "section_order": section_order(summary),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _who(user: User | None) -> str:
    if user is None:
        return "Someone"
    return user.get_full_name() or user.get_username()


def _refused(summary_id: int, field: str | None) -> SummaryError:
    """Why a compare-and-set matched nothing, in words for the lead."""
    row = (LearningSummary.objects.select_related("locked_by").only(
        "status", "locked_at", "locked_by__first_name", "locked_by__last_name",
        "locked_by__username").filter(pk=summary_id).first())
    if row is None:
        return SummaryError(field_errors={field: ["This summary no longer exists."]})
    if row.locked_at is not None:
        when = timezone.localtime(row.locked_at)
        return SummaryError(field_errors={field: [
            f"{_who(row.locked_by)} locked this summary on {when:%-d %B %Y} at {when:%H:%M}; "
            "it can no longer be changed. Unlock it first (with a reason) if it must be."]})
    if row.status != Status.READY:
        return SummaryError(field_errors={field: [
            "This summary is still compiling. You can review and lock it once it is ready."]})
    return SummaryError(field_errors={field: [
        "Someone else changed this summary's review while you were looking at it, so "
        "nothing was saved. Check the page as it is now and try again."]})


def _write(summary: LearningSummary, *, version: int, field: str | None,
           locked: bool = False, **fields: Any) -> None:
    """The compare-and-set: ready, at ``version``, locked or not as expected. Clears the PDF
    (it is queued again after the commit)."""
    now = timezone.now()
    written = LearningSummary.objects.filter(
        pk=summary.pk, status=Status.READY, review_version=version,
        locked_at__isnull=not locked,
    ).update(review_version=F("review_version") + 1, updated_at=now,
             pdf=None, pdf_compiled_at=None, pdf_error="", **fields)
    if not written:
        raise _refused(summary.pk, field)
    summary_pdf_enqueue(summary.pk)


@transaction.atomic
def summary_review_save(*, summary: LearningSummary, by: User, version: int,
                        introduction: str, order: list[str]) -> None:
    """The editorial introduction and the order of the sections."""
    introduction = introduction.strip()
    if len(introduction) > MAX_INTRODUCTION:
        raise SummaryError(field_errors={"introduction": [
            f"Keep the introduction to {MAX_INTRODUCTION:,} characters or fewer"]})
    if sorted(order) != sorted(SECTIONS):
        raise SummaryError(field_errors={"order": ["Give each section its own place"]})
    _write(summary, version=version, field=None, introduction=introduction, section_order=order)
    audit_record(actor=by, action="engagements.summary.reviewed", obj=summary, changes={
        "introduction_chars": len(introduction), "section_order": order})


def _item_ids(summary: LearningSummary) -> set[int]:
    return {item["id"] for item in summary.content.get("learning", {}).get("items", [])
            if "id" in item}


@transaction.atomic
def summary_item_hide(*, summary: LearningSummary, by: User, version: int, item_id: int,
                      reason: str) -> None:
    """Leave one item of learning out of this summary, saying why."""
    reason = reason.strip()
    if not reason:
        raise SummaryError(field_errors={"reason": [
            "Say why this item is left out of the summary"]})
    if len(reason) > MAX_REASON:
        raise SummaryError(field_errors={"reason": [
            f"Keep the reason to {MAX_REASON} characters or fewer"]})
    if item_id not in _item_ids(summary):
        raise SummaryError(field_errors={None: ["That item is not in this summary"]})
    hidden = {**summary.hidden_items, str(item_id): reason}
    _write(summary, version=version, field="reason", hidden_items=hidden)
    audit_record(actor=by, action="engagements.summary.item_hidden", obj=summary,
                 changes={"item": item_id, "reason": reason})


@transaction.atomic
def summary_item_show(*, summary: LearningSummary, by: User, version: int,
                      item_id: int) -> None:
    hidden = {k: v for k, v in summary.hidden_items.items() if k != str(item_id)}
    _write(summary, version=version, field=None, hidden_items=hidden)
    audit_record(actor=by, action="engagements.summary.item_shown", obj=summary,
                 changes={"item": item_id})


@transaction.atomic
def summary_lock(*, summary: LearningSummary, by: User, version: int) -> str:
    """Lock the summary as the lead saw it (at ``version``). Returns the hash."""
    if summary.status != Status.READY or not summary.content:
        raise SummaryError(field_errors={None: [
            "This summary is still compiling. You can lock it once it is ready."]})
    digest = summary_hash(summary)
    _write(summary, version=version, field=None, locked_at=timezone.now(), locked_by=by,
           content_hash=digest)
    audit_record(actor=by, action="engagements.summary.locked", obj=summary,
                 changes={"content_hash": digest})
    return digest


@transaction.atomic
def summary_unlock(*, summary: LearningSummary, by: User, version: int, reason: str) -> None:
    """Unlock, for a reason that goes into the audit log."""
    reason = reason.strip()
    if not reason:
        raise SummaryError(field_errors={"reason": ["Say why this summary is being unlocked"]})
    if len(reason) > MAX_REASON:
        raise SummaryError(field_errors={"reason": [
            f"Keep the reason to {MAX_REASON} characters or fewer"]})
    previous = summary.content_hash
    _write(summary, version=version, field="reason", locked=True, locked_at=None,
           locked_by=None, content_hash="", changed_after_lock_at=None)
    audit_record(actor=by, action="engagements.summary.unlocked", obj=summary,
                 changes={"reason": reason, "content_hash_was": previous})


def summaries_mark_withdrawn(*, summary_ids: list[int], item_ids: set[int],
                             actor: User | None) -> None:
    """Blank withdrawn items in locked summaries (see the module's docstring). Runs inside the
    withdrawal's transaction; one read and one write per locked summary quoting the item."""
    now = timezone.now()
    for summary in LearningSummary.objects.filter(pk__in=summary_ids, locked_at__isnull=False):
        content = summary.content
        for item in content.get("learning", {}).get("items", []):
            if item.get("id") in item_ids and not item.get("withdrawn"):
                item.update(text="", role="", themes=[], withdrawn=True,
                            withdrawn_at=now.isoformat(timespec="seconds"))
        LearningSummary.objects.filter(pk=summary.pk).update(
            content=content, changed_after_lock_at=now, updated_at=now,
            review_version=F("review_version") + 1,
            pdf=None, pdf_compiled_at=None, pdf_error="")
        audit_record(actor=actor, action="engagements.summary.changed_after_lock", obj=summary,
                     changes={"reason": "learning withdrawn",
                              "items": sorted(item_ids & {i.get("id") for i in
                                                          content["learning"]["items"]})})
        summary_pdf_enqueue(summary.pk)


def sessions_changed_since_lock(summary: LearningSummary) -> int:
    """Sessions in the summary's scope and period written after it was locked (edited, added,
    deleted or restored). One query; none for an unlocked summary."""
    if summary.locked_at is None:
        return 0
    from engagements.summaries.content import _scope_q

    return Session.objects.filter(
        _scope_q(summary, "engagement__"), Q(updated_at__gt=summary.locked_at),
        date__gte=summary.period_start, date__lte=summary.period_end,
    ).order_by().count()

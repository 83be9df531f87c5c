"""The site-wide privacy canary (issue 7, point 2).

One enabler (the author) writes a unique string into the private notes, next steps and unshared
learning of every one of their sessions in the demo world. A second enabler works on the same
engagement (a co-enabler: the sharpest case). Then every URL of the site — every pattern the
resolver knows, with real objects, as a page, as an htmx fragment, and posted to — is fetched by
the co-enabler, a programme lead and an admin; every export (CSV, XLSX, PDF, Markdown) is
unpacked; a learning summary is compiled and read; every email the site sends is read; a
superuser opens every page of the Django admin; errors happen with DEBUG off; and every log
record written meanwhile, at DEBUG level, is read. The string must appear nowhere.

Positive controls prove the checks can see: the author's own pages do show the string (and
are never stored by a browser), so a check that read nothing would fail.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import logging
import shutil
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib import admin as django_admin
from django.core import mail
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backoffice import accounts
from demo.seed.seed import demo_seed
from enablers.models import Assignment, Enabler
from engagements.api.services import api_client_issue
from engagements.context.models import LocalProtocol, OtherSupport
from engagements.diagnostic.models import DiagnosticParticipant
from engagements.lifecycle.models import Proposal, SupportRequest
from engagements.measures.models import Measure
from engagements.messages.models import MessagePublication, Nomination
from engagements.messages.services import eligible_items, publication_render_pdf
from engagements.models import (
    Engagement,
    LearningItem,
    LearningSummary,
    Outcome,
    Programme,
    Session,
)
from engagements.reminders import enabler_digests_send
from engagements.retention.models import ReviewItem
from engagements.retention.policies import DISPOSABLE
from engagements.summaries.services import summary_compile, summary_render_pdf
from engagements.voice.models import VoiceRound
from fieldbook.roles import Role
from places.models import BoardMembership, Person

from .conftest import kept_for_the_module
from .factories import (
    ImportBatchFactory,
    LearningSummaryFactory,
    OnboardingDraftFactory,
    SystemFactory,
    ThemeFactory,
    UserFactory,
    first_of,
    notes_write,
)
from .security_support import passkey_for, verified_client
from .test_access import ADMIN_URLS, SITE_URLS, admin_expectation
from .test_privacy_canary import urls_to_fetch

pytestmark = pytest.mark.django_db

NOTES = "CANARY-site-notes-d41c"
STEPS = "CANARY-site-steps-8f02"
UNSHARED = "CANARY-site-unshared-5a7e"
CANARIES = (NOTES, STEPS, UNSHARED)
HX = {"HX-Request": "true"}


class World:
    def __init__(self) -> None:
        today = timezone.localdate()
        demo_seed(today=today)
        self.author = Enabler.objects.select_related("user").get(user__username="enabler")
        mine = Session.objects.filter(enabler=self.author)
        assert mine.count() >= 10
        notes_write(mine, f"The chair and the COO do not speak. {NOTES}")
        mine.update(next_steps=f"Call the chair privately. {STEPS}")
        self.session = first_of(mine.filter(deleted_at__isnull=True).order_by("-date"))
        self.deleted = mine.filter(deleted_at__isnull=False).first() or self._deleted(mine)
        self.unshared = LearningItem.objects.create(
            session=self.session, text=f"Not to share {UNSHARED}", shareable=False)
        self.engagement = self.session.engagement
        self.other_engagements = set(Engagement.objects.exclude(pk=self.engagement.pk)
                                     .order_by("pk").values_list("pk", flat=True)[:2])
        # A co-enabler on the author's own engagement.
        self.other = first_of(Enabler.objects.exclude(pk=self.author.pk).select_related("user"))
        if not self.engagement.assignments.filter(enabler=self.other, ended_on=None).exists():
            Assignment.objects.create(enabler=self.other, engagement=self.engagement,
                                      role=Assignment.Role.SUPPORTING,
                                      started_on=self.engagement.started_on or today)
        self.lead = UserFactory.create(username="canary-lead", roles=[Role.LEAD])
        self.admin = UserFactory.create(username="canary-admin", roles=[Role.ADMIN], is_staff=True)
        self.superuser = UserFactory.create(
            username="canary-root", is_staff=True, is_superuser=True)
        # One summary per programme, compiled: they read every session of the period.
        self.summaries = []
        for programme in Programme.objects.order_by("pk"):
            summary = LearningSummaryFactory.create(
                programme=programme, period_start=today - dt.timedelta(days=365),
                period_end=today, period=LearningSummary.Period.QUARTER)
            summary_compile(summary_id=summary.pk)
            summary_render_pdf(summary_id=summary.pk)  # the PDF task's work
            self.summaries.append(summary)
        assert LearningSummary.objects.filter(status="ready").exists()
        # The last one reviewed and locked, and a session written since (its page says so).
        from engagements.summaries.review import summary_lock, summary_review_save

        last = LearningSummary.objects.get(pk=self.summaries[-1].pk)
        summary_review_save(summary=last, by=self.lead, version=last.review_version,
                            introduction="Reviewed for the canary.",
                            order=["themes", "activity", "learning", "outcomes", "quiet-places"])
        last.refresh_from_db()
        summary_lock(summary=last, by=self.lead, version=last.review_version)
        summary_render_pdf(summary_id=last.pk)  # its PDF, now saying who locked it
        Session.objects.filter(engagement__programme=last.programme).update(
            updated_at=timezone.now() + dt.timedelta(seconds=1))
        self.draft = OnboardingDraftFactory.create(owner=self.admin)
        self.batch = ImportBatchFactory.create(owner=self.admin)
        self.system = SystemFactory.create(region=self.engagement.place.region)
        self.theme = ThemeFactory.create()
        # The messages for national leaders (the demo publishes one collection): the author's
        # own shared, consented learning nominated and published too, so the pages and every
        # file carry the author's shared text (but never their notes).
        self.publication = first_of(MessagePublication.objects.select_related(
            "collection__programme"))
        publication_render_pdf(publication_id=self.publication.pk)  # the PDF task's work
        self.collection = self.publication.collection
        self.nomination = first_of(Nomination.objects.filter(collection=self.collection))
        self.message = first_of(self.collection.messages.all())
        self.own_item = first_of(eligible_items().filter(session__enabler=self.author))
        # A client of the read-only API for every programme (its calls are crawled too).
        issued = api_client_issue(actor=self.admin, name="Canary BI",
                                  programmes=Programme.objects.all(),
                                  expires_on=today + dt.timedelta(days=30))
        self.api_client, self.api_token = issued.client, issued.token
        # Subject access: a board member of the author's place named in one of the author's
        # notes, their request with its pack compiled (no break-glass search approved, so no
        # note in it), and a search of the notes asked for, awaiting an Admin.
        from engagements.subjects.services import note_search_ask, sar_log, sar_pack_build

        member = first_of(BoardMembership.objects.filter(board__place=self.engagement.place)
                          .select_related("person")).person
        notes_write(Session.objects.filter(pk=self.session.pk),
                    f"{member.full_name} is worried. {NOTES}")
        dpo = UserFactory.create(username="canary-dpo", roles=[Role.DPO])
        self.sar = sar_log(actor=dpo, person=member, received_on=today)
        type(self.sar).objects.filter(pk=self.sar.pk).update(status="compiling")
        sar_pack_build(request_id=self.sar.pk)
        self.note_search = note_search_ask(actor=dpo, request=self.sar, reason="Disputed.")
        # Retention (issue 18): the queue filled as if decades had passed, a disposal asked
        # for, and an erasure awaiting approval.
        from engagements.retention import services as retention

        retention.review_queue_fill(today=today.replace(year=today.year + 30))
        self.review_item = first_of(ReviewItem.objects.order_by("pk"))
        self.disposal = retention.disposal_request(actor=self.admin, reason="Canary",
                                                   item_ids=[self.review_item.pk])
        self.erasure = retention.erasure_request(
            actor=self.admin, person=first_of(Person.objects.order_by("pk")), reason="Asked")

    @staticmethod
    def _deleted(mine: QuerySet[Session]) -> Session:
        session = first_of(mine.order_by("date"))
        Session.objects.filter(pk=session.pk).update(deleted_at=timezone.now())
        return session


@pytest.fixture(scope="module")
def world_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The world is built once for the module (demo data, compiled summaries, PDFs: seconds)."""
    with kept_for_the_module(django_db_blocker):
        yield World()


@pytest.fixture
def world(world_once: World, db: None) -> World:
    return copy.deepcopy(world_once)


# url name -> the path arguments to try, from the world. Every URL of the site is here: a new
# one fails test_every_url_is_in_the_canary_crawl until it is added.
def _engagements(w: World) -> Iterator[Engagement]:
    return iter(Engagement.objects.select_related("programme", "place").order_by("pk"))


def _place_of(e: Engagement) -> dict[str, Any]:
    return {"programme": e.programme.slug, "place": e.place.slug}


def _place_in(place_id: int) -> dict[str, Any]:
    return _place_of(first_of(Engagement.objects.select_related("programme", "place")
                              .filter(place_id=place_id).order_by("pk")))


ARGS: dict[str, Callable[[World], list[dict[str, Any]]]] = {
    "home": lambda w: [{}], "healthz": lambda w: [{}], "login": lambda w: [{}],
    "logout": lambda w: [{}], "two-factor": lambda w: [{}], "two-factor-setup": lambda w: [{}],
    "two-factor-setup-app": lambda w: [{}], "two-factor-setup-passkey": lambda w: [{}],
    "two-factor-recovery-codes": lambda w: [{}], "two-factor-manage": lambda w: [{}],
    "two-factor-passkey-remove": lambda w: [{"pk": passkey_for(w.author.user).pk}],
    "otp_webauthn:credential-registration-begin": lambda w: [{}],
    "otp_webauthn:credential-registration-complete": lambda w: [{}],
    "otp_webauthn:credential-authentication-begin": lambda w: [{}],
    "otp_webauthn:credential-authentication-complete": lambda w: [{}],
    "otp_webauthn:js-i18n-catalog": lambda w: [{}],
    # Single sign-on with no provider configured (as here): both are 404s, crawled anyway.
    "sso-begin": lambda w: [{"provider": "nhsmail"}],
    "sso-callback": lambda w: [{"provider": "nhsmail"}],
    "password_reset": lambda w: [{}], "password_reset_done": lambda w: [{}],
    "password_change": lambda w: [{}], "password_change_done": lambda w: [{}],
    "password_reset_confirm": lambda w: [{"uidb64": "MA", "token": "x"}],
    "password_reset_complete": lambda w: [{}],
    "backoffice:invitation-accept": lambda w: [{"token": "set-password"}],
    "admin-login": lambda w: [{}],
    "engagements:my-week": lambda w: [{}], "engagements:session-log": lambda w: [{}],
    "engagements:draft-key": lambda w: [{}],
    "engagements:week-repeat": lambda w: [{}],
    "engagements:session-edit": lambda w: [{"pk": w.session.pk}, {"pk": w.deleted.pk}],
    "engagements:session-delete": lambda w: [{"pk": w.session.pk}],
    "engagements:session-restore": lambda w: [{"pk": w.deleted.pk}],
    "engagements:learning-item-withdraw": lambda w: [{"pk": w.unshared.pk}],
    "engagements:dashboard": lambda w: [{}],
    "engagements:programme-dashboard": lambda w: [
        {"programme": p.slug} for p in Programme.objects.all()],
    "engagements:dashboard-export": lambda w: [
        {"programme": p.slug, "fmt": f} for p in Programme.objects.all() for f in ("csv", "xlsx")],
    # The author's place, and two others (one place page is built like the next).
    "engagements:place": lambda w: [
        {"programme": e.programme.slug, "place": e.place.slug} for e in _engagements(w)
        if e.pk == w.engagement.pk or e.pk in w.other_engagements],
    "engagements:place-export": lambda w: [
        {"programme": e.programme.slug, "place": e.place.slug, "fmt": f}
        for e in _engagements(w) if e.pk == w.engagement.pk for f in ("csv", "xlsx")],
    "engagements:heatmap": lambda w: [{"programme": p.slug} for p in Programme.objects.all()],
    "engagements:caseload": lambda w: [{"programme": p.slug} for p in Programme.objects.all()],
    "engagements:messages-mine": lambda w: [{}],
    "engagements:messages-nominate": lambda w: [{"pk": w.own_item.pk}],
    "engagements:quote-bank": lambda w: [{}],
    "engagements:messages": lambda w: [{"programme": w.collection.programme.slug}],
    "engagements:messages-edit": lambda w: [{"programme": w.collection.programme.slug}],
    "engagements:messages-message-add": lambda w: [{"programme": w.collection.programme.slug}],
    "engagements:messages-message-edit": lambda w: [
        {"programme": w.collection.programme.slug, "pk": w.message.pk}],
    "engagements:messages-message-move": lambda w: [
        {"programme": w.collection.programme.slug, "pk": w.message.pk}],
    "engagements:messages-decide": lambda w: [
        {"programme": w.collection.programme.slug, "pk": w.nomination.pk}],
    "engagements:messages-bank-add": lambda w: [
        {"programme": w.collection.programme.slug, "item": w.own_item.pk}],
    "engagements:messages-publish": lambda w: [{"programme": w.collection.programme.slug}],
    "engagements:messages-published": lambda w: [
        {"programme": w.collection.programme.slug, "number": w.publication.number}],
    "engagements:messages-download": lambda w: [
        {"programme": w.collection.programme.slug, "number": w.publication.number, "fmt": f}
        for f in ("pdf", "docx", "md")],
    "engagements:summary-list": lambda w: [{}], "engagements:summary-request": lambda w: [{}],
    "engagements:summary-detail": lambda w: [{"pk": s.pk} for s in w.summaries],
    "engagements:summary-compile": lambda w: [{"pk": w.summaries[0].pk}],
    "engagements:summary-review": lambda w: [{"pk": s.pk} for s in w.summaries],
    "engagements:summary-review-item": lambda w: [{"pk": w.summaries[0].pk}],
    "engagements:summary-lock": lambda w: [{"pk": w.summaries[0].pk}],
    "engagements:summary-unlock": lambda w: [{"pk": w.summaries[0].pk}],
    "engagements:summary-pdf": lambda w: [{"pk": s.pk} for s in w.summaries],
    "engagements:summary-markdown": lambda w: [{"pk": s.pk} for s in w.summaries],
    "backoffice:admin-home": lambda w: [{}], "backoffice:onboard": lambda w: [{}],
    "backoffice:onboard-start": lambda w: [{}],
    "backoffice:onboard-discard": lambda w: [{"pk": w.draft.pk}],
    "backoffice:onboard-step": lambda w: [{"pk": w.draft.pk, "page": p} for p in
                                      ("place", "board", "organisations", "members",
                                       "engagement", "enablers", "review")],
    "backoffice:onboard-done": lambda w: [{"pk": w.engagement.place.pk}],
    "backoffice:import": lambda w: [{}],
    "backoffice:import-template": lambda w: [{"kind": "places", "fmt": "csv"}],
    "backoffice:import-preview": lambda w: [{"token": w.batch.token}],
    "backoffice:users": lambda w: [{}], "backoffice:user-invite": lambda w: [{}],
    "backoffice:user-detail": lambda w: [{"pk": w.author.user.pk}, {"pk": w.other.user.pk}],
    "backoffice:user-deactivate": lambda w: [{"pk": w.author.user.pk}],
    "backoffice:user-reactivate": lambda w: [{"pk": w.author.user.pk}],
    "backoffice:invitation-resend": lambda w: [{"pk": w.author.user.pk}],
    "backoffice:user-password-reset": lambda w: [{"pk": w.author.user.pk}],
    "backoffice:enabler-edit": lambda w: [{"pk": w.author.user.pk}, {"pk": w.other.user.pk}],
    "backoffice:places": lambda w: [{}],
    "backoffice:place-edit": lambda w: [{"pk": w.engagement.place.pk}],
    "backoffice:place-board": lambda w: [{"pk": w.engagement.place.pk}],
    "backoffice:board-member-add": lambda w: [{"pk": w.engagement.place.pk}],
    "backoffice:board-membership-edit": lambda w: [
        {"pk": w.engagement.place.pk, "membership": m.pk} for m in BoardMembership.objects
        .filter(board__place=w.engagement.place).order_by("pk")[:2]],
    "backoffice:engagement-edit": lambda w: [{"pk": w.engagement.pk}],
    "backoffice:assignment-add": lambda w: [{"pk": w.engagement.pk}],
    "backoffice:assignment-end": lambda w: [
        {"pk": w.engagement.pk, "assignment": a.pk} for a in Assignment.objects
        .filter(engagement=w.engagement).order_by("pk")[:2]],
    "backoffice:outcome-add": lambda w: [{"pk": w.engagement.pk}],
    "backoffice:outcome-edit": lambda w: [
        {"pk": o.engagement_id, "outcome": o.pk} for o in Outcome.objects.order_by("pk")[:2]],
    "backoffice:organisations": lambda w: [{}], "backoffice:organisation-add": lambda w: [{}],
    "backoffice:organisation-edit": lambda w: [
        {"pk": o.pk} for o in w.engagement.place.organisations.order_by("pk")[:2]],
    "backoffice:regions": lambda w: [{}], "backoffice:region-add": lambda w: [{}],
    "backoffice:region-edit": lambda w: [{"pk": w.engagement.place.region.pk}],
    "backoffice:systems": lambda w: [{}], "backoffice:system-add": lambda w: [{}],
    "backoffice:system-edit": lambda w: [{"pk": w.system.pk}],
    "backoffice:organisation-kinds": lambda w: [{}], "backoffice:themes": lambda w: [{}],
    "backoffice:theme-add": lambda w: [{}], "backoffice:theme-merge": lambda w: [{}],
    "backoffice:theme-edit": lambda w: [{"pk": w.theme.pk}],
    "backoffice:programmes": lambda w: [{}], "backoffice:programme-add": lambda w: [{}],
    "backoffice:programme-edit": lambda w: [{"pk": w.engagement.programme.pk}],
    "backoffice:audit": lambda w: [{}],
    "backoffice:audit-export": lambda w: [{}],
    "accessibility": lambda w: [{}], "privacy": lambda w: [{}], "contact": lambda w: [{}],
    # Outcome statements (issue 16): the author's engagement's outcomes, drafts included.
    "engagements:outcomes": lambda w: [{"pk": w.engagement.pk}],
    "engagements:outcome-draft": lambda w: [{"pk": w.engagement.pk}],
    "engagements:outcome-invite": lambda w: [{"pk": w.engagement.pk}],
    "engagements:outcome-edit": lambda w: [
        {"pk": o.pk} for o in Outcome.objects.order_by("pk")[:2]],
    "engagements:outcome-send": lambda w: [
        {"pk": o.pk} for o in Outcome.objects.order_by("pk")[:2]],
    "engagements:outcome-revoke": lambda w: [
        {"pk": o.pk} for o in Outcome.objects.order_by("pk")[:1]],
    "engagements:respond": lambda w: [{"token": "open"}, {"token": "not-a-token"}],
    "engagements:outcomes-export": lambda w: [
        {"programme": w.engagement.programme.slug, "fmt": f} for f in ("csv", "xlsx")],
    # The lifecycle (issue 17): the demo's requests awaiting triage and its pending proposal.
    "engagements:request-support": lambda w: [{"programme": w.engagement.programme.slug}],
    "engagements:request-sent": lambda w: [{"programme": w.engagement.programme.slug}],
    "engagements:triage": lambda w: [{"programme": p.slug} for p in Programme.objects.all()],
    "engagements:triage-decide": lambda w: [
        {"programme": r.programme.slug, "pk": r.pk} for r in
        SupportRequest.objects.select_related("programme").filter(state="pending")],
    "engagements:lifecycle-step": lambda w: [
        {"programme": w.engagement.programme.slug, "place": w.engagement.place.slug,
         "step": step} for step in ("paused", "closed", "days", "resumed")],
    "engagements:proposal-decide": lambda w: [
        {"programme": p.engagement.programme.slug, "place": p.engagement.place.slug,
         "pk": p.pk} for p in Proposal.objects.select_related(
            "engagement__programme", "engagement__place").filter(state="pending")],
    "engagements:proposal-new": lambda w: [{"pk": w.engagement.pk}],
    # The diagnostic (issue 17, point 3): the author's engagement, its diagnostic sessions and
    # their participants; the pilot flag of a place.
    "engagements:diagnostic": lambda w: [{"pk": w.engagement.pk}],
    "engagements:diagnostic-record": lambda w: [{"pk": w.engagement.pk}],
    "engagements:diagnostic-send": lambda w: [{"pk": w.engagement.pk}],
    "engagements:diagnostic-participants": lambda w: [
        {"pk": s.pk} for s in Session.objects.filter(
            engagement=w.engagement, kind="diagnostic", deleted_at__isnull=True)
        .order_by("pk")[:2]],
    "engagements:diagnostic-participant-remove": lambda w: [
        {"pk": p.pk} for p in DiagnosticParticipant.objects.filter(
            session__engagement=w.engagement).order_by("pk")[:1]],
    "engagements:pilot": lambda w: [
        {"programme": w.engagement.programme.slug, "place": w.engagement.place.slug}],
    # The place's voice (issue 17): opening each kind for the author's place, and closing the
    # demo's rounds (the demo's are closed already: the page says so, the POST does nothing).
    "engagements:voice-open": lambda w: [
        {"programme": w.engagement.programme.slug, "place": w.engagement.place.slug,
         "kind": k} for k in ("self_assessment", "pulse")],
    "engagements:voice-close": lambda w: [
        {"programme": r.engagement.programme.slug, "place": r.engagement.place.slug,
         "pk": r.pk} for r in VoiceRound.objects.select_related(
            "engagement__programme", "engagement__place").order_by("pk")[:2]],
    # Measures, run charts, reach, cohorts, funding and innovations (issue 16): the author's
    # engagement (its measures), each measure of the demo, and the 23-area programme's areas.
    "engagements:measures": lambda w: [{"pk": w.engagement.pk}],
    "engagements:measure-add": lambda w: [{"pk": w.engagement.pk}],
    "engagements:measure": lambda w: [
        {"pk": m.pk} for m in Measure.objects.order_by("pk")[:3]],
    "backoffice:measure-import": lambda w: [
        {"pk": m.pk} for m in Measure.objects.order_by("pk")[:1]],
    "engagements:measure-send": lambda w: [
        {"pk": m.pk} for m in Measure.objects.order_by("pk")[:1]],
    "engagements:measures-export": lambda w: [
        {"programme": p.slug, "fmt": f} for p in Programme.objects.order_by("pk")
        for f in ("csv", "xlsx")],
    "engagements:reach": lambda w: [{"programme": p.slug} for p in Programme.objects.all()],
    "engagements:reach-export": lambda w: [
        {"programme": p.slug, "fmt": f} for p in Programme.objects.order_by("pk")
        for f in ("csv", "xlsx")],
    "engagements:reach-area": lambda w: [
        {"programme": w.engagement.programme.slug, "pk": w.engagement.pk}, *[
            {"programme": m.engagement.programme.slug, "pk": m.engagement_id}
            for m in Measure.objects.select_related("engagement__programme")
            .filter(engagement__isnull=False).order_by("pk")[:2]]],
    "engagements:reach-cohort-add": lambda w: [
        {"programme": w.engagement.programme.slug, "pk": w.engagement.pk}],
    "engagements:reach-innovation-add": lambda w: [
        {"programme": w.engagement.programme.slug, "pk": w.engagement.pk}],
    # Subject access (issue 18, point 1).
    "engagements:subject-access": lambda w: [{}],
    "engagements:subject-person": lambda w: [{"pk": w.sar.person_id}],
    "engagements:subject-request": lambda w: [{"pk": w.sar.pk}],
    "engagements:subject-compile": lambda w: [{"pk": w.sar.pk}],
    "engagements:subject-pack": lambda w: [{"pk": w.sar.pk, "fmt": f} for f in ("pdf", "json")],
    "engagements:subject-note-search": lambda w: [{"pk": w.sar.pk}],
    "engagements:subject-notes": lambda w: [{"pk": w.sar.pk}],
    "engagements:subject-approvals": lambda w: [{}],
    "engagements:subject-approval": lambda w: [{"pk": w.note_search.pk}],
    "engagements:note-clarify": lambda w: [{"pk": w.session.pk}],
    # Context, other support, the CQC asks and the good-practice library (issue 17, points
    # 6, 7): the author's place, the demo's other support and protocols, in their places.
    "engagements:context-edit": lambda w: [_place_of(w.engagement)],
    "engagements:other-support-add": lambda w: [_place_of(w.engagement)],
    "engagements:other-support-edit": lambda w: [
        {**_place_in(s.place_id), "pk": s.pk} for s in OtherSupport.objects.order_by("pk")[:2]],
    "engagements:uec-sponsor": lambda w: [_place_of(w.engagement)],
    "engagements:protocol-add": lambda w: [_place_of(w.engagement)],
    "engagements:protocol-edit": lambda w: [
        {**_place_in(p.board.place_id), "pk": p.pk}
        for p in LocalProtocol.objects.select_related("board").order_by("pk")[:2]],
    "engagements:uec-checklist": lambda w: [_place_of(w.engagement)],
    "engagements:support-load": lambda w: [{"programme": p.slug}
                                           for p in Programme.objects.order_by("pk")],
    "engagements:good-practice": lambda w: [{}],
    "engagements:good-practice-add": lambda w: [{"pk": w.engagement.pk}],
    # API clients, the open-data export and the read-only API (issue 18).
    "backoffice:api-clients": lambda w: [{}], "backoffice:api-client-add": lambda w: [{}],
    "backoffice:api-client-detail": lambda w: [{"pk": w.api_client.pk}],
    "backoffice:api-client-revoke": lambda w: [{"pk": w.api_client.pk}],
    "engagements:open-data": lambda w: [
        {"programme": p.slug, "fmt": fmt} for p in Programme.objects.order_by("pk")
        for fmt in ("csv", "json")],
    "api:openapi-json": lambda w: [{}], "api:openapi-view": lambda w: [{}],
    "api:api-root": lambda w: [{}], "api:programmes": lambda w: [{}],
    "api:themes": lambda w: [{}],
    "api:programme": lambda w: [{"slug": p.slug} for p in Programme.objects.order_by("pk")],
    "api:places": lambda w: [{"slug": p.slug} for p in Programme.objects.order_by("pk")],
    "api:engagements": lambda w: [{"slug": p.slug} for p in Programme.objects.order_by("pk")],
    "api:learning": lambda w: [{"slug": p.slug} for p in Programme.objects.order_by("pk")],
    "api:outcomes": lambda w: [{"slug": p.slug} for p in Programme.objects.order_by("pk")],
    # Retention (issue 18, points 2 and 3).
    "engagements:retention-queue": lambda w: [{}],
    "engagements:retention-item": lambda w: [{"pk": w.review_item.pk}],
    "engagements:retention-disposal": lambda w: [{"pk": w.disposal.pk}],
    "engagements:retention-destruction-log": lambda w: [{}],
    "engagements:retention-erasures": lambda w: [{}],
    "engagements:retention-erasure": lambda w: [{"pk": w.erasure.pk}],
    "backoffice:retention-policies": lambda w: [{}],
    "backoffice:retention-policy-edit": lambda w: [{"record_class": c} for c in DISPOSABLE],
}
# Query strings that change what a page shows (filters, sorting, pages, weeks).
QUERIES: dict[str, list[str]] = {
    "engagements:my-week": ["", "?week=2024-01-08"],
    "engagements:quote-bank": ["", "?kind=quote&role=senior", "?role=other&page=2"],
    "engagements:session-log": ["", "?engagement={engagement}"],
    "backoffice:audit": ["", "?area=engagements.", "?area=accounts.", "?record=sessions",
                         "?done=edited&who=a"],
    "backoffice:audit-export": ["?format=csv", "?format=xlsx&record=learning"],
    "backoffice:users": ["", "?q=enabler", "?status=deactivated"],
    "backoffice:places": ["", "?q=a", "?status=active"],
    "backoffice:organisations": ["", "?q=trust"],
    "engagements:retention-queue": ["", "?state=extended&kind=private_notes",
                                    "?state=disposal_requested", "?state=held&page=2"],
    "engagements:retention-erasures": ["", "?q=a"],
}


def text_of(response: Any) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw[:2] == b"PK":  # XLSX: every XML part
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            return "\n".join(book.read(n).decode("utf-8", "replace") for n in book.namelist())
    if raw[:5] == b"%PDF-":
        assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed to read PDFs"
        out = subprocess.run(["pdftotext", "-", "-"], input=raw, capture_output=True,
                             check=True, timeout=60)
        return out.stdout.decode("utf-8", "replace")
    return raw.decode("utf-8", "replace") + "\n" + "\n".join(
        f"{k}: {v}" for k, v in response.items())


def assert_clean(text: str, where: Any) -> None:
    for canary in CANARIES:
        assert canary not in text, (canary, where)


def site_urls(w: World) -> Iterator[tuple[str, str]]:
    """(url name, URL) for every URL pattern of the site, with the world's objects."""
    for name, _, _ in SITE_URLS:
        for kwargs in ARGS[name](w):
            base = reverse(name, kwargs=kwargs)
            for query in QUERIES.get(name, [""]):
                yield name, base + query.format(engagement=w.engagement.pk)


def test_every_url_is_in_the_canary_crawl() -> None:
    assert {name for name, _, _ in SITE_URLS} == set(ARGS)


def test_nothing_private_reaches_anyone_but_its_author(
    world: World, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    caplog.set_level(logging.DEBUG)
    personas = {
        # Everyone proves a second factor (issue 12), so each persona sees what it would.
        "co-enabler": verified_client(world.other.user),
        "lead": verified_client(world.lead),
        "admin": verified_client(world.admin),
        "anonymous": Client(),
        "api client": Client(headers={"Authorization": f"Bearer {world.api_token}"}),
    }
    urls = list(site_urls(world))
    dashboard_urls = [(name, url, headers) for url, headers, name in urls_to_fetch()]
    fetched = 0
    statuses: dict[str, set[int]] = {}
    for who, client in personas.items():
        for _name, url in urls:
            for headers in ({}, HX):
                response = client.get(url, headers=headers)
                assert_clean(text_of(response), (who, url, headers, response.status_code))
                statuses.setdefault(who, set()).add(response.status_code)
                fetched += 1
        for _name, url, headers in dashboard_urls:
            # Every filter, sort and page of the dashboards (tests/test_privacy_canary.py also
            # fetches them, as an admin too, with every session's notes marked).
            if who == "lead":
                response = client.get(url, headers=headers)
                assert response.status_code == 200, url
                assert_clean(text_of(response), (who, url, headers))
                fetched += 1
    assert 200 in statuses["lead"] and 200 in statuses["co-enabler"]
    assert 200 in statuses["api client"]

    # Every email the site sends: digests (the author's own included), an invitation and a
    # password reset.
    mail.outbox.clear()
    sent = enabler_digests_send(today=timezone.localdate() + dt.timedelta(days=60))
    accounts.user_invite(actor=world.admin, email="new.person@example.nhs.uk",
                         first_name="New", last_name="Person", role=Role.ENABLER.value,
                         link_for=lambda token: f"https://fieldbook.example/{token}")
    Client().post(reverse("password_reset"), {"email": world.author.user.email})
    assert sent >= 1 and len(mail.outbox) >= 3
    assert any(world.author.user.email in m.to for m in mail.outbox)
    for message in mail.outbox:
        bodies = [message.subject, message.body] + [
            content for content, _ in getattr(message, "alternatives", [])]
        assert_clean("\n".join(bodies), (message.to, message.subject))

    # Positive control: the author's own pages do show the string, so the checks above could
    # see it; and a page that shows it is never kept by a browser.
    author = verified_client(world.author.user)
    page = author.get(reverse("engagements:session-edit", args=[world.session.pk]))
    assert NOTES in text_of(page) and STEPS in text_of(page)
    assert "no-store" in page["Cache-Control"]
    shown = 0
    for _name, url in site_urls(world):
        response = author.get(url)
        if any(c in text_of(response) for c in CANARIES):
            assert "no-store" in response.get("Cache-Control", ""), url
            shown += 1
    assert shown >= 2

    # Then every URL posted to (empty: what a form re-shows, and what an action answers), the
    # lead and admin last, as an admin's POSTs change things (e.g. deactivating the author).
    for who in ("anonymous", "co-enabler", "lead", "admin"):
        for name, url in urls:
            if name == "logout":
                continue
            response = personas[who].post(url)
            assert_clean(text_of(response), (who, "POST", url, response.status_code))
            fetched += 1
    assert fetched > 1000
    print(f"\nsite canary: {fetched} responses checked")

    # And every log record written meanwhile.
    assert_clean(caplog.text + "\n".join(str(r.args) for r in caplog.records), "logs")


def test_the_django_admin_shows_a_superuser_no_private_notes(world: World, settings: Any
                                                             ) -> None:
    settings.FIELDBOOK_REQUIRE_2FA = True
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.auth.models import Group

    author = world.author.user
    fields = {"user_agent": "t", "ip_address": "127.0.0.1", "username": author.username,
              "http_accept": "*/*", "path_info": "/accounts/login/"}
    objects = {
        "auth.group": Group.objects.get(name=Role.ENABLER.value),
        "auth.user": author,
        "axes.accessattempt": AccessAttempt.objects.create(
            **fields, get_data="", post_data="", failures_since_start=1),
        "axes.accesslog": AccessLog.objects.create(**fields),
        "axes.accessfailurelog": AccessFailureLog.objects.create(**fields),
        "places.region": world.engagement.place.region,
        "places.system": world.system,
        "places.place": world.engagement.place,
        "places.organisation": world.engagement.place.organisations.first(),
        "places.deliveryboard": world.engagement.place.boards.first()
        if hasattr(world.engagement.place, "boards") else None,
        "places.person": None,
        "enablers.enabler": world.author,
        "engagements.theme": world.session.themes.first() or world.theme,
        "engagements.programme": world.engagement.programme,
        "engagements.engagement": world.engagement,
        "engagements.learningsummary": world.summaries[0],
    }
    from places.models import DeliveryBoard, Person

    objects["places.deliveryboard"] = DeliveryBoard.objects.filter(
        place=world.engagement.place).first() or DeliveryBoard.objects.first()
    objects["places.person"] = Person.objects.first()
    assert {m._meta.label_lower for m in django_admin.site._registry} == set(objects)
    assert all(objects.values())
    root = verified_client(world.superuser)
    opened = 0
    for name, route in ADMIN_URLS:
        cases = admin_expectation(route, name, objects)
        for url, _ in cases if isinstance(cases, list) else [cases]:
            response = root.get(url)
            assert response.status_code in (200, 302, 403, 404, 405), (url, response.status_code)
            assert_clean(text_of(response), url)
            opened += 1
            if url.endswith("/") and "/delete/" not in url and response.status_code == 200:
                # The changelist searched for words of the notes, as a curious admin might.
                searched = root.get(url, {"q": "chair"})
                assert_clean(text_of(searched), (url, "search"))
    assert opened > 80


def test_error_pages_and_error_reports_carry_no_private_notes(
    world: World, settings: Any, caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> None:
    """The author's own request fails while it holds their notes: the 500 page, the log and
    the error report emailed to ADMINS must not repeat them (DEBUG off)."""
    from engagements.week import services

    settings.DEBUG = False
    settings.ADMINS = [("Ops", "ops@example.nhs.uk")]
    caplog.set_level(logging.DEBUG)
    mail.outbox.clear()

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "session_log", boom)
    monkeypatch.setattr(services, "session_update", boom, raising=False)
    author = Client(raise_request_exception=False)
    author.force_login(world.author.user)
    page = author.get(reverse("engagements:session-log"))
    assert page.status_code == 200
    form = page.context["form"]
    data = {key: (value if value is not None else "") for key, value in form.initial.items()}
    data.update({
        "engagement": world.engagement.pk, "date": world.session.date.isoformat(),
        "kind": Session.Kind.SITE_VISIT, "status": Session.Status.HELD,
        "duration_minutes": 60, "duration": 60, "private_notes": f"Typed now {NOTES}",
        "next_steps": f"Then {STEPS}", "learning-TOTAL_FORMS": "0",
        "learning-INITIAL_FORMS": "0", "learning-MIN_NUM_FORMS": "0",
        "learning-MAX_NUM_FORMS": "20",
    })
    response = author.post(reverse("engagements:session-log"), data)
    assert response.status_code == 500, response.context["form"].errors
    assert_clean(text_of(response), "500 page")
    assert len(mail.outbox) == 1 and "RuntimeError" in mail.outbox[0].body  # the report went
    # Not found and forbidden pages, for someone else.
    lead = Client(raise_request_exception=False)
    lead.force_login(world.lead)
    for url in ("/nope/", reverse("engagements:my-week"),
                reverse("engagements:session-edit", args=[world.session.pk])):
        response = lead.get(url)
        assert response.status_code in (403, 404)
        assert_clean(text_of(response), url)
    for message in mail.outbox:
        assert_clean(str(message.subject) + str(message.body), "error report")
    assert_clean(caplog.text + "\n".join(str(r.args) + str(r.exc_info) for r in caplog.records),
                 "logs")

"""The Django side of ``make bench``, run in its own process against one bench database.

    python bench/django_side.py personas <tag> <load-users>   -> JSON: URLs, ids, session keys
    python bench/django_side.py compile <tag>                  -> JSON: summary time, peak RSS
    python bench/django_side.py import <rows>                  -> JSON: import time
    python bench/django_side.py messages <tag> <items>         -> JSON: messages document times
    python bench/django_side.py subject-access                 -> JSON: person index, SAR pack

A subprocess per measurement, so peak RSS (``resource.getrusage``) is that job's alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import resource
import secrets
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.loadgen import LOAD_PASSWORD  # noqa: E402
from enablers.models import Enabler  # noqa: E402
from engagements.models import Engagement, LearningSummary, Programme, Session  # noqa: E402

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WORKING = ("diagnostic", "active", "paused")


def _session_cookie(user: User) -> str:
    """A signed-in session, minted the way the test client signs in (the project's session
    engine and sign-in signals), with a verified TOTP device for anyone who owes a second
    factor. The password hash (deliberately slow) and the code entry are sign-in costs, not
    page costs: fifty of them would dominate the load test's start."""
    from django.conf import settings
    from django.test import Client as DjangoClient

    client = DjangoClient()
    client.force_login(user)
    try:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from fieldbook.security import needs_two_factor
    except ImportError:  # before two-factor authentication existed
        pass
    else:
        if needs_two_factor(user):
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="bench", defaults={"confirmed": True})
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _enabler_post(enabler: Enabler) -> dict[str, Any] | None:
    """What the log form needs for this enabler: an engagement, two board members, themes."""
    engagement = (Engagement.objects.assigned_to(enabler).select_related("place")
                  .order_by("pk").first())
    if engagement is None:
        return None
    members = list(engagement.place.board.members.order_by("pk").values_list("pk", flat=True)[:2])
    themes = list(Session.themes.through.objects.filter(session__engagement=engagement)
                  .values_list("theme_id", flat=True).distinct()[:2])
    return {"engagement": engagement.pk, "attendees": members, "themes": themes}


def _support_requests(programme: Programme, n: int) -> int:
    """Requests for support awaiting triage in the programme: ``n`` of them, made once (issue
    17's target: the triage list with 500 requests). Returns how many are pending."""
    from engagements.lifecycle.models import SupportRequest
    from places.models import Region

    pending = SupportRequest.objects.filter(programme=programme, state="pending")
    missing = n - pending.count()
    if missing > 0:
        regions = list(Region.objects.order_by("pk"))
        today = timezone.localdate()
        SupportRequest.objects.bulk_create([SupportRequest(
            programme=programme, new_place_name=f"Bench asking place {i:04}",
            region=regions[i % len(regions)], contact_name=f"Bench contact {i}",
            contact_role="Director of Operations", organisation=f"Bench trust {i % 40}",
            email=f"bench-{i}@example.org", help_with="Relationships across the board. " * 4,
            why_now="Winter pressures.", asked_on=today - dt.timedelta(days=i % 90))
            for i in range(missing)], batch_size=500)
    return pending.count()
def _api_token(programme: Programme, admin: User) -> str:
    from engagements.api.services import api_client_issue

    return api_client_issue(actor=admin, name="Bench", programmes=[programme],
                            expires_on=timezone.localdate() + dt.timedelta(days=1)).token


def personas(tag: str, load_users: int) -> dict[str, Any]:
    User = get_user_model()
    programme = Programme.objects.get(slug=f"{tag}-programme-00")
    busiest = (Engagement.objects.filter(programme=programme)
               .annotate(n=Count("sessions")).order_by("-n").select_related("place").first())
    assert busiest is not None
    # Typical caseload: the median enabler by current working assignments (then sessions).
    caseloads = list(
        Enabler.objects.filter(user__username__startswith=f"{tag}-enabler-")
        .annotate(current=Count("assignments", filter=Q(
            assignments__ended_on__isnull=True,
            assignments__engagement__status__in=WORKING)))
        .filter(current__gte=1).order_by("current", "pk").values_list("pk", "current"))
    typical_pk, typical_current = caseloads[len(caseloads) // 2]
    typical = Enabler.objects.select_related("user").get(pk=typical_pk)
    places = list(Engagement.objects.filter(programme=programme)
                  .values_list("place__slug", flat=True).order_by("place__slug"))
    p = programme.slug
    triage_requests = _support_requests(programme, 500)
    out: dict[str, Any] = {
        "programme": p,
        "programme_places": len(places),
        "busiest_place": busiest.place.slug,
        "busiest_place_sessions": busiest.n,
        "triage_requests": triage_requests,
        "enabler": typical.user.username,
        "enabler_current_engagements": typical_current,
        "enabler_sessions": Session.objects.filter(enabler=typical).count(),
        "enabler_post": _enabler_post(typical),
        "lead": f"{tag}-lead-00",
        "admin": f"{tag}-admin-0",
        "place_urls": [f"/programmes/{p}/places/{slug}/" for slug in places],
        "load_users": [],
        "password": LOAD_PASSWORD,
        # A token of the read-only API for the programme (a fresh client each run; only its
        # hash is stored), for the programme aggregate endpoint.
        "api_token": _api_token(programme, User.objects.get(username=f"{tag}-admin-0")),
        "sessions": {
            "enabler": _session_cookie(typical.user),
            "lead": _session_cookie(User.objects.get(username=f"{tag}-lead-00")),
            "admin": _session_cookie(User.objects.get(username=f"{tag}-admin-0")),
        },
    }
    # Load users: 70% enablers (each with their own engagement to log against), 20% leads,
    # 10% admins. Leads and admins may repeat; every virtual user has its own session.
    n_enablers = round(load_users * 0.7)
    n_leads = round(load_users * 0.2)
    n_admins = load_users - n_enablers - n_leads
    enablers = [e for _, e in zip(range(n_enablers * 3), Enabler.objects.filter(
        user__username__startswith=f"{tag}-enabler-",
        assignments__ended_on__isnull=True,
        assignments__engagement__status__in=WORKING).distinct().select_related("user")
        .order_by("pk"), strict=False)]
    chosen = []
    for e in enablers:
        post = _enabler_post(e)
        if post and post["attendees"] and post["themes"]:
            chosen.append((e, post))
        if len(chosen) == n_enablers:
            break
    out.update(measures_and_reach(tag, programme, busiest))
    out.update(voice_place(tag, programme, busiest))
    for e, post in chosen:
        out["load_users"].append({"role": "enabler", "username": e.user.username,
                                  "sessionid": _session_cookie(e.user), "post": post})
    leads = list(User.objects.filter(username__startswith=f"{tag}-lead-"))
    admins = list(User.objects.filter(username__startswith=f"{tag}-admin-"))
    for i in range(n_leads):
        out["load_users"].append({"role": "lead", "username": leads[i % len(leads)].username,
                                  "sessionid": _session_cookie(leads[i % len(leads)])})
    for i in range(n_admins):
        out["load_users"].append({"role": "admin", "username": admins[i % len(admins)].username,
                                  "sessionid": _session_cookie(admins[i % len(admins)])})
    return out


MEASURES, POINTS, AREAS = 10, 104, 23


VOICE_ORGS, VOICE_MEMBERS, VOICE_ROUNDS = 8, 16, 4


def voice_place(tag: str, programme: Programme, busiest: Engagement) -> dict[str, Any]:
    """Issue 17's bench page, made once per database (idempotent): the place page of the
    programme's last place by slug (not the busiest), whose board (16 members from 8
    organisations) has answered 4 closed self-assessment and 4 closed pulse rounds (the page
    draws the latest network and compares it with the one before)."""
    from engagements.voice.models import (
        Statement,
        StatementScore,
        TieRating,
        VoiceInvite,
        VoiceResponse,
        VoiceRound,
    )
    from places.models import BoardMembership, DeliveryBoard, Organisation, Person

    engagement = (Engagement.objects.filter(programme=programme).exclude(pk=busiest.pk)
                  .select_related("place").order_by("-place__slug").first())
    assert engagement is not None
    if VoiceRound.objects.filter(engagement=engagement).exists():
        return {"voice_place": engagement.place.slug}
    kinds = [k for k, _ in Organisation.Kind.choices]
    orgs = [Organisation.objects.get_or_create(
        name=f"{tag} voice organisation {i}", defaults={"kind": kinds[i % len(kinds)]})[0]
        for i in range(VOICE_ORGS)]
    board, _ = DeliveryBoard.objects.get_or_create(
        place=engagement.place, defaults={"name": f"{engagement.place.name} board"})
    people = []
    for i in range(VOICE_MEMBERS):
        person, _ = Person.objects.get_or_create(
            full_name=f"Voice Member{i:02} Bench", organisation=orgs[i % VOICE_ORGS],
            defaults={"role_title": "Director", "email": f"{tag}-voice-{i}@example.org"})
        BoardMembership.objects.get_or_create(board=board, person=person, ended_on=None)
        people.append(person)
    today = timezone.localdate()
    for kind in VoiceRound.Kind.values:
        for n in range(1, VOICE_ROUNDS + 1):
            opened = today - dt.timedelta(days=90 * (VOICE_ROUNDS - n + 1))
            r = VoiceRound.objects.create(
                engagement=engagement, kind=kind, number=n, opened_on=opened,
                closes_on=opened + dt.timedelta(days=14), closed_at=timezone.now())
            VoiceInvite.objects.bulk_create(
                VoiceInvite(round=r, person=p, organisation=p.organisation) for p in people)
            for i, p in enumerate(people):
                response = VoiceResponse.objects.create(round=r)
                if kind == VoiceRound.Kind.SELF_ASSESSMENT:
                    StatementScore.objects.bulk_create(
                        StatementScore(response=response, statement=st,
                                       score=1 + (i + n + j) % 5)
                        for j, st in enumerate(Statement))
                    continue
                TieRating.objects.bulk_create(
                    TieRating(response=response,
                              org_low=min(p.organisation, o, key=lambda x: x.pk),
                              org_high=max(p.organisation, o, key=lambda x: x.pk),
                              trust=1 + (i + n) % 5, value=1 + (i * 3 + n) % 5)
                    for o in orgs if o.pk != p.organisation_id)
    return {"voice_place": engagement.place.slug}


def measures_and_reach(tag: str, programme: Programme, busiest: Engagement) -> dict[str, Any]:
    """Issue 16's bench pages, made once per database (idempotent): a place page (not the
    busiest, whose figures are compared over time) with 10 measures of 104 weekly points each,
    and a 23-area programme whose areas each have funding, two cohorts with nine lines of
    participants, and two innovations with a measure of 104 points."""
    from decimal import Decimal

    from engagements.measures.models import Measure, MeasureValue
    from engagements.reach.models import AreaFunding, Cohort, CohortCount, Innovation
    from fieldbook.units import monday_of

    first = monday_of(timezone.localdate()) - dt.timedelta(weeks=POINTS - 1)

    def measure_with_points(engagement: Engagement, name: str,
                            innovation: Innovation | None = None) -> None:
        measure, made = Measure.objects.get_or_create(
            engagement=engagement, name=name, defaults={
                "unit": "bed_nights", "direction": "lower", "frequency": "weekly",
                "baseline_start": first, "baseline_end": first + dt.timedelta(weeks=19),
                "innovation": innovation})
        if made:
            MeasureValue.objects.bulk_create(
                MeasureValue(measure=measure, period=first + dt.timedelta(weeks=w),
                             value=Decimal(400 - (30 if w >= 40 else 0) + (w * 7) % 19))
                for w in range(POINTS))

    place_engagement = (Engagement.objects.filter(programme=programme).exclude(pk=busiest.pk)
                        .select_related("place").order_by("place__slug").first())
    assert place_engagement is not None
    for n in range(MEASURES):
        measure_with_points(place_engagement, f"Bench measure {n}")
    reach, _ = Programme.objects.get_or_create(
        slug=f"{tag}-reach-23", defaults={"name": f"{tag} system leadership, 23 areas",
                                          "starts_on": dt.date(2020, 1, 1)})
    places = list(busiest.place.__class__.objects.order_by("pk")[:AREAS])
    for place in places:
        area, made = Engagement.objects.get_or_create(
            programme=reach, place=place, defaults={
                "requested_on": dt.date(2020, 1, 1), "status": "active"})
        if not made:
            continue
        AreaFunding.objects.create(engagement=area, allocated=Decimal(86957),
                                   spent=Decimal(41000))
        for c in range(2):
            cohort = Cohort.objects.create(
                engagement=area, name=f"Cohort {c + 1}", kind="residential",
                starts_on=dt.date(2021, 3 + c, 1), ends_on=dt.date(2021, 3 + c, 3),
                returning=c * 4)
            CohortCount.objects.bulk_create(
                CohortCount(cohort=cohort, profession=profession, sector=sector,
                            participants=3 + (i * 5 + c) % 9)
                for i, (profession, sector) in enumerate([
                    ("gp", "primary_care"), ("consultant", "acute"), ("therapist", "community"),
                    ("nurse", "acute"), ("nurse", "community"), ("social_worker", "social_care"),
                    ("manager", "commissioning"), ("other_public", "other_public"),
                    ("other", "voluntary")]))
        for i in range(2):
            innovation = Innovation.objects.create(engagement=area, name=f"Innovation {i + 1}",
                                                   status="implemented")
            measure_with_points(area, f"Innovation {i + 1} measure", innovation)
    # The values were written in bulk: store each measure's run-chart result, as the services
    # do on every write (a database made before the stored results gets them here too).
    from engagements.measures.services import measure_charts_store_all

    measure_charts_store_all(list(Measure.objects.filter(chart_result__isnull=True)))
    return {"measures_place": place_engagement.place.slug, "reach_programme": reach.slug}


def compile_summary(tag: str) -> dict[str, Any]:
    """The quarterly learning summary of the 200-place programme, as the Celery tasks would make
    it: ``summary_compile`` (claim, content, save: the summary is ready, what a reader waits for)
    and then, right after and synchronously, ``summary_render_pdf`` (the PDF task's service).
    The PDF task the compile queues on commit is held back, so the render is timed on its own
    rather than inline in the compile (tasks run eagerly here). Peak RSS covers both."""
    import engagements.summaries.content as compile_module
    import engagements.summaries.services as summaries_module
    from engagements.summaries.periods import Period
    from engagements.summaries.services import summary_compile, summary_render_pdf

    programme = Programme.objects.get(slug=f"{tag}-programme-00")
    period = Period.last_completed("quarter", timezone.localdate())
    key = LearningSummary.make_scope_key(scope="programme", programme_id=programme.pk,
                                         region_id=None, place_id=None)
    LearningSummary.objects.filter(scope_key=key, period_start=period.start,
                                   period_end=period.end).delete()
    summary = LearningSummary.objects.create(
        scope="programme", programme=programme, scope_key=key, period="quarter",
        period_start=period.start, period_end=period.end)
    content_timing: dict[str, float] = {}
    real_content = compile_module.summary_content

    def timed_content(summary: LearningSummary, *, today: dt.date | None = None
                      ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return real_content(summary, today=today)
        finally:
            content_timing["seconds"] = time.perf_counter() - started

    queued_pdfs: list[int] = []

    def queue_pdf(summary_id: int) -> None:
        queued_pdfs.append(summary_id)

    compile_module.summary_content = timed_content
    summaries_module.summary_pdf_enqueue = queue_pdf
    sessions = Session.objects.filter(engagement__programme=programme, date__gte=period.start,
                                      date__lte=period.end).count()
    started = time.perf_counter()
    result = summary_compile(summary_id=summary.pk)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    pdf_result = summary_render_pdf(summary_id=summary.pk) if queued_pdfs else "not queued"
    pdf_seconds = time.perf_counter() - started
    summary.refresh_from_db()
    return {
        "result": result, "seconds": round(seconds, 2),
        "content_seconds": round(content_timing.get("seconds", 0), 2),
        "pdf_result": pdf_result, "pdf_seconds": round(pdf_seconds, 2),
        "pdf_kb": round(len(summary.pdf or b"") / 1000),
        "period": f"{period.start}..{period.end}", "sessions_in_quarter": sessions,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def import_places(rows: int) -> dict[str, Any]:
    """A ``rows``-row places spreadsheet through upload, preview and commit (the admin's three
    steps, the service calls the views make), then rolled back so reruns import again."""
    from backoffice.imports.service import import_commit, import_preview, import_upload
    from places.models import Region

    admin = get_user_model().objects.filter(username__endswith="-admin-0").first()
    assert admin is not None  # generate_load made one
    regions = list(Region.objects.values_list("code", flat=True))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["place_name", "region", "description"])
    run = secrets.token_hex(3)
    for i in range(rows):
        writer.writerow([f"Imported place {run} {i:04}", regions[i % len(regions)],
                         "A locality joining the programme"])
    data = buffer.getvalue().encode()
    timings: dict[str, float] = {}
    with transaction.atomic():
        started = time.perf_counter()
        batch = import_upload(actor=admin, kind="places", name="places.csv", data=data)
        timings["upload"] = time.perf_counter() - started
        mark = time.perf_counter()
        preview = import_preview(batch=batch)
        timings["preview"] = time.perf_counter() - mark
        mark = time.perf_counter()
        done = import_commit(actor=admin, batch=batch)
        timings["commit"] = time.perf_counter() - mark
        timings["total"] = time.perf_counter() - started
        transaction.set_rollback(True)
    return {"rows": rows, "new": done.counts.get("new", 0), "preview_errors": preview.has_errors,
            **{k: round(v, 2) for k, v in timings.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def messages_document(tag: str, items: int) -> dict[str, Any]:
    """The messages for national leaders of the 200-place programme with ``items`` nominated
    items (quotes with consent, one per live session, across its places), selected into 20
    headed messages: the document built from the database (what the published page and every
    file print), its HTML, and its tagged PDF, with the document's query count. All in one
    transaction, rolled back, so reruns start from the same data."""
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from engagements.messages import document as doc
    from engagements.messages.models import Message, MessageCollection, Nomination
    from engagements.models import LearningItem

    programme = Programme.objects.get(slug=f"{tag}-programme-00")
    with transaction.atomic():
        sessions = list(Session.objects.filter(engagement__programme=programme,
                                               deleted_at__isnull=True)
                        .order_by("-date").values_list("pk", flat=True)[:items])
        roles = ("Chief Executive", "NHS Chief Operating Officer", "Director of Nursing",
                 "NHS Operations Manager", "Consultant in emergency medicine")
        created = LearningItem.objects.bulk_create([
            LearningItem(session_id=pk, kind="quote", consent=True, shareable=True,
                         attributed_role=roles[n % len(roles)],
                         text=f"Support before systems reach crisis, said a board member ({n}).")
            for n, pk in enumerate(sessions)])
        MessageCollection.objects.filter(programme=programme).delete()
        collection = MessageCollection.objects.create(programme=programme)
        messages = Message.objects.bulk_create([
            Message(collection=collection, heading=f"Message {m + 1}", position=m,
                    argument="Local leaders asked for support planned with them.")
            for m in range(20)])
        Nomination.objects.bulk_create([
            Nomination(collection=collection, item=item, status="selected",
                       message=messages[n % len(messages)], supporting_quote=n % 25 == 0,
                       reason="Typical of what boards said.")
            for n, item in enumerate(created)])
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            content = doc.collection_content(collection, programme_name=programme.name)
            built = doc.document(content)
            html = render_to_string("engagements/messages/document-body.html", {"doc": built})
            html_seconds = time.perf_counter() - started
        started = time.perf_counter()
        pdf = doc.pdf_bytes(built)
        pdf_seconds = time.perf_counter() - started
        started = time.perf_counter()
        docx = doc.docx_bytes(built)
        docx_seconds = time.perf_counter() - started
        places = len({i["where"] for m in content["messages"] for i in m["items"]})
        transaction.set_rollback(True)
    return {
        "items": len(created), "messages": len(messages), "places_or_regions": places,
        "html_seconds": round(html_seconds, 3), "html_kb": round(len(html) / 1000),
        "queries": len(queries.captured_queries),
        "pdf_seconds": round(pdf_seconds, 2), "pdf_kb": round(len(pdf) / 1000),
        "docx_seconds": round(docx_seconds, 2), "docx_kb": round(len(docx) / 1000),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def subject_access() -> dict[str, Any]:
    """The busiest board member (the most sessions attended): their person index (what the
    DPO's person page reads) 30 times, p50/p95 and its query count, then their subject-access
    pack as the Celery job makes it (index, content with redaction, JSON, tagged PDF), with a
    break-glass search approved so the private notes of their places are opened and matched
    too. In a transaction rolled back at the end."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engagements.subjects import reads, services
    from engagements.subjects.models import NoteSearch, SubjectAccessRequest
    from engagements.subjects.views import SHOWN
    from fieldbook.roles import Role
    from places.models import Person

    busiest = (Person.objects.annotate(n=Count("sessions")).order_by("-n", "pk")
               .values_list("pk", "n").first())
    assert busiest is not None, "no people in this database"
    person = Person.objects.select_related("organisation").get(pk=busiest[0])
    times = []
    for _ in range(30):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            reads.person_index(person, shown=SHOWN)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    index = reads.person_index(person)  # everything, as the pack reads it
    User = get_user_model()
    with transaction.atomic():
        dpo = User.objects.create(username=f"bench-dpo-{secrets.token_hex(4)}")
        admin = User.objects.create(username=f"bench-approver-{secrets.token_hex(4)}")
        from django.contrib.auth.models import Group
        admin.groups.add(Group.objects.get(name=Role.ADMIN.value))
        sar = services.sar_log(actor=dpo, person=person, received_on=timezone.localdate())
        search = NoteSearch.objects.create(request=sar, asked_by=dpo, reason="bench",
                                           status=NoteSearch.Status.APPROVED, decided_by=admin,
                                           decided_at=timezone.now())
        SubjectAccessRequest.objects.filter(pk=sar.pk).update(status="compiling")
        started = time.perf_counter()
        services.sar_pack_build(request_id=sar.pk, actor_id=dpo.pk)
        pack_seconds = time.perf_counter() - started
        stored = SubjectAccessRequest.objects.get(pk=sar.pk)
        notes = len(reads.notes_matching(index, search))
        pdf_kb = round(len(stored.pack_pdf or b"") / 1000)
        json_kb = round(len(stored.pack_json or b"") / 1000)
        transaction.set_rollback(True)
    return {
        "person_sessions": busiest[1], "records": sum(n for _, n in index.kinds),
        "places": len(index.place_ids), "notes_naming": notes,
        "index_p50_ms": round(times[len(times) // 2], 1),
        "index_p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "index_queries": len(queries.captured_queries),
        "pack_seconds": round(pack_seconds, 2), "pdf_kb": pdf_kb, "json_kb": json_kb,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "personas":
        print(json.dumps(personas(sys.argv[2], int(sys.argv[3]))))
    elif command == "compile":
        print(json.dumps(compile_summary(sys.argv[2])))
    elif command == "import":
        print(json.dumps(import_places(int(sys.argv[2]))))
    elif command == "messages":
        print(json.dumps(messages_document(sys.argv[2], int(sys.argv[3]))))
    elif command == "subject-access":
        print(json.dumps(subject_access()))
    else:
        raise SystemExit(f"unknown command {command}")

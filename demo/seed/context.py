"""The demo's context and CQC asks (issue 17, points 6 and 7): each A&E place's context, the
other national programmes in it (ECIP, SAFER, Red2Green), its board's executive sponsor for
urgent and emergency care (one of its fictional board members), local protocols (one due for
review within the month), the board's own checklist answers for two places, and good-practice
items for the library. Made once per place: a place with a context is left alone, and
good practice is looked up by title.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from engagements.context import checklist
from engagements.context.models import (
    GoodPractice,
    LocalProtocol,
    OtherSupport,
    PlaceContext,
    UecChecklist,
    UecSponsor,
)
from engagements.models import Engagement, Theme
from places.models import BoardMembership, Organisation, Place

AE_PROGRAMME = "national-ae-improvement"
P = PlaceContext.Pressure
# place slug -> (councils, commissioners, ICB, coterminous, FT applications, pressure)
CONTEXTS: dict[str, tuple[int, int, str, bool | None, str, str]] = {
    "nottingham": (1, 1, "NHS Nottingham and Nottinghamshire ICB", True, "", P.HIGH),
    "central-lancashire": (3, 2, "NHS Lancashire and South Cumbria ICB", False, "", P.SEVERE),
    "north-merseyside": (2, 2, "NHS Cheshire and Merseyside ICB", False,
                         "Southport and Ormskirk Hospital NHS Trust is preparing an "
                         "application.", P.HIGH),
    "west-hertfordshire": (2, 1, "NHS Hertfordshire and West Essex ICB", False, "", P.MODERATE),
    "north-east-hertfordshire": (2, 1, "NHS Hertfordshire and West Essex ICB", False, "",
                                 P.MODERATE),
    "east-kent": (1, 4, "NHS Kent and Medway ICB", False, "", P.SEVERE),
    "cornwall": (1, 1, "NHS Cornwall and the Isles of Scilly ICB", True,
                 "The community trust's application is on hold.", P.HIGH),
    "imperial": (3, 3, "NHS North West London ICB", False, "", P.MODERATE),
    "barnet-enfield": (2, 2, "NHS North Central London ICB", False, "", P.HIGH),
}
# (name, owner, focus, started days ago, ended days ago or None), by place slug.
ECIP = ("Emergency Care Improvement Programme (ECIP)", "NHS Improvement",
        "Clinically led support on patient flow through the hospital.")
SAFER = ("SAFER patient flow bundle", "NHS Improvement",
         "Senior review before midday, expected discharge dates, early flow, review of long "
         "stays.")
RED2GREEN = ("Red2Green days", "Emergency Care Improvement Programme",
             "Each day of a patient's stay judged as adding value (green) or not (red).")
SUPPORT: dict[str, tuple[tuple[tuple[str, str, str], int, int | None], ...]] = {
    "nottingham": ((ECIP, 540, None), (SAFER, 400, None), (RED2GREEN, 300, 60)),
    "central-lancashire": ((ECIP, 500, None), (SAFER, 350, None), (RED2GREEN, 330, None)),
    "north-merseyside": ((SAFER, 420, None), (RED2GREEN, 200, None)),
    "west-hertfordshire": ((ECIP, 450, 120),),
    "east-kent": ((ECIP, 600, None), (SAFER, 380, None), (RED2GREEN, 250, None)),
    "cornwall": ((SAFER, 300, None),),
    "barnet-enfield": ((RED2GREEN, 280, None),),
}
# (place, title, covers, days since agreed, days until the review).
PROTOCOLS = (
    ("nottingham", "Escalation across the system at times of pressure",
     "Who does what, in which organisation, when the emergency department reaches each level "
     "of escalation; how the council and community services release capacity.", 330, 12),
    ("nottingham", "Same-day emergency care referrals",
     "Which patients GPs and the ambulance service can send straight to same-day emergency "
     "care, and how they are booked.", 200, 165),
    ("central-lancashire", "Discharge to assess",
     "Assessment for long-term care at home rather than on the ward, and who funds the first "
     "weeks.", 260, 105),
    ("north-merseyside", "Trusted assessor for care homes",
     "Care homes accept an assessment done by the hospital's trusted assessor.", 150, 215),
)
# (place, title, kind, description, role, theme slugs, days ago).
GOOD_PRACTICE = (
    ("nottingham", "Same-day emergency care at the front door", GoodPractice.Kind.SDEC,
     "Patients who would have been admitted overnight are assessed, treated and sent home the "
     "same day from a unit beside the emergency department, open twelve hours a day. GPs book "
     "into it directly.", "Clinical Director for Urgent Care", ("same-day-emergency-care",),
     90),
    ("central-lancashire", "One discharge conversation a day", GoodPractice.Kind.DISCHARGE,
     "The acute trust, the council and the community trust meet for fifteen minutes each "
     "morning about the patients ready to go home, instead of exchanging emails about whose "
     "fault a delay is.", "Head of Patient Flow", ("discharge", "delayed-transfers-of-care"),
     60),
    ("north-merseyside", "Frailty team in the emergency department", GoodPractice.Kind.FRAILTY,
     "A consultant geriatrician and a social worker see frail older people within an hour of "
     "arrival; most go home with support rather than to a ward.", "Consultant Geriatrician",
     ("same-day-emergency-care",), 120),
    ("east-kent", "A shared view of beds across the system", GoodPractice.Kind.DATA,
     "Every organisation on the board sees the same live picture of beds, care-home places and "
     "home-care packages, so the escalation call starts from facts.", "",
     ("relationships-and-trust",), 45),
)
CHECKLISTS = {
    "nottingham": {"sponsor": "in_place", "protocols": "in_place", "collaboration": "in_place",
                   "flow": "in_progress", "good_practice": "in_place", "voice": "in_progress"},
    "central-lancashire": {"sponsor": "in_place", "protocols": "in_progress",
                           "collaboration": "in_progress", "flow": "not_started",
                           "good_practice": "in_progress", "voice": "not_started"},
}


def context_seed(*, today: dt.date, report: Counter[str]) -> None:
    """Everything above that is missing. A handful of queries per place, about 30 in all."""
    slugs = set(CONTEXTS)
    places = {p.slug: p for p in Place.objects.filter(
        slug__in=slugs, engagements__programme__slug=AE_PROGRAMME).select_related("board")}
    done = set(PlaceContext.objects.filter(place__in=places.values())
               .values_list("place__slug", flat=True))
    for slug in sorted(set(places) - done):
        _place(places[slug], today, report)
    _good_practice(today, report)


def _place(place: Place, today: dt.date, report: Counter[str]) -> None:
    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    councils, commissioners, icb, coterminous, fta, pressure = CONTEXTS[place.slug]
    PlaceContext.objects.create(place=place, councils=councils, commissioners=commissioners,
                                icb=icb, coterminous=coterminous,
                                foundation_trust_applications=fta, pressure=pressure,
                                pressure_on=ago(14))
    report["place contexts"] += 1
    OtherSupport.objects.bulk_create([
        OtherSupport(place=place, name=name, owner=owner, focus=focus,
                     started_on=ago(start), ended_on=None if end is None else ago(end))
        for (name, owner, focus), start, end in SUPPORT.get(place.slug, ())])
    report["other support"] += len(SUPPORT.get(place.slug, ()))
    board = getattr(place, "board", None)
    if board is None:
        return
    member = (BoardMembership.objects.filter(board=board, ended_on__isnull=True)
              .select_related("person").order_by("pk").first())
    if member is not None:
        UecSponsor.objects.create(board=board, person=member.person, since=ago(180))
        report["UEC sponsors"] += 1
    organisations = list(Organisation.objects.filter(places=place).order_by("pk")[:3])
    for p_slug, title, covers, agreed, review in PROTOCOLS:
        if p_slug != place.slug:
            continue
        protocol = LocalProtocol.objects.create(board=board, title=title, covers=covers,
                                                agreed_on=ago(agreed),
                                                review_on=today + dt.timedelta(days=review))
        protocol.organisations.set(organisations)
        report["local protocols"] += 1
    answers = CHECKLISTS.get(place.slug)
    if answers and member is not None:
        UecChecklist.objects.create(
            board=board, state=UecChecklist.State.ANSWERED,
            answers={key: {"status": answers[key], "comment": ""}
                     for key, _text in checklist.SUGGESTIONS},
            answered_at=dt.datetime.combine(ago(20), dt.time(10), tzinfo=dt.UTC),
            answered_by_role=member.person.role_title)
        report["UEC checklists"] += 1


def _good_practice(today: dt.date, report: Counter[str]) -> None:
    have = set(GoodPractice.objects.values_list("title", flat=True))
    places = {e.place.slug: e.place for e in Engagement.objects.filter(
        programme__slug=AE_PROGRAMME).select_related("place")}
    themes = {t.slug: t for t in Theme.objects.all()}
    for slug, title, kind, description, role, theme_slugs, days in GOOD_PRACTICE:
        if title in have or slug not in places:
            continue
        item = GoodPractice.objects.create(place=places[slug], title=title, kind=kind,
                                           description=description, attributed_role=role,
                                           recorded_on=today - dt.timedelta(days=days))
        item.themes.set([themes[s] for s in theme_slugs if s in themes])
        report["good practice"] += 1

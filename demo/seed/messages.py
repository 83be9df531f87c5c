"""The demo's "Messages for national leaders" (issue 15): one programme's collection with
headed messages from the seed document, other enablers' quotes nominated, some selected with
reasons, one left out, one waiting, and a published version — so every page of the
pipeline has something to show. Made once: a programme that has a collection is left alone.
"""

from __future__ import annotations

from collections import Counter

from django.contrib.auth.models import User

from enablers.models import Enabler
from engagements.messages import services
from engagements.messages.models import MessageCollection, Nomination
from engagements.models import Programme
from fieldbook.errors import DomainError

MESSAGES = (
    ("Sacking chief executives hammers morale",
     "Making an example of chief executives promotes a bullying culture and dissuades people "
     "from stepping up to senior roles. Where at all possible, support and development should "
     "be the way to tackle performance difficulties."),
    ("Plan support collaboratively with local leaders",
     "Outside support has a greater impact when it is carefully planned with local leaders. "
     "Parachuting help in can cause avoidable disruption and undermine faith in local "
     "leadership."),
    ("Integrate and rationalise the proliferation of support programmes",
     "The programmes are valued, but their proliferation and overlap cause confusion and "
     "initiative fatigue. Local leaders would welcome a clear picture of what each is for."),
)
INTRODUCTION = (
    "Enablers working alongside local leaders asked them for their messages for the national "
    "NHS leadership. Some were robust and challenging, but all were given in a spirit of "
    "wanting the best for patients and staff.")


def messages_seed(*, programme: Programme, enabler: Enabler, lead: User,
                  report: Counter[str]) -> None:
    if MessageCollection.objects.filter(programme=programme).exists():
        return
    collection = services.collection_for(programme)
    collection.introduction = INTRODUCTION
    collection.save(update_fields=["introduction"])
    written = [services.message_save(actor=lead, collection=collection, heading=heading,
                                     argument=argument) for heading, argument in MESSAGES]
    # Every enabler's shared, consented learning in the programme, nominated by the enabler
    # who logged it; the demo enabler's own is left for them to nominate while demoing.
    items = list(services.eligible_items().filter(session__engagement__programme=programme)
                 .exclude(session__enabler=enabler)
                 .select_related("session__enabler__user").order_by("session__date", "pk")[:12])
    nominations: list[Nomination] = []
    for item in items:
        try:
            nominations.append(services.nomination_create(
                enabler=item.session.enabler, item_id=item.pk,
                note="The board came back to this more than once."))
        except DomainError:  # no longer assigned to the place: not theirs to nominate
            continue
    for n, nomination in enumerate(nominations):
        if n == len(nominations) - 1 and n >= 2:
            continue  # waiting for the lead's decision
        if n % 4 == 3:
            services.nomination_decide(
                actor=lead, nomination=nomination, selected=False, message=None,
                reason="A good point, but about one place's local politics.")
        else:
            services.nomination_decide(
                actor=lead, nomination=nomination, selected=True,
                message=written[n % len(written)], supporting_quote=n < len(written),
                reason="Says plainly what several boards told us.")
    collection.refresh_from_db()
    if any(n.status == Nomination.Status.SELECTED for n in nominations):
        services.collection_publish(actor=lead, collection=collection,
                                    version=collection.version)
    report["messages for national leaders"] += len(written)

"""The place's own voice (issue 17, points 4 and 5): self-assessment and relationship pulse
rounds answered by board members through their links; the aggregates and small-number rules;
the network's measures on known data; bad input; who sees what; the beat job; query budgets."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement
from engagements.respondents import services as respondents
from engagements.respondents.models import RespondentLink
from engagements.voice import reads, services
from engagements.voice.models import (
    Statement,
    StatementScore,
    TieRating,
    VoiceInvite,
    VoiceResponse,
    VoiceRound,
)
from engagements.voice.network import Node, Tie, network_of
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from places.models import Organisation

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    EngagementFactory,
    OrganisationFactory,
    PersonFactory,
)

SA = VoiceRound.Kind.SELF_ASSESSMENT
PULSE = VoiceRound.Kind.PULSE
COMMENT = "Our discharge huddle finally has the council in it"
RESPOND_OPEN = "/respond/open/"


# ---- the network's measures on known data (no database) -------------------------------------

def _nodes() -> list[Node]:
    return [Node.of(1, "Acute Trust", "acute_trust"), Node.of(2, "Council", "local_authority"),
            Node.of(3, "Hospice", "voluntary"), Node.of(4, "Second Acute", "acute_trust")]


def test_network_measures_on_known_data() -> None:
    before = network_of(_nodes(), [Tie(1, 2, 2.0, 3.0, True), Tie(1, 3, 4.0, 4.0, True)])
    net = network_of(_nodes(), [
        Tie(1, 2, 3.0, 4.0, True),   # 3.5: working, up from 2.5 (strengthened by 1.0)
        Tie(1, 3, 4.0, 4.5, True),   # 4.2 (rounded): strong, up 0.2 (not strengthened)
        Tie(1, 4, 5.0, 5.0, True),   # 5.0: strong, within one sector
        Tie(2, 3, 2.0, 2.0, True),   # 2.0: weak, not a working tie
        Tie(3, 4, 5.0, 5.0, False),  # fewer than 3 ratings: not drawn, not counted
    ], before=before)
    assert net.pairs == 6
    assert [(t.low, t.high) for t in net.ties] == [(1, 4), (1, 3), (1, 2), (2, 3)]
    assert len(net.working) == 3
    assert net.density == pytest.approx(0.5)
    assert net.density_percent == 50
    # Acute, social care and voluntary each have a working tie with another sector.
    assert net.sectors_connected == 3
    assert net.sectors == ["acute", "social_care", "voluntary"]
    assert [(t.low, t.high) for t in net.strengthened] == [(1, 2)]
    assert net.not_shown == 1
    assert {t.band for t in net.ties} == {"strong", "working", "weak"}
    # Nodes are grouped by sector: the two acute trusts sit next to each other.
    assert [n.id for n in net.nodes] == [1, 4, 2, 3]
    assert [n.number for n in net.nodes] == [1, 2, 3, 4]
    assert all(0 <= n.x <= net.width and 0 <= n.y <= net.height for n in net.nodes)


def test_a_network_of_two_has_one_pair_and_no_density_without_ties() -> None:
    net = network_of(_nodes()[:2], [])
    assert net.pairs == 1 and net.density == 0 and net.sectors_connected == 0
    assert net.nodes[0].y == net.nodes[1].y  # side by side


# ---- a board to ask ----------------------------------------------------------------------------

@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """An active engagement whose board has six members with an email address from three
    organisations (two each), and one without an address."""
    engagement = EngagementFactory.create()
    board = DeliveryBoardFactory.create(place=engagement.place)
    orgs = [OrganisationFactory.create(name=n, kind=k) for n, k in (
        ("Vale Hospitals NHS Trust", Organisation.Kind.ACUTE_TRUST),
        ("Vale Council", Organisation.Kind.LOCAL_AUTHORITY),
        ("Vale Voluntary Action", Organisation.Kind.VOLUNTARY))]
    people = []
    for i in range(6):
        person = PersonFactory.create(full_name=f"Board Member{chr(65 + i)}son",
                                      role_title="Director", organisation=orgs[i % 3],
                                      email=f"member{i}@example.org")
        BoardMembershipFactory.create(board=board, person=person)
        people.append(person)
    BoardMembershipFactory.create(board=board, person=PersonFactory.create(
        organisation=orgs[0], email=""))
    return {"engagement": engagement, "orgs": orgs, "people": people}


def link_for(token: str) -> str:
    return "http://testserver" + reverse("engagements:respond", kwargs={"token": token})


def open_round(world: dict[str, Any], kind: str, capture: Any,
               actor: Any = None) -> tuple[VoiceRound, list[str]]:
    """Open a round; returns it and the tokens mailed (one per member with an address)."""
    mail.outbox.clear()
    with capture(execute=True):
        r = services.voice_round_open(actor=actor, engagement=world["engagement"], kind=kind,
                                      link_for=link_for)
    tokens = [re.search(r"/respond/([^/\s]+)/", str(m.body)).group(1)  # type: ignore[union-attr]
              for m in mail.outbox]
    return r, tokens


def sa_answer(token: str, score: int, comment: str = "") -> VoiceResponse:
    return services.voice_respond(token=token, scores={s.value: score for s in Statement},
                                  comments={Statement.TRUST.value: comment})


def pulse_answer(token: str, rating: int) -> VoiceResponse:
    link, _ = respondents.link_find(token)
    assert link is not None
    invite = VoiceInvite.objects.get(pk=link.object_id)
    return services.voice_respond(token=token, ties={
        org_id: (rating, rating) for org_id, _ in services.pulse_partners(invite)})


# ---- opening, answering, closing ---------------------------------------------------------------

def test_opening_a_round_sends_each_member_with_an_address_their_own_link(
        world: dict[str, Any], lead_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    r, tokens = open_round(world, SA, django_capture_on_commit_callbacks, lead_user)
    assert r.number == 1 and r.closes_on == r.opened_on + dt.timedelta(days=14)
    assert len(tokens) == len(set(tokens)) == 6
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in world["people"])
    assert "five short statements" in str(mail.outbox[0].body)
    assert RespondentLink.objects.filter(purpose="self_assessment").count() == 6
    event = AuditEvent.objects.get(action="engagements.voice.opened")
    assert event.changes["invited"] == 6
    with pytest.raises(DomainError, match="open already"):
        open_round(world, SA, django_capture_on_commit_callbacks)
    # A pulse is another kind: it can be open at the same time.
    pulse, _ = open_round(world, PULSE, django_capture_on_commit_callbacks)
    assert pulse.number == 1


def test_a_round_is_refused_for_a_paused_engagement_or_a_board_nobody_can_be_asked_on(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    Engagement.objects.filter(pk=world["engagement"].pk).update(status="paused")
    world["engagement"].refresh_from_db()
    with pytest.raises(DomainError, match="paused"):
        open_round(world, SA, django_capture_on_commit_callbacks)
    empty = EngagementFactory.create()
    with pytest.raises(DomainError, match="email address"):
        services.voice_round_open(actor=None, engagement=empty, kind=SA, link_for=link_for)
    assert not VoiceRound.objects.exists()


def test_answers_keep_no_trace_of_who_gave_them(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    r, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    sa_answer(tokens[0], 4, COMMENT)
    response = VoiceResponse.objects.get()
    assert {f.name for f in VoiceResponse._meta.get_fields()} == {"id", "round", "scores",
                                                                   "ties"}
    assert response.round_id == r.pk
    event = AuditEvent.objects.get(action="engagements.voice.answered")
    assert event.actor_id is None and set(event.changes) == {"engagement_id"}


def test_self_assessment_aggregates_and_the_place_sees_its_comments(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    r, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    for token, score in zip(tokens[:4], (2, 3, 4, 4), strict=True):
        sa_answer(token, score, COMMENT if score == 2 else "")
    # Open: nothing is shown, however many answered.
    assert reads.place_voice(world["engagement"].pk).self_assessment.rounds == []
    services.voice_round_close(actor=None, voice_round=r)
    assessment = reads.place_voice(world["engagement"].pk).self_assessment
    assert [x.pk for x in assessment.rounds] == [r.pk]
    assert {row.statement: row.means for row in assessment.rows} == {
        s.value: [3.2] for s in Statement}  # (2 + 3 + 4 + 4) / 4 = 3.25
    trust = next(row for row in assessment.rows if row.statement == "trust")
    assert trust.comments == [1]
    assert assessment.comments == []  # not for the centre
    own = reads.self_assessment_of(reads.rounds_of(world["engagement"].pk), with_comments=True)
    assert own.comments[0][1] == [("Trust", COMMENT)]
    # The links not used stop working when the round closes.
    assert respondents.link_find(tokens[5])[1] == "revoked"


def test_a_second_round_shows_the_change(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    first, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    for t in tokens[:3]:
        sa_answer(t, 2)
    services.voice_round_close(actor=None, voice_round=first)
    second, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    for t in tokens[:3]:
        sa_answer(t, 4)
    services.voice_round_close(actor=None, voice_round=second)
    assessment = reads.place_voice(world["engagement"].pk).self_assessment
    assert [x.number for x in assessment.rounds] == [1, 2]
    assert assessment.rows[0].means == [2.0, 4.0]
    assert assessment.rows[0].change == 2.0


def test_a_round_answered_by_two_shows_only_fewer_than_3_responses(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any,
        lead_client: Client) -> None:
    r, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    sa_answer(tokens[0], 5)
    sa_answer(tokens[1], 1)
    services.voice_round_close(actor=None, voice_round=r)
    voice = reads.place_voice(world["engagement"].pk)
    assert voice.self_assessment.rounds == [] and voice.self_assessment.suppressed == [r]
    e = world["engagement"]
    page = lead_client.get(reverse("engagements:place", args=[e.programme.slug, e.place.slug]))
    section = page.content.decode().split('id="voice"')[1].split('id="learning"')[0]
    assert "Round 1" in section and "fewer than 3 responses" in section
    assert "3.0" not in section and "Shared purpose" not in section


def test_pulse_ties_need_3_ratings_and_strengthened_ties_are_found(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    first, tokens = open_round(world, PULSE, django_capture_on_commit_callbacks)
    # Members 0 (acute), 1 (council), 3 (acute) answer: acute-council has 3 ratings (two from
    # acute, one from council), acute-voluntary 2, council-voluntary 1.
    for i in (0, 1, 3):
        pulse_answer(tokens[i], 2)
    services.voice_round_close(actor=None, voice_round=first)
    pulse = reads.place_voice(world["engagement"].pk).pulse
    assert pulse.network is not None
    assert [(t.a.name, t.b.name) for t in pulse.network.ties  # type: ignore[union-attr]
            ] == [("Vale Hospitals NHS Trust", "Vale Council")]
    assert pulse.network.not_shown == 2 and pulse.network.density == 0
    second, tokens = open_round(world, PULSE, django_capture_on_commit_callbacks)
    for i in range(6):
        pulse_answer(tokens[i], 4)
    services.voice_round_close(actor=None, voice_round=second)
    pulse = reads.place_voice(world["engagement"].pk).pulse
    net = pulse.network
    assert net is not None and pulse.round == second and pulse.previous == first
    assert len(net.ties) == 3 and net.density == 1.0 and net.sectors_connected == 3
    assert [(t.a.name, t.b.name, t.before, t.strength)  # type: ignore[union-attr]
            for t in net.strengthened] == [("Vale Hospitals NHS Trust", "Vale Council", 2.0,
                                            4.0)]
    # Round 1 can still be drawn on its own.
    rounds = reads.rounds_of(world["engagement"].pk)
    assert reads.pulse_of(rounds, number=1).round == first
    assert reads.pulse_of(rounds, number=1).previous is None
    assert reads.pulse_of(rounds, number=9).round == second  # not a round: the latest


# ---- bad input ------------------------------------------------------------------------------

def test_a_rating_outside_1_to_5_or_a_missing_one_saves_nothing(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    _, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    scores: dict[str, object] = {s.value: 3 for s in Statement}
    scores["trust"] = 7
    scores["boundaries"] = None
    with pytest.raises(DomainError) as caught:
        services.voice_respond(token=tokens[0], scores=scores)
    assert caught.value.field_errors["score_trust"] == [
        "“trust”: the rating must be from 1 to 5"]
    assert caught.value.field_errors["score_boundaries"] == [
        "Choose a rating from 1 to 5 for “working across boundaries”"]
    assert not VoiceResponse.objects.exists() and not StatementScore.objects.exists()
    assert respondents.link_find(tokens[0])[1] == "valid"
    _, tokens = open_round(world, PULSE, django_capture_on_commit_callbacks)
    link, _ = respondents.link_find(tokens[0])
    partners = services.pulse_partners(VoiceInvite.objects.get(pk=link.object_id))  # type: ignore[union-attr]
    with pytest.raises(DomainError) as caught:
        services.voice_respond(token=tokens[0], ties={partners[0][0]: (0, 5),
                                                      partners[1][0]: ("x", 6)})
    assert len(caught.value.field_errors) == 3
    assert not TieRating.objects.exists()


def test_a_comment_naming_a_board_member_is_refused(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    _, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    name = world["people"][1].full_name
    with pytest.raises(DomainError) as caught:
        sa_answer(tokens[0], 3, f"{name} blocks every decision")
    assert "comment_trust" in caught.value.field_errors
    assert not VoiceResponse.objects.exists()


def test_a_link_answers_once_and_not_after_it_expired(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    _, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    sa_answer(tokens[0], 3)
    with pytest.raises(respondents.LinkUnusable) as caught:
        sa_answer(tokens[0], 3)
    assert caught.value.state == "used"
    later = timezone.now() + dt.timedelta(days=15)
    with pytest.raises(respondents.LinkUnusable) as caught:
        services.voice_respond(token=tokens[1], scores={s.value: 3 for s in Statement},
                               now=later)
    assert caught.value.state == "expired"
    assert VoiceResponse.objects.count() == 1


# ---- the pages ----------------------------------------------------------------------------

def _answer_page(client: Client, token: str) -> str:
    assert client.get(f"/respond/{token}/").status_code == 302
    page = client.get(RESPOND_OPEN)
    assert page.status_code == 200
    return page.content.decode()


def test_a_board_member_answers_through_their_link_and_sees_the_place_over_time(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any, client: Client) -> None:
    first, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    for t in tokens[:3]:
        sa_answer(t, 4, COMMENT)
    services.voice_round_close(actor=None, voice_round=first)
    _, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    page = _answer_page(client, tokens[0])
    assert "How is your board working together?" in page
    assert Statement.CLINICAL_LEADERSHIP.label.replace("’", "&#x27;") in page or \
        "Clinicians lead" in page
    data = {f"score_{s.value}": "4" for s in Statement}
    data["score_trust"] = "9"
    wrong = client.post(RESPOND_OPEN, data).content.decode()
    assert "the rating must be from 1 to 5" in wrong and 'value="4" checked' in wrong
    assert not VoiceResponse.objects.filter(round__number=2).exists()
    data["score_trust"] = "5"
    done = client.post(RESPOND_OPEN, data)
    assert done.status_code == 302
    thanks = client.get(RESPOND_OPEN).content.decode()
    assert "Thank you, your answers are recorded" in thanks
    assert "Round 1" in thanks and "4.0" in thanks and COMMENT in thanks
    # The used link: a plain page saying so.
    assert client.get(f"/respond/{tokens[0]}/").status_code == 302
    assert client.get(RESPOND_OPEN).status_code == 410


def test_the_pulse_page_lists_every_other_organisation(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any, client: Client) -> None:
    _, tokens = open_round(world, PULSE, django_capture_on_commit_callbacks)
    link, _ = respondents.link_find(tokens[0])
    own = VoiceInvite.objects.get(pk=link.object_id).organisation  # type: ignore[union-attr]
    page = _answer_page(client, tokens[0])
    others = [o for o in world["orgs"] if o != own]
    for o in others:
        assert f"How much do you trust {o.name}?" in page
    assert f"How much do you trust {own.name}?" not in page
    missing = client.post(RESPOND_OPEN, {f"trust_{others[0].pk}": "3"}).content.decode()
    assert f"Choose a rating from 1 to 5 for value with {others[0].name}" in missing
    data = {f"{w}_{o.pk}": "4" for o in others for w in ("trust", "value")}
    assert client.post(RESPOND_OPEN, data).status_code == 302
    assert TieRating.objects.count() == 2


def test_the_lead_opens_and_closes_a_round_from_the_place_page(
        world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    place_url = reverse("engagements:place", args=[e.programme.slug, e.place.slug])
    page = lead_client.get(place_url).content.decode()
    open_url = reverse("engagements:voice-open", args=[e.programme.slug, e.place.slug, "pulse"])
    assert open_url in page
    confirm = lead_client.get(open_url).content.decode()
    assert "6 board members with an email address" in confirm
    with django_capture_on_commit_callbacks(execute=True):
        assert lead_client.post(open_url).status_code == 302
    assert len(mail.outbox) == 6
    r = VoiceRound.objects.get()
    page = lead_client.get(place_url).content.decode()
    close_url = reverse("engagements:voice-close", args=[e.programme.slug, e.place.slug, r.pk])
    assert close_url in page and "6 asked, none answered so far" in page
    refused = lead_client.post(open_url).content.decode()
    assert "open already" in refused
    assert lead_client.post(close_url).status_code == 302
    r.refresh_from_db()
    assert r.closed_at is not None
    assert "no responses" in lead_client.get(place_url).content.decode()
    # Another place's round is 404 under this place.
    other = EngagementFactory.create(programme=e.programme)
    assert lead_client.get(reverse("engagements:voice-close", args=[
        e.programme.slug, other.place.slug, r.pk])).status_code == 404
    assert lead_client.get(reverse("engagements:voice-open", args=[
        e.programme.slug, e.place.slug, "gossip"])).status_code == 404


def test_the_lead_sees_the_network_drawing_and_never_a_comment(
        world: dict[str, Any], lead_client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    r, tokens = open_round(world, PULSE, django_capture_on_commit_callbacks)
    for t in tokens:
        pulse_answer(t, 4)
    services.voice_round_close(actor=None, voice_round=r)
    s, tokens = open_round(world, SA, django_capture_on_commit_callbacks)
    for t in tokens[:3]:
        sa_answer(t, 3, COMMENT)
    services.voice_round_close(actor=None, voice_round=s)
    e = world["engagement"]
    page = lead_client.get(reverse("engagements:place",
                                   args=[e.programme.slug, e.place.slug])).content.decode()
    assert '<svg class="app-net"' in page and "<title id=\"net-title\">" in page
    assert page.count('class="app-net__tie app-net__tie--strong"') == 3
    assert "Density" in page and "100%" in page
    assert COMMENT not in page
    for p in world["people"]:
        assert p.full_name not in page.split('id="voice"')[1].split('id="learning"')[0]


def test_the_place_page_budget_is_fixed_with_rounds(
        world: dict[str, Any], lead_client: Client, django_assert_max_num_queries: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    url = reverse("engagements:place", args=[e.programme.slug, e.place.slug])
    for kind, answer in ((PULSE, pulse_answer), (SA, sa_answer)):
        for _ in range(2):
            r, tokens = open_round(world, kind, django_capture_on_commit_callbacks)
            for t in tokens:
                answer(t, 4)
            services.voice_round_close(actor=None, voice_round=r)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert lead_client.get(url).status_code == 200
    for kind, answer in ((PULSE, pulse_answer), (SA, sa_answer)):
        r, tokens = open_round(world, kind, django_capture_on_commit_callbacks)
        for t in tokens:
            answer(t, 5)
        services.voice_round_close(actor=None, voice_round=r)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert lead_client.get(url).status_code == 200
    with django_assert_max_num_queries(4):
        reads.place_voice(e.pk)


# ---- the beat job ---------------------------------------------------------------------------

def test_due_rounds_open_and_expired_rounds_close(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    e = world["engagement"]
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.voice_rounds_open_due(link_for=link_for, today=today) == 2
    assert services.voice_rounds_open_due(link_for=link_for, today=today) == 0
    assert services.voice_rounds_close_expired(now=timezone.now()) == 0
    later = timezone.now() + dt.timedelta(days=15)
    assert services.voice_rounds_close_expired(now=later) == 2
    # Six months (the default) after the first rounds, the next fall due; not before.
    assert services.voice_rounds_open_due(link_for=link_for,
                                          today=today + dt.timedelta(days=100)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.voice_rounds_open_due(link_for=link_for,
                                              today=today + dt.timedelta(days=190)) == 2
    e.programme.voice_every_months = 0
    e.programme.save()
    assert VoiceRound.objects.filter(engagement=e).count() == 4


def test_the_beat_task_closes_and_opens(
        world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    from engagements.voice.tasks import voice_rounds_due

    with django_capture_on_commit_callbacks(execute=True):
        assert voice_rounds_due.run() == {"closed": 0, "opened": 2}
    assert len(mail.outbox) == 12
    assert "http://" in str(mail.outbox[0].body) and "/respond/" in str(mail.outbox[0].body)
    assert voice_rounds_due.run() == {"closed": 0, "opened": 0}

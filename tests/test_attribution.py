"""Identity-safe attribution (issue 15, point 5; README "Identity-safe attribution").

The finding: 'A role attribution can point at one person: "Chief Executive, <the place's only
acute trust>" names somebody as surely as their name would.'
"""

from __future__ import annotations

from collections import Counter

import pytest

from engagements.attribution import (
    THRESHOLD,
    PlaceFacts,
    attribute,
    place_facts,
    role_group,
    role_group_q,
)
from engagements.models import LearningItem
from places.models import Organisation

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    LearningItemFactory,
    OrganisationFactory,
    PersonFactory,
    PlaceFactory,
)

ACUTE = Organisation.Kind.ACUTE_TRUST
COUNCIL = Organisation.Kind.LOCAL_AUTHORITY


def facts(*, kinds: dict[str, int], holders: dict[str, list[str]] | None = None,
          organisations: dict[str, str] | None = None) -> PlaceFacts:
    return PlaceFacts(place="Northshire", region="North West", kinds=Counter(kinds),
                      organisations=organisations or {}, holders=holders or {})


def test_the_chief_executive_of_the_only_acute_trust_is_generalised() -> None:
    shown = attribute("Chief Executive, acute trust", facts(kinds={ACUTE: 1, COUNCIL: 1}))
    assert shown.generalised
    assert shown.role == "a senior leader in an acute trust"
    assert shown.where == "North West"  # the place is widened to its region
    assert str(shown) == "a senior leader in an acute trust, North West"


def test_naming_the_trust_is_generalised_whatever_the_number_of_trusts() -> None:
    place = facts(kinds={ACUTE: 2},
                  organisations={"northshire hospitals nhs trust": ACUTE, "southshire": ACUTE})
    shown = attribute("Chief Executive, Northshire Hospitals NHS Trust", place)
    assert shown.generalised and shown.role == "a senior leader in an acute trust"


def test_a_post_in_a_kind_with_enough_organisations_is_kept() -> None:
    assert THRESHOLD == 2
    shown = attribute("Chief Executive, acute trust", facts(kinds={ACUTE: 2}))
    assert not shown.generalised
    assert str(shown) == "Chief Executive, acute trust, Northshire"


def test_a_role_only_one_board_member_holds_is_generalised() -> None:
    place = facts(kinds={ACUTE: 1, COUNCIL: 1},
                  holders={"chief operating officer": [ACUTE], "chief executive": [ACUTE, COUNCIL]})
    coo = attribute("NHS Chief Operating Officer", place)
    assert coo.generalised and coo.role == "a senior leader in an acute trust"
    # Two chief executives on the board (the trust's and the council's): not one person.
    assert not attribute("Chief Executive", place).generalised


def test_a_role_nobody_known_holds_is_kept_as_written() -> None:
    shown = attribute("NHS Operations Manager", facts(kinds={ACUTE: 1}))
    assert not shown.generalised and shown.role == "NHS Operations Manager"


def test_a_generalised_role_takes_the_kind_of_its_one_holder() -> None:
    place = facts(kinds={COUNCIL: 1, ACUTE: 1},
                  holders={"director of adult social services": [COUNCIL]})
    shown = attribute("Director of Adult Social Services", place)
    assert shown.generalised and shown.role == "a senior leader in a local authority"


@pytest.mark.parametrize(("role", "group"), [
    ("NHS Chief Operating Officer", "senior"), ("Medical Director", "senior"),
    ("Consultant in emergency medicine", "clinical"), ("Ward Matron", "clinical"),
    ("NHS Operations Manager", "manager"), ("Patient representative", "other"),
])
def test_role_groups(role: str, group: str) -> None:
    assert role_group(role) == group


@pytest.mark.django_db
def test_the_role_groups_filter_in_the_database_as_in_python() -> None:
    roles = ["NHS Chief Operating Officer", "Medical Director", "Consultant nurse",
             "NHS Operations Manager", "Patient representative", "Chairperson"]
    for role in roles:
        LearningItemFactory.create(kind=LearningItem.Kind.QUOTE, attributed_role=role,
                                   consent=True)
    for group in ("senior", "clinical", "manager", "other"):
        found = set(LearningItem.objects.filter(role_group_q(group))
                    .values_list("attributed_role", flat=True))
        assert found == {r for r in roles if role_group(r) == group}, group


@pytest.mark.django_db
def test_place_facts_read_organisations_and_the_current_board(
    django_assert_num_queries: object,
) -> None:
    place = PlaceFactory.create()
    trust = OrganisationFactory.create(kind=ACUTE)
    trust.places.add(place)
    board = DeliveryBoardFactory.create(place=place)
    BoardMembershipFactory.create(board=board, person=PersonFactory.create(
        role_title="Chief Operating Officer", organisation=trust))
    gone = BoardMembershipFactory.create(board=board, person=PersonFactory.create(
        role_title="Chief Executive", organisation=trust))
    gone.ended_on = gone.started_on
    gone.save()
    others = [PlaceFactory.create() for _ in range(3)]
    with django_assert_num_queries(3):  # type: ignore[operator]
        found = place_facts([place.pk, *(p.pk for p in others)])
    assert found[place.pk].kinds == Counter({ACUTE: 1})
    assert found[place.pk].holders == {"chief operating officer": [ACUTE]}
    assert attribute("Chief Operating Officer", found[place.pk]).generalised


def test_a_kind_reads_as_words_with_its_acronyms_kept() -> None:
    kinds = Organisation.Kind
    assert kinds.in_words(kinds.COMMISSIONER) == "CCG or ICB"
    assert kinds.in_words(kinds.PRIMARY_CARE) == "primary care or GP federation"
    assert kinds.in_words(kinds.ACUTE_TRUST) == "acute trust"
    place = facts(kinds={kinds.COMMISSIONER: 1},
                  holders={"accountable officer": [kinds.COMMISSIONER]})
    shown = attribute("Accountable Officer", place)
    assert shown.generalised and shown.role == "a senior leader in a CCG or ICB"

"""A place's delivery board (from the place's page in Manage): its details, adding a member and
changing a membership, "left the board" included. A membership is found through its place,
so a pk from another place's board is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from backoffice import boards
from backoffice.forms import BoardDetailsForm, BoardMemberAddForm, BoardMembershipForm
from backoffice.views._forms import posted as _posted
from backoffice.views._forms import stale_form
from backoffice.views.directory import get_place_for_admin
from fieldbook.access import role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.roles import Role
from places.models import BoardMembership, DeliveryBoard, Person, Place


def get_membership_for_admin(place: Place, pk: int) -> BoardMembership:
    return get_object_or_404(
        BoardMembership.objects.select_related("person__organisation", "board"),
        pk=pk, board__place=place)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def place_board(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The board's name and start date; gives the place a board if it has none."""
    place = get_place_for_admin(pk)
    board = DeliveryBoard.objects.filter(place=place).first()
    initial = ({"seen": board.updated_at.isoformat(), "name": board.name,
                "established_on": board.established_on} if board else
               {"name": f"{place.name} A&E Delivery Board"})

    def bind(data: QueryDict | None) -> BoardDetailsForm:
        return BoardDetailsForm(data, initial=initial, changing=board is not None)

    form = bind(_posted(request))
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = boards.board_save(actor=request.user, place=place, name=data["name"],
                                       established_on=data["established_on"],
                                       seen=data.get("seen"))
        except StaleEditError as stale:
            form = stale_form(request, stale, bind)
            current: Any = stale.current
            saved = [("Name", current.name),
                     ("Set up", current.established_on.strftime("%-d %B %Y")
                      if current.established_on else "")]
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved {result.name}.")
            return redirect("backoffice:place-edit", pk=place.pk)
    return render(request, "backoffice/place-board.html", {
        "place": place, "board": board, "form": form, "saved": saved,
        "title": "Change the delivery board" if board else "Add the delivery board",
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def board_member_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Someone joins the board: a person already in Fieldbook (from one of the place's
    organisations, not on the board now), or someone new. Five queries to show."""
    place = get_place_for_admin(pk)
    board = DeliveryBoard.objects.filter(place=place).first()
    if board is None:
        messages.info(request, "Add the place's delivery board first.")
        return redirect("backoffice:place-board", pk=place.pk)
    organisations = list(place.organisations.order_by("name"))
    people = (Person.objects.filter(organisation__in=organisations)
              .exclude(memberships__board=board, memberships__ended_on__isnull=True)
              .select_related("organisation").order_by("full_name", "pk"))
    form = BoardMemberAddForm(_posted(request), people=people, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_pk = {o.pk: o for o in organisations}
        try:
            membership = boards.board_member_add(
                actor=request.user, board=board, board_role=data["board_role"],
                person=Person.objects.filter(pk=data["person"]).first()
                if data["person"] else None,
                full_name=data["full_name"], role_title=data["role_title"],
                organisation=by_pk.get(data["organisation"]), started_on=data["started_on"],
            )
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"{membership.person.full_name} is on the board.")
            return redirect("backoffice:place-edit", pk=place.pk)
    return render(request, "backoffice/board-member-add.html", {
        "place": place, "board": board, "form": form, "has_organisations": bool(organisations),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def board_membership_edit(request: AuthenticatedHttpRequest, pk: int,
                          membership: int) -> HttpResponse:
    """A member's role title, board role and dates: "left the board" is an end date."""
    place = get_place_for_admin(pk)
    member = get_membership_for_admin(place, membership)

    def bind(data: QueryDict | None) -> BoardMembershipForm:
        return BoardMembershipForm(data, initial=BoardMembershipForm.initial_for(member))

    form = bind(_posted(request))
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            boards.board_membership_change(
                actor=request.user, membership=member, seen=data["seen"],
                role_title=data["role_title"], board_role=data["board_role"],
                started_on=data["started_on"], ended_on=data["ended_on"],
            )
        except StaleEditError as stale:
            form = stale_form(request, stale, bind)
            current = get_membership_for_admin(place, member.pk)
            saved = [("Role title", current.person.role_title),
                     ("Role on the board", current.get_board_role_display()),
                     ("Joined", current.started_on.strftime("%-d %B %Y")
                      if current.started_on else ""),
                     ("Left", current.ended_on.strftime("%-d %B %Y")
                      if current.ended_on else "")]
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved {member.person.full_name}'s membership.")
            return redirect("backoffice:place-edit", pk=place.pk)
    return render(request, "backoffice/board-membership-edit.html", {
        "place": place, "membership": member, "form": form, "saved": saved,
    })

"""Board members: one at a time, or pasted several at once ("Name, Role, Organisation, role")."""

from __future__ import annotations

import csv
from typing import Any

from backoffice.onboarding.draft import ChosenOrganisation
from backoffice.onboarding.sections import BOARD_ROLE_WORDS, MAX_MEMBERS, Errors, add_error
from places.models import BoardMembership


def member_check(
    member: dict[str, Any], members: list[dict[str, Any]], org_keys: set[str]
) -> Errors:
    """One board member: complete, from one of the place's organisations, not a duplicate, and
    not a second chair."""
    errors: Errors = {}
    name = (member.get("full_name") or "").strip()
    if not name:
        add_error(errors, "full_name", "Enter the member's full name")
    if not (member.get("role_title") or "").strip():
        add_error(errors, "role_title", "Enter the member's role title, for example "
                                   "Chief Operating Officer")
    if member.get("org_key") not in org_keys:
        add_error(errors, "organisation", "Choose one of the place's organisations")
    if member.get("board_role") not in BoardMembership.BoardRole.values:
        add_error(errors, "board_role", "Choose the member's role on the board")
    others = [m for m in members if m.get("key") != member.get("key")]
    if name and any(
        m["full_name"].strip().lower() == name.lower() and m.get("org_key") == member.get("org_key")
        for m in others
    ):
        add_error(errors, "full_name", f"{name} is already on the board for that organisation")
    if member.get("board_role") == BoardMembership.BoardRole.CHAIR and any(
        m.get("board_role") == BoardMembership.BoardRole.CHAIR for m in others
    ):
        chair = next(m for m in others if m.get("board_role") == BoardMembership.BoardRole.CHAIR)
        add_error(errors, "board_role", f"The board already has a chair ({chair['full_name']}). "
                                   "Choose vice-chair or member")
    return errors


def members_check(members: list[dict[str, Any]], org_keys: set[str]) -> Errors:
    errors: Errors = {}
    if len(members) > MAX_MEMBERS:
        add_error(errors, "members", f"A board can have up to {MAX_MEMBERS} members here")
    seen: list[dict[str, Any]] = []
    for member in members:
        for msgs in member_check(member, seen, org_keys).values():
            for msg in msgs:
                add_error(errors, "members", f"{member.get('full_name') or 'A member'}: {msg}")
        seen.append(member)
    return errors


def members_parse(
    text: str, organisations: list[ChosenOrganisation]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Parse "Name, Role title, Organisation, chair|vice-chair|member", one member a line.

    The organisation is matched (ignoring case) by name or ODS code among the place's chosen
    organisations. A role title with a comma in it can be quoted: "Director, Adult Services".
    Returns the members (without keys) and one message per bad line; blank lines are skipped.
    """
    by_name = {o.name.strip().lower(): o for o in organisations}
    by_ods = {o.ods_code.upper(): o for o in organisations if o.ods_code}
    members: list[dict[str, Any]] = []
    errors: list[str] = []
    lines = text.splitlines()
    if len([line for line in lines if line.strip()]) > MAX_MEMBERS:
        return [], [f"Paste up to {MAX_MEMBERS} members at a time"]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            cells = [c.strip() for c in next(csv.reader([line], skipinitialspace=True))]
        except csv.Error:
            errors.append(f"Line {number}: could not read it; check the quotation marks")
            continue
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) not in (3, 4):
            errors.append(
                f"Line {number}: expected name, role title, organisation and board role "
                f"separated by commas; found {len(cells)} part{'s' if len(cells) != 1 else ''}"
            )
            continue
        name, role_title, org_text = cells[0], cells[1], cells[2]
        role_text = cells[3] if len(cells) == 4 else "member"
        problems = []
        if not name:
            problems.append("the name is missing")
        if not role_title:
            problems.append("the role title is missing")
        org = by_name.get(org_text.lower()) or by_ods.get(org_text.upper())
        if org is None:
            problems.append(f"“{org_text}” is not one of this place's organisations "
                            "(add it on the organisations page first)")
        board_role = BOARD_ROLE_WORDS.get(role_text.strip().lower())
        if board_role is None:
            problems.append(f"the board role “{role_text}” should be chair, vice-chair or member")
        if problems:
            errors.append(f"Line {number}: " + "; ".join(problems))
            continue
        assert org is not None and board_role is not None
        members.append({
            "full_name": name, "role_title": role_title, "org_key": org.key,
            "board_role": str(board_role), "line": number,
        })
    if not members and not errors:
        errors.append("Paste at least one member, one a line")
    return members, errors

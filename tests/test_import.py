"""Spreadsheet import: reading files (limits, encodings, formats), each row's outcome, the
preview and the all-or-nothing confirm, re-import idempotency, templates, and the pages."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl.worksheet.worksheet import Worksheet

from backoffice import imports
from backoffice.imports import reading
from engagements.models import Engagement
from fieldbook.errors import DomainError
from fieldbook.models import AuditEvent
from places.models import BoardMembership, ImportBatch, Organisation, Person, Place

from .factories import (
    BoardMembershipFactory,
    DeliveryBoardFactory,
    EngagementFactory,
    OrganisationFactory,
    PersonFactory,
    PlaceFactory,
    ProgrammeFactory,
    RegionFactory,
    SystemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 18)


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    north = RegionFactory.create(name="North", code="north")
    london = RegionFactory.create(name="London", code="london")
    wy = SystemFactory.create(name="West Yorkshire", region=north)
    SystemFactory.create(name="North Central London", region=london)
    leeds = PlaceFactory.create(name="Leeds", region=north, system=wy, description="City of Leeds")
    PlaceFactory.create(name="Barnet", region=london)
    lth = OrganisationFactory.create(name="Leeds Teaching Hospitals NHS Trust", ods_code="RR8")
    council = OrganisationFactory.create(name="Leeds City Council", kind="local_authority")
    lth.places.add(leeds)
    programme = ProgrammeFactory.create(name="System leadership development", slug="sld")
    return {"north": north, "london": london, "wy": wy, "leeds": leeds, "lth": lth,
            "council": council, "programme": programme}


def csv_bytes(text: str) -> bytes:
    return text.strip().replace("\n", "\r\n").encode("utf-8") + b"\r\n"


def upload(admin: Any, kind: str, text: str, name: str = "file.csv") -> ImportBatch:
    return imports.import_upload(actor=admin, kind=kind, name=name, data=csv_bytes(text))


def outcomes(batch: ImportBatch) -> dict[int, tuple[str, list[tuple[str, str]]]]:
    return {o.row: (o.status, o.errors)
            for o in imports.import_preview(batch=batch, today=TODAY).outcomes}


# ---- reading files ----------------------------------------------------------------------------


def test_reading_rejects_files_it_cannot_read() -> None:
    cases = [
        (b"", "The file is empty"),
        (b"x" * (reading.MAX_UPLOAD_BYTES + 1), "larger than the 2 MB limit"),
        ("place_name,region\nSaint-Étienne,north\n".encode("latin-1"),
         "Line 2 has a character that is not UTF-8 (byte 0xC9)"),
        ("place_name,region\nLeeds,north\n".encode("utf-16"), "saved as UTF-16"),
        ("place_name,region\nLeeds,north\n".encode("utf-16-le"), "saved as UTF-16"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old excel", "old-style Excel .xls"),
        (b"PK\x03\x04 not really a zip", "not a readable Excel .xlsx"),
        (b'place_name,region\n"Leeds,north\n', "could not be read"),
    ]
    for data, message in cases:
        with pytest.raises(reading.FileProblem, match=message.replace("(", r"\(").replace(
                ")", r"\)").replace(".", r"\.")):
            reading.file_read(name="f.csv", data=data)


def test_reading_a_zip_that_is_not_a_workbook() -> None:
    out = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(reading.FileProblem, match="not a readable Excel"):
        reading.file_read(name="f.xlsx", data=out.getvalue())


def test_too_many_rows_is_refused_with_a_clear_message() -> None:
    data = "place_name,region\n" + "Leeds,north\n" * (reading.MAX_ROWS + 1)
    with pytest.raises(reading.FileProblem, match="more than 2,000 rows"):
        reading.file_read(name="f.csv", data=data.encode())
    ok = "place_name,region\n" + "Leeds,north\n" * reading.MAX_ROWS
    assert len(reading.file_read(name="f.csv", data=ok.encode())) == reading.MAX_ROWS + 1


def test_header_matching_is_forgiving_and_reports_missing_columns() -> None:
    raw = reading.file_read(name="f.csv", data=csv_bytes(
        "\ufeffPlace Name*, REGION ,Notes\nLeeds,north,hello\n\n,,\n"))
    parsed = reading.rows_parse(raw, required=["place_name", "region"], optional=["system"])
    assert parsed.rows == [(2, {"place_name": "Leeds", "region": "north"})]
    assert parsed.ignored_columns == ["Notes"]
    with pytest.raises(reading.FileProblem, match="missing a column: region"):
        reading.rows_parse([["place_name", "system"], ["Leeds", ""]],
                           required=["place_name", "region"], optional=["system"])
    with pytest.raises(reading.FileProblem, match="no rows of data"):
        reading.rows_parse([["place_name", "region"]], required=["place_name", "region"],
                           optional=[])
    with pytest.raises(reading.FileProblem, match="appears twice"):
        reading.rows_parse([["place_name", "region", "Region"]],
                           required=["place_name", "region"], optional=[])


def test_semicolon_separated_csv_is_read() -> None:
    rows = reading.file_read(name="f.csv", data=b"place_name;region\nLeeds;north\n")
    assert rows == [["place_name", "region"], ["Leeds", "north"]]


def xlsx_bytes(rows: list[list[Any]], *, sheet: str = "Import") -> bytes:
    book = openpyxl.Workbook()
    active = book.active
    assert isinstance(active, Worksheet)  # a new workbook opens on its one worksheet
    active.title = sheet
    for row in rows:
        active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_values_dates_and_formulas() -> None:
    data = xlsx_bytes([
        ["programme", "requested_on", "days_allocated", "focus"],
        ["SLD", dt.datetime(2024, 3, 1), 5.0, '=HYPERLINK("http://evil.example","x")'],
        ["  SLD  ", dt.date(2024, 3, 2), 7.5, None],
    ])
    rows = reading.file_read(name="cohort.xlsx", data=data)
    # A formula is never evaluated: openpyxl returns the value Excel last saved, and a file
    # that was never opened in Excel has none.
    assert rows == [["programme", "requested_on", "days_allocated", "focus"],
                    ["SLD", "2024-03-01", "5"], ["SLD", "2024-03-02", "7.5"]]


# ---- places -----------------------------------------------------------------------------------

PLACES_WITH_EVERY_KIND_OF_BAD_ROW = """
place_name,region,system,description
Leeds,north,West Yorkshire,City of Leeds
Leeds,North,,A new description
Bradford,north,West Yorkshire,
Humber,Nroth,,
Calderdale,north,Made-up ICS,
Camden,north,North Central London,
,london,,
Bradford,NORTH,,Same place again
Wakefield,north,,
"""


def test_places_preview_names_every_problem_with_its_column(world: dict[str, Any],
                                                            admin_user: User) -> None:
    batch = upload(admin_user, "places", PLACES_WITH_EVERY_KIND_OF_BAD_ROW)
    result = outcomes(batch)
    assert result[2] == ("unchanged", [])
    assert result[3][0] == "error"
    assert result[3][1] == [("place_name", "Duplicate of row 2 (same place name and region)")]
    assert result[4] == ("new", [])
    assert result[5][1][0][0] == "region" and "Unknown region “Nroth”" in result[5][1][0][1]
    assert "london, north" in result[5][1][0][1]
    assert result[6][1] == [("system", "Unknown system “Made-up ICS” in North. Add it under "
                                       "reference data first, or leave the cell empty")]
    assert result[7][1] == [("system", "North Central London is in London, not North")]
    assert result[8][1] == [("place_name", "Enter the place's name")]
    assert result[9][1][0] == ("place_name", "Duplicate of row 4 (same place name and region)")
    assert result[10] == ("new", [])


def test_an_error_in_any_row_imports_nothing(world: dict[str, Any], admin_user: User) -> None:
    batch = upload(admin_user, "places", PLACES_WITH_EVERY_KIND_OF_BAD_ROW)
    before = Place.objects.count()
    with pytest.raises(DomainError, match="nothing was imported"):
        imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    assert Place.objects.count() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert not AuditEvent.objects.filter(action="places.import.committed").exists()


COHORT = "place_name,region,system,description\n" + "\n".join(
    f"Cohort place {i},{'north' if i % 2 else 'London'},,Wave one" for i in range(1, 26))


def test_a_cohort_imports_and_a_second_upload_changes_nothing(
    world: dict[str, Any], admin_user: User
) -> None:
    batch = upload(admin_user, "places", COHORT, name="cohort.csv")
    preview = imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    assert preview.counts == {"new": 25, "updated": 0, "unchanged": 0, "error": 0}
    assert Place.objects.filter(name__startswith="Cohort place").count() == 25
    created = Place.objects.get(name="Cohort place 1")
    assert created.onboarding_status == Place.OnboardingStatus.ONBOARDING
    assert created.region == world["north"] and created.slug == "cohort-place-1"
    audit = AuditEvent.objects.get(action="places.import.committed")
    assert audit.actor == admin_user and audit.changes["new"] == 25
    assert audit.changes["filename"] == "cohort.csv"
    assert len(audit.changes["changed_rows"]) == 25
    batch.refresh_from_db()
    assert batch.rows == [] and len(batch.results["outcomes"]) == 25

    stamp = list(Place.objects.order_by("pk").values_list("pk", "updated_at"))
    again = upload(admin_user, "places", COHORT, name="cohort.csv")
    counts = imports.import_preview(batch=again, today=TODAY).counts
    assert counts == {"new": 0, "updated": 0, "unchanged": 25, "error": 0}
    imports.import_commit(actor=admin_user, batch=again, today=TODAY)
    assert list(Place.objects.order_by("pk").values_list("pk", "updated_at")) == stamp


def test_an_updated_place(world: dict[str, Any], admin_user: User) -> None:
    batch = upload(admin_user, "places", "place_name,region,system,description\n"
                                         "LEEDS,north,,Leeds and its neighbourhood teams")
    preview = imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    assert preview.outcomes[0].status == "updated"
    assert preview.outcomes[0].changes == ["description changed"]
    world["leeds"].refresh_from_db()
    assert world["leeds"].description == "Leeds and its neighbourhood teams"
    assert world["leeds"].system == world["wy"]  # an empty cell leaves it as it is


def test_confirm_checks_again_and_a_failure_rolls_everything_back(
    world: dict[str, Any], admin_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = upload(admin_user, "places", "place_name,region\nAlpha,north\nBeta,north\n")
    # A place called Beta appears between the preview and the confirm: Beta is unchanged now.
    PlaceFactory.create(name="Beta", region=world["north"])
    assert outcomes(batch)[3] == ("unchanged", [])

    # A failure while writing the second row undoes the first.
    original = Place.full_clean

    def refuse_gamma(self: Place, *args: Any, **kwargs: Any) -> None:
        if self.name == "Gamma":
            from django.core.exceptions import ValidationError
            raise ValidationError("Gamma is refused")
        original(self, *args, **kwargs)

    monkeypatch.setattr(Place, "full_clean", refuse_gamma)
    batch = upload(admin_user, "places", "place_name,region\nAlpha,north\nGamma,north\n")
    with pytest.raises(DomainError, match="Row 3 could not be imported"):
        imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    assert not Place.objects.filter(name__in=["Alpha", "Gamma"]).exists()


def test_a_batch_imports_once_and_expires(world: dict[str, Any], admin_user: User) -> None:
    batch = upload(admin_user, "places", "place_name,region\nAlpha,north\n")
    imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    with pytest.raises(DomainError, match="already been imported"):
        imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    old = upload(admin_user, "places", "place_name,region\nBeta,north\n")
    ImportBatch.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2))
    with pytest.raises(DomainError, match="more than a day old"):
        imports.import_commit(actor=admin_user, batch=old, today=TODAY)
    with pytest.raises(DomainError):
        imports.import_commit(actor=UserFactory.create(), batch=upload(
            admin_user, "places", "place_name,region\nGamma,north\n"), today=TODAY)


def places_file(rows: list[tuple[str, str]], description: str = "") -> str:
    return "place_name,region,description\n" + "\n".join(
        f"{name},{region},{description}" for name, region in rows)


def test_places_commit_costs_the_same_for_n_and_4n_rows(
    world: dict[str, Any], admin_user: User, django_assert_max_num_queries: Any
) -> None:
    """New places are written in bulk (slugs from one read, one INSERT per 500 rows) and updated
    ones likewise, so a bigger file is not more queries: 13 in all (lock the batch, load regions,
    places and systems, read the slugs, a savepoint around one INSERT and one UPDATE, save the
    batch, its audit row, and the savepoint of import_commit's atomic inside the test's
    transaction), + 2 for the audit chain's lock and head (fieldbook.audit); it was five a row
    before."""
    counts = []
    for n in (25, 100):
        existing = [PlaceFactory.create(name=f"Existing {n}-{i}", region=world["north"],
                                        description="old") for i in range(n // 5)]
        rows = [(place.name, "north") for place in existing] + [
            (f"Size {n} place {i}", "london" if i % 2 else "north") for i in range(n)]
        batch = upload(admin_user, "places", places_file(rows, "Wave two"))
        with django_assert_max_num_queries(13 + 2) as captured:
            preview = imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
        counts.append(len(captured))
        assert preview.counts == {"new": n, "updated": n // 5, "unchanged": 0, "error": 0}
        assert Place.objects.filter(name__startswith=f"Size {n} place").count() == n
        assert set(Place.objects.filter(pk__in=[p.pk for p in existing]).values_list(
            "description", flat=True)) == {"Wave two"}
    assert counts[0] == counts[1]
    assert AuditEvent.objects.filter(action="places.import.committed").count() == 2


def test_new_slugs_are_the_ones_a_place_at_a_time_would_get(
    world: dict[str, Any], admin_user: User
) -> None:
    """The slugs handed out in bulk are those ``unique_slug()`` gives when the rows are saved one
    at a time in file order: collisions with places in Fieldbook and within the file get the
    first free ``-2``, ``-3``..."""
    from django.db import transaction

    from places.slugs import unique_slug

    midlands = RegionFactory.create(name="Midlands", code="midlands")
    PlaceFactory.create(name="Wakefield", slug="wakefield", region=world["london"])
    PlaceFactory.create(name="Wakefield Two", slug="wakefield-2", region=midlands)
    PlaceFactory.create(name="York", slug="york-2", region=midlands)
    long_name = "Upper " + "and lower " * 19 + "Dale"  # 200 characters: the slug is cut at 194
    rows = [("Wakefield", "north"), ("Wakefield", "midlands"), ("St. Helens", "north"),
            ("St Helens", "north"), ("St-Helens", "midlands"), ("York", "north"),
            ("York", "london"), ("Saint-Étienne", "london"), ("!!!", "north"),
            ("???", "london"), (long_name, "north"), (long_name, "london"),
            ("Wakefield 2", "london")]

    names = {"north": world["north"], "london": world["london"], "midlands": midlands}
    with transaction.atomic():
        one_at_a_time = []
        for name, region in rows:
            slug = unique_slug(Place, name)
            Place.objects.create(name=name, slug=slug, region=names[region])
            one_at_a_time.append(slug)
        transaction.set_rollback(True)

    batch = upload(admin_user, "places", places_file(rows))
    imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    imported = [Place.objects.get(name=name, region=names[region]).slug for name, region in rows]
    assert imported == one_at_a_time
    long_slug = ("upper-" + "and-lower-" * 19)[:194].strip("-")
    assert imported == [
        "wakefield-3", "wakefield-4", "st-helens", "st-helens-2", "st-helens-3", "york",
        "york-3", "saint-etienne", "item", "item-2", long_slug, f"{long_slug}-2",
        "wakefield-2-2",
    ]


@pytest.mark.parametrize("clash", ["slug", "name"])
def test_a_place_saved_by_someone_else_meanwhile_imports_nothing(
    clash: str, world: dict[str, Any], admin_user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the plan and the bulk INSERT another writer takes a new row's slug (or its name
    in its region): the constraint refuses it, the admin is told which row, nothing stays."""
    from backoffice.imports.place_rows import PlacesPlanner

    original = PlacesPlanner.flush

    def racing_flush(self: PlacesPlanner) -> None:
        if clash == "slug":
            PlaceFactory.create(name="Someone else's", slug="gamma", region=world["london"])
        else:
            PlaceFactory.create(name="Gamma", slug="someone-elses", region=world["north"])
        original(self)

    monkeypatch.setattr(PlacesPlanner, "flush", racing_flush)
    batch = upload(admin_user, "places", "place_name,region,description\nAlpha,north,\n"
                                         "Gamma,north,\nLeeds,north,Changed\n")
    with pytest.raises(DomainError) as failed:
        imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    assert str(failed.value) == ("Row 3 could not be imported (it clashes with a record saved a "
                                 "moment ago). Nothing was imported.")
    assert not Place.objects.filter(name__in=["Alpha", "Gamma"]).exists()
    world["leeds"].refresh_from_db()
    assert world["leeds"].description == "City of Leeds"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert not AuditEvent.objects.filter(action="places.import.committed").exists()


def organisations_file(world: dict[str, Any], n: int) -> str:
    """n new organisations serving two places; a fifth as many existing ones change kind and
    take on a place."""
    existing = [OrganisationFactory.create(name=f"Existing org {n}-{i}", kind="voluntary")
                for i in range(n // 5)]
    return "organisation_name,kind,ods_code,places\n" + "\n".join(
        [f"Org {n}-{i},voluntary,,Leeds; Barnet (london)" for i in range(n)]
        + [f"{org.name},independent,,Leeds" for org in existing])


def board_members_file(world: dict[str, Any], n: int) -> str:
    """n new members of n new boards; a fifth as many current members change role and title."""
    rows = []
    for i in range(n):
        PlaceFactory.create(name=f"Board place {n}-{i}", region=world["north"])
        rows.append(f"Board place {n}-{i},north,Member {n}-{i},Director,RR8,member")
    for i in range(n // 5):
        member = BoardMembershipFactory.create(
            board=DeliveryBoardFactory.create(place=PlaceFactory.create(name=f"Boarded {n}-{i}",
                                                                        region=world["north"])),
            person=PersonFactory.create(full_name=f"Sitting {n}-{i}", organisation=world["lth"]))
        rows.append(f"Boarded {n}-{i},north,Sitting {n}-{i},Chief Executive,RR8,vice-chair")
        assert member.ended_on is None
    return "place_name,region,full_name,role_title,organisation,board_role\n" + "\n".join(rows)


def engagements_file(world: dict[str, Any], n: int) -> str:
    """n new engagements; a fifth as many existing ones move on to active."""
    rows = []
    for i in range(n):
        PlaceFactory.create(name=f"Cohort {n}-{i}", region=world["north"])
        rows.append(f"sld,Cohort {n}-{i},north,2024-03-01,requested,,Discharge,5")
    for i in range(n // 5):
        engagement = EngagementFactory.create(
            programme=world["programme"], status="requested", started_on=None,
            requested_on=dt.date(2024, 3, 1),
            place=PlaceFactory.create(name=f"Engaged {n}-{i}", region=world["north"]))
        rows.append(f"sld,{engagement.place.name},north,2024-03-01,active,2024-03-18,,")
    return ("programme,place_name,region,requested_on,status,started_on,focus,days_allocated\n"
            + "\n".join(rows))


# Each + 2: the audit chain's lock and head (fieldbook.audit) before the batch's audit row.
@pytest.mark.parametrize(("kind", "make_file", "budget"), [
    ("organisations", organisations_file, 13 + 2),
    ("board_members", board_members_file, 19 + 2),
    ("engagements", engagements_file, 13 + 2),
])
def test_other_commits_cost_the_same_for_n_and_4n_rows(
    kind: str, make_file: Any, budget: int, world: dict[str, Any], admin_user: User,
    django_assert_max_num_queries: Any,
) -> None:
    """Every planner queues its rows and writes them in bulk: one INSERT or UPDATE per model
    and kind of change (up to 500 rows each), not several queries a row."""
    counts = []
    for n in (10, 40):
        text = make_file(world, n)
        batch = upload(admin_user, kind, text)
        with django_assert_max_num_queries(budget) as captured:
            preview = imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
        counts.append(len(captured))
        assert preview.counts == {"new": n, "updated": n // 5, "unchanged": 0, "error": 0}
        # Everything was written: the same file again changes nothing.
        again = imports.import_preview(batch=upload(admin_user, kind, text), today=TODAY)
        assert again.counts == {"new": 0, "updated": 0, "unchanged": n + n // 5, "error": 0}
    assert counts[0] == counts[1]


# ---- organisations ----------------------------------------------------------------------------

ORGANISATIONS = """
organisation_name,kind,ods_code,places
Leeds Teaching Hospitals NHS Trust,acute_trust,RR8,Leeds
Leeds City Council,Local authority,,Leeds; Barnet (london)
Forum Central,voluntary,,Leeds
Bradford Council,council,,
Mid Yorkshire Hospitals NHS Trust,acute_trust,rx-f,
Calderdale CCG,CCG,RR8,
Kirklees Council,local_authority,,Nowhere
Forum Central,voluntary,,
Leeds City Council,local_authority,ABC12,
"""


def test_organisation_rows(world: dict[str, Any], admin_user: User) -> None:
    result = outcomes(upload(admin_user, "organisations", ORGANISATIONS))
    assert result[2] == ("unchanged", [])
    assert result[3] == ("updated", [])  # linked to Barnet as well
    assert result[4] == ("new", [])
    assert result[5][1][0][0] == "kind" and "Unknown organisation kind “council”" in \
        result[5][1][0][1]
    assert result[6][1][0][0] == "ods_code" and "An ODS code is 3 to 6" in result[6][1][0][1]
    assert result[7][1] == [("ods_code", "Duplicate of row 2 (same ODS code)")]
    assert result[8][1] == [("places", "No place called “Nowhere”")]
    assert result[9][1] == [("organisation_name", "Duplicate of row 4 (same organisation name)")]
    assert result[10][1][0] == ("organisation_name",
                                "Duplicate of row 3 (same organisation name)")


def test_organisations_import_and_reimport(world: dict[str, Any], admin_user: User) -> None:
    text = ("organisation_name,kind,ods_code,places\n"
            "Leeds City Council,local_authority,,Leeds; Barnet (london)\n"
            "Forum Central,VCSE,,Leeds\n"
            "Leeds Teaching Hospitals Trust,acute_trust,RR8,\n")
    preview = imports.import_commit(actor=admin_user, batch=upload(
        admin_user, "organisations", text), today=TODAY)
    assert [o.status for o in preview.outcomes] == ["updated", "new", "updated"]
    assert preview.outcomes[2].changes == [
        "name: Leeds Teaching Hospitals NHS Trust → Leeds Teaching Hospitals Trust"]
    council = Organisation.objects.get(name="Leeds City Council")
    assert set(council.places.values_list("name", flat=True)) == {"Leeds", "Barnet"}
    assert Organisation.objects.get(name="Forum Central").kind == "voluntary"
    again = imports.import_preview(batch=upload(admin_user, "organisations", text), today=TODAY)
    assert again.counts["unchanged"] == 3


def test_an_ambiguous_place_name_must_name_its_region(world: dict[str, Any],
                                                      admin_user: User) -> None:
    PlaceFactory.create(name="Leeds", region=world["london"])
    result = outcomes(upload(admin_user, "organisations",
                             "organisation_name,kind,places\nForum,voluntary,Leeds\n"
                             "Forum Two,voluntary,Leeds (north)\n"))
    assert "more than one region" in result[2][1][0][1]
    assert result[3] == ("new", [])


# ---- board members ----------------------------------------------------------------------------

MEMBERS = """
place_name,region,full_name,role_title,organisation,board_role
Leeds,north,Sam Example,Chief Operating Officer,RR8,chair
Leeds,north,Kim Lowe,Director of Adult Social Care,Leeds City Council,member
Leeds,north,Ann Other,Director,Unknown Trust,member
Leeds,north,Bob Jones,Director,RR8,boss
Leeds,north,Cath Two,Chief Executive,RR8,chair
Nowhere,north,Dee Three,Director,RR8,member
Leeds,north,Sam Example,Chief Operating Officer,rr8,member
Leeds,north,,,RR8,
"""


def test_board_member_rows(world: dict[str, Any], admin_user: User) -> None:
    result = outcomes(upload(admin_user, "board_members", MEMBERS))
    assert result[2] == ("new", [])
    assert result[3] == ("new", [])
    assert result[4][1][0][0] == "organisation"
    assert result[5][1][0] == ("board_role", "Unknown board role “boss”: use chair, vice-chair "
                                             "or member")
    assert result[6][1] == [("board_role", "Row 2 already makes Sam Example the chair of "
                                           "Leeds's board")]
    assert result[7][1][0][0] == "place_name"
    assert result[8][1] == [("full_name", "Duplicate of row 2 (same person, organisation and "
                                          "place)")]
    assert {c for c, _ in result[9][1]} == {"full_name", "role_title"}


def test_board_members_import_create_the_board_and_reuse_people(
    world: dict[str, Any], admin_user: User
) -> None:
    bradford = PlaceFactory.create(name="Bradford", region=world["north"])
    existing = PersonFactory.create(full_name="Sam Example", role_title="COO",
                                    organisation=world["lth"])
    text = ("place_name,region,full_name,role_title,organisation,board_role\n"
            "Leeds,north,Sam Example,Chief Operating Officer,RR8,chair\n"
            "Bradford,north,Sam Example,Chief Operating Officer,Leeds Teaching Hospitals NHS "
            "Trust,vice-chair\n")
    preview = imports.import_commit(actor=admin_user, batch=upload(
        admin_user, "board_members", text), today=TODAY)
    assert [o.status for o in preview.outcomes] == ["new", "new"]
    assert Person.objects.filter(full_name="Sam Example").count() == 1
    existing.refresh_from_db()
    assert existing.role_title == "Chief Operating Officer"
    roles = dict(BoardMembership.objects.filter(person=existing).values_list(
        "board__place__name", "board_role"))
    assert roles == {"Leeds": "chair", "Bradford": "vice_chair"}
    assert bradford.board.name == "Bradford A&E Delivery Board"
    assert world["lth"].places.filter(pk=bradford.pk).exists()
    again = imports.import_preview(batch=upload(admin_user, "board_members", text), today=TODAY)
    assert again.counts["unchanged"] == 2


def test_an_existing_chair_blocks_a_second(world: dict[str, Any], admin_user: User) -> None:
    board = DeliveryBoardFactory.create(place=world["leeds"])
    BoardMembershipFactory.create(board=board, board_role="chair",
                                  person=PersonFactory.create(full_name="Current Chair"))
    result = outcomes(upload(admin_user, "board_members",
                             "place_name,region,full_name,role_title,organisation,board_role\n"
                             "Leeds,north,New Person,CEO,RR8,chair\n"))
    assert result[2][1] == [("board_role", "Leeds's board already has a chair (Current Chair)")]


# ---- engagements ------------------------------------------------------------------------------

ENGAGEMENTS = """
programme,place_name,region,requested_on,status,started_on,focus,days_allocated
System leadership development,Leeds,north,01/03/2024,active,2024-03-18,Discharge,20
sld,Barnet,london,2024-03-01,requested,,,
Unknown programme,Leeds,north,2024-03-01,requested,,,
sld,Leeds,north,2024-03-01,requested,,,
sld,Barnet,london,2099-01-01,requested,,,
sld,Nowhere,north,2024-03-01,requested,,,
"""


def test_engagement_rows(world: dict[str, Any], admin_user: User) -> None:
    for name in ("Nowhere", "Camden", "Enfield"):
        PlaceFactory.create(name=name, region=world["london"])
    text = ENGAGEMENTS + (
        "sld,Nowhere,london,1st March,active,,,\n"
        "sld,Camden,london,2024-03-01,paused,,,\n"
        "sld,Enfield,london,2024-03-01,resting,2024-02-01,,lots\n"
    )
    result = outcomes(upload(admin_user, "engagements", text))
    assert result[2] == ("new", [])
    assert result[3] == ("new", [])
    assert result[4][1][0][0] == "programme"
    assert result[5][1] == [("place_name", "Duplicate of row 2 (same programme and place)")]
    assert ("requested_on", "The date the place asked for support cannot be in the future") \
        in result[6][1]
    assert result[7][1][0][0] == "place_name"  # Nowhere is in London, not North
    assert result[8][1][0] == ("requested_on", "“1st March” is not a date: write it as "
                                               "YYYY-MM-DD or DD/MM/YYYY")
    assert result[9][1] == [("started_on", "Enter when support started: the engagement is "
                                           "paused")]
    assert {c for c, _ in result[10][1]} == {"status", "started_on", "days_allocated"}


def test_engagements_import_update_and_reimport(world: dict[str, Any], admin_user: User) -> None:
    text = ("programme,place_name,region,requested_on,status,started_on,focus,days_allocated\n"
            "sld,Leeds,north,2024-03-01,requested,,Discharge,5\n")
    imports.import_commit(actor=admin_user, batch=upload(admin_user, "engagements", text),
                          today=TODAY)
    engagement = Engagement.objects.get(place=world["leeds"])
    assert (engagement.status, engagement.days_allocated) == ("requested", Decimal("5"))
    moved_on = text.replace("requested,,Discharge,5", "active,2024-03-18,,7.5")
    preview = imports.import_commit(actor=admin_user, batch=upload(
        admin_user, "engagements", moved_on), today=TODAY)
    assert preview.outcomes[0].changes == [
        "status: Requested → Active", "started on: (empty) → 2024-03-18",
        "days allocated: 5.0 → 7.5"]
    engagement.refresh_from_db()
    assert engagement.version == 2 and engagement.focus == "Discharge"
    again = imports.import_preview(batch=upload(admin_user, "engagements", moved_on),
                                   today=TODAY)
    assert again.counts["unchanged"] == 1


def test_an_xlsx_cohort(world: dict[str, Any], admin_user: User) -> None:
    data = xlsx_bytes([
        ["programme", "place_name", "region", "requested_on", "status", "started_on"],
        ["System leadership development", "Leeds", "North", dt.datetime(2024, 3, 1),
         "Active", dt.datetime(2024, 3, 4)],
    ])
    batch = imports.import_upload(actor=admin_user, kind="engagements", name="c.xlsx",
                                  data=data)
    imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    assert Engagement.objects.get(place=world["leeds"]).started_on == dt.date(2024, 3, 4)


def test_an_engagement_update_must_fit_the_dates_on_record(world: dict[str, Any],
                                                          admin_user: User) -> None:
    """The check constraints are no longer asked of the database row by row, so a change that
    would break one against what the file leaves as it is shows in the preview."""
    EngagementFactory.create(programme=world["programme"], place=world["leeds"],
                             requested_on=dt.date(2024, 3, 1), started_on=dt.date(2024, 3, 18),
                             ended_on=dt.date(2024, 6, 1), status="closed")
    barnet = Place.objects.get(name="Barnet")
    EngagementFactory.create(programme=world["programme"], place=barnet,
                             requested_on=dt.date(2024, 3, 1), started_on=dt.date(2024, 3, 18),
                             ended_on=dt.date(2024, 6, 1), status="closed")
    result = outcomes(upload(admin_user, "engagements", (
        "programme,place_name,region,requested_on,status,started_on\n"
        "sld,Leeds,north,2024-04-01,closed,\n"
        "sld,Barnet,london,2024-03-01,closed,2024-07-01\n")))
    assert result[2] == ("error", [("requested_on", "Support started on 2024-03-18, before this "
                                                    "date: give the date it started as well")])
    assert result[3] == ("error", [("started_on", "The engagement ended on 2024-06-01: support "
                                                  "cannot start after it ended")])


def race_organisations(world: dict[str, Any]) -> None:
    OrganisationFactory.create(name="Forum Central", kind="voluntary")


def race_board_members(world: dict[str, Any]) -> None:
    DeliveryBoardFactory.create(place=Place.objects.get(name="Barnet"))


def race_engagements(world: dict[str, Any]) -> None:
    EngagementFactory.create(programme=world["programme"], place=Place.objects.get(name="Barnet"))


@pytest.mark.parametrize(("kind", "text", "race"), [
    ("organisations", "organisation_name,kind,places\nLeeds City Council,local_authority,"
                      "Barnet (london)\nForum Central,voluntary,Leeds\n", race_organisations),
    ("board_members", "place_name,region,full_name,role_title,organisation\n"
                      "Leeds,north,Sam Example,COO,RR8\nBarnet,london,Kim Lowe,CEO,RR8\n",
     race_board_members),
    ("engagements", "programme,place_name,region,requested_on,status\n"
                    "sld,Leeds,north,2024-03-01,requested\nsld,Barnet,london,2024-03-01,"
                    "requested\n", race_engagements),
])
def test_a_clash_with_a_record_saved_meanwhile_imports_nothing(
    kind: str, text: str, race: Any, world: dict[str, Any], admin_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    planner = imports.PLANNERS[kind]
    original = planner.flush

    def racing_flush(self: Any) -> None:
        race(world)  # another writer, between the plan and the bulk write
        original(self)

    monkeypatch.setattr(planner, "flush", racing_flush)
    batch = upload(admin_user, kind, text)
    with pytest.raises(DomainError) as failed:
        imports.import_commit(actor=admin_user, batch=batch, today=TODAY)
    assert str(failed.value) == ("Row 3 could not be imported (it clashes with a record saved a "
                                 "moment ago). Nothing was imported.")
    assert not world["council"].places.filter(name="Barnet").exists()
    assert not Person.objects.exists() and not Engagement.objects.exists()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


# ---- templates --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k, _ in ImportBatch.Kind.choices])
def test_templates_hold_the_columns_and_read_back(kind: str, world: dict[str, Any],
                                                  admin_client_fb: Client) -> None:
    columns = [c.name for c in imports.PLANNERS[kind].columns]
    response = admin_client_fb.get(reverse("backoffice:import-template",
                                           kwargs={"kind": kind, "fmt": "csv"}))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").strip() == ",".join(columns)
    response = admin_client_fb.get(reverse("backoffice:import-template",
                                           kwargs={"kind": kind, "fmt": "xlsx"}))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Import", "Notes"]
    assert [c.value for c in book["Import"][1]] == columns
    # The blank template reads back: right columns, no data yet.
    with pytest.raises(reading.FileProblem, match="no rows of data"):
        imports.import_upload(actor=UserFactory.create(), kind=kind, name="t.xlsx",
                              data=response.content)


def test_an_unknown_template_is_404(admin_client_fb: Client) -> None:
    assert admin_client_fb.get(reverse("backoffice:import-template", kwargs={
        "kind": "people", "fmt": "csv"})).status_code == 404
    assert admin_client_fb.get(reverse("backoffice:import-template", kwargs={
        "kind": "places", "fmt": "ods"})).status_code == 404


# ---- the pages --------------------------------------------------------------------------------


def post_file(client: Client, kind: str, data: bytes, name: str = "cohort.csv") -> Any:
    return client.post(reverse("backoffice:import"), {
        "kind": kind, "file": SimpleUploadedFile(name, data, content_type="text/csv")})


def test_upload_preview_confirm_through_the_pages(world: dict[str, Any],
                                                  admin_client_fb: Client) -> None:
    response = post_file(admin_client_fb, "places", csv_bytes(PLACES_WITH_EVERY_KIND_OF_BAD_ROW))
    batch = ImportBatch.objects.get()
    assert response.url == reverse("backoffice:import-preview", kwargs={"token": batch.token})
    page = admin_client_fb.get(response.url).content.decode()
    assert "Fix 6 rows and upload the file again" in page
    assert "Unknown region “Nroth”" in page and "Nothing has been imported" in page
    assert "Import " not in page.split("<main")[1].split("</h1>")[1].split("<nav")[0]
    errors_only = admin_client_fb.get(response.url + "?show=errors").content.decode()
    assert "Wakefield" not in errors_only and "Humber" in errors_only
    # A forced confirm is refused and imports nothing.
    refused = admin_client_fb.post(response.url).content.decode()
    assert "nothing was imported" in refused
    assert not Place.objects.filter(name="Wakefield").exists()

    response = post_file(admin_client_fb, "places", csv_bytes(COHORT))
    page = admin_client_fb.get(response.url).content.decode()
    assert "Import 25 rows" in page
    done = admin_client_fb.post(response.url)
    assert done["Location"] == response["Location"]
    page = admin_client_fb.get(done["Location"]).content.decode()
    assert "Imported cohort.csv: 25 new, 0 updated, 0 unchanged." in page
    assert ">Imported</h1>" in page
    again = post_file(admin_client_fb, "places", csv_bytes(COHORT))
    assert "Nothing to import" in admin_client_fb.get(again.url).content.decode()


def test_upload_problems_show_on_the_form(world: dict[str, Any],
                                         admin_client_fb: Client) -> None:
    page = post_file(admin_client_fb, "places", "place_name,region\nSète,north\n"
                     .encode("latin-1")).content.decode()
    assert "There is a problem" in page and "not UTF-8" in page
    page = post_file(admin_client_fb, "engagements", csv_bytes(COHORT)).content.decode()
    assert "missing columns: programme, requested_on, status" in page
    page = admin_client_fb.post(reverse("backoffice:import"), {"kind": "places"}).content.decode()
    assert "Choose a CSV or Excel file to upload" in page
    assert not ImportBatch.objects.exists()


def test_another_admins_import_is_404(world: dict[str, Any], admin_client_fb: Client) -> None:
    batch = upload(UserFactory.create(username="someone-else"), "places", COHORT)
    url = reverse("backoffice:import-preview", kwargs={"token": batch.token})
    assert admin_client_fb.get(url).status_code == 404
    assert admin_client_fb.post(url).status_code == 404


def test_preview_page_costs_the_same_for_10_and_500_rows(
    world: dict[str, Any], admin_user: User, admin_client_fb: Client,
    django_assert_max_num_queries: Any,
) -> None:
    counts = []
    for n in (10, 500):
        text = "place_name,region,system\n" + "\n".join(
            f"Place {i},north,West Yorkshire" for i in range(n))
        batch = upload(admin_user, "places", text)
        url = reverse("backoffice:import-preview", kwargs={"token": batch.token})
        with django_assert_max_num_queries(8) as captured:
            assert admin_client_fb.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_upload_page_query_budget(admin_client_fb: Client, admin_user: User,
                                  django_assert_max_num_queries: Any) -> None:
    for _ in range(3):
        upload(admin_user, "places", "place_name,region\nX,y\n")
    with django_assert_max_num_queries(4):
        assert admin_client_fb.get(reverse("backoffice:import")).status_code == 200


def test_the_cohort_story_three_bad_rows_fixed_then_a_clean_reupload(
    world: dict[str, Any], admin_client_fb: Client
) -> None:
    """Issue 6's story: a 25-row cohort with three wrong rows imports nothing and says which;
    fixed, it imports all 25; uploaded again, it changes nothing."""
    lines = COHORT.split("\n")
    lines[3] = "Cohort place 3,Nroth,,Wave one"            # unknown region
    lines[8] = "Cohort place 8,London,Made-up ICS,Wave one"  # unknown system
    lines[15] = lines[14]                                   # a duplicate row
    broken = post_file(admin_client_fb, "places", csv_bytes("\n".join(lines)))
    page = admin_client_fb.get(broken.url).content.decode()
    assert "Fix 3 rows and upload the file again" in page
    assert "Nothing has been imported" in page
    assert not Place.objects.filter(name__startswith="Cohort place").exists()

    fixed = post_file(admin_client_fb, "places", csv_bytes(COHORT))
    admin_client_fb.post(fixed.url)
    assert Place.objects.filter(name__startswith="Cohort place").count() == 25

    again = post_file(admin_client_fb, "places", csv_bytes(COHORT))
    assert "Nothing to import" in admin_client_fb.get(again.url).content.decode()
    assert Place.objects.filter(name__startswith="Cohort place").count() == 25

"""Forms for logging and editing sessions. They parse input; rules live in services."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.forms import formset_factory

from engagements.models import MAX_SESSION_MINUTES, LearningItem, Session, Theme
from engagements.notes import notes_read
from engagements.week.services import LearningItemData, SessionData
from fieldbook.forms import BoundedDateField, choice_field
from places.models import Person, Sector

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

HALF_DAY = 225
WHOLE_DAY = 450


def _duration_label(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if mins:
        parts.append(f"{mins} minutes")
    return " ".join(parts)


DURATION_CHOICES: list[tuple[int, str]] = [
    (HALF_DAY, "Half a day (3 hours 45 minutes)"),
    (WHOLE_DAY, "A whole day (7 hours 30 minutes)"),
    *[
        (m, _duration_label(m))
        for m in range(15, MAX_SESSION_MINUTES + 1, 15)
        if m not in (HALF_DAY, WHOLE_DAY)
    ],
]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class IdChoiceField(forms.TypedChoiceField):
    """An id picked from a list. The list is only for showing: a submitted id is checked by the
    service (whose one query checks all of them), so a POST need not load the lists at all."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return True


class IdMultipleChoiceField(forms.TypedMultipleChoiceField):
    """Several ids picked from a list; checked by the service, as for ``IdChoiceField``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, **kwargs)

    def valid_value(self, value: Any) -> bool:
        return True


class SessionForm(forms.Form):
    engagement = IdChoiceField(
        label="Place and programme",
        error_messages={"required": "Choose the place and programme you worked with."},
    )
    date = BoundedDateField(
        widget=DateInput(), label="Date",
        error_messages={"required": "Enter the date of the visit.",
                        "invalid": "Enter a real date, for example 21/11/2026."},
    )
    kind = forms.ChoiceField(
        choices=Session.Kind.choices, label="Kind of work",
        error_messages={"required": "Choose the kind of work."},
    )
    duration = forms.TypedChoiceField(
        choices=DURATION_CHOICES, coerce=int, initial=120, label="How long",
        help_text="Quarter-hour steps, up to 12 hours. For a visit that did not go ahead, "
                  "the time that was planned.",
        error_messages={"required": "Choose how long the session took.",
                        "invalid_choice": "Choose how long the session took from the list."},
    )
    status = forms.ChoiceField(
        choices=[
            (Session.Status.HELD, "It went ahead"),
            (Session.Status.POSTPONED, "Postponed"),
            (Session.Status.CANCELLED, "Cancelled"),
        ],
        widget=forms.RadioSelect,
        initial=Session.Status.HELD,
        label="Did it go ahead?",
        error_messages={"required": "Say whether the visit went ahead."},
    )
    status_reason = forms.CharField(
        required=False, max_length=300, label="Why did it not go ahead?",
        help_text="Only for a postponed or cancelled visit, for example “Site postponed — "
                  "winter pressures”. It counts as contact attempted.",
    )
    attendees = IdMultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Who was in the room",
    )
    themes = IdMultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Themes",
    )
    private_notes = forms.CharField(
        required=False, widget=forms.Textarea, label="Private notes",
        help_text="Only you can read these. They are never shared, exported or summarised.",
    )
    notes_in_confidence = forms.BooleanField(
        required=False, label="Given in confidence",
        help_text="Someone told you this in confidence. If they, or someone it names, ask for "
                  "what Fieldbook holds, it is not disclosed without the data-protection "
                  "officer weighing the exemption first.",
    )
    next_steps = forms.CharField(required=False, widget=forms.Textarea, label="Next steps")
    idempotency_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": "This form is incomplete.",
                        "invalid": "This form is incomplete."},
    )
    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False,
        error_messages={"invalid": "This form is incomplete."},
    )

    def __init__(
        self,
        *args: Any,
        engagements: Sequence[Any] = (),
        members: Iterable[Person] = (),
        themes: Sequence[Theme] = (),
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A new visit carries an idempotency key (one visit per form, however often it is
        # sent); an edit carries the version it started from instead.
        del self.fields["version" if not editing else "idempotency_key"]
        for sector, label in Sector.choices:
            self.fields[f"count_{sector}"] = forms.IntegerField(
                required=False, min_value=1, max_value=5000, label=label,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                error_messages={
                    "min_value": f"{label}: enter a headcount of at least 1, or leave it empty.",
                    "max_value": f"{label}: enter a headcount of 5,000 or fewer.",
                    "invalid": f"{label}: enter the headcount as a whole number.",
                },
            )
        self.set_choices(engagements=engagements, members=members, themes=themes)

    def set_choices(
        self, *, engagements: Sequence[Any], members: Iterable[Person], themes: Sequence[Theme]
    ) -> None:
        """The lists to pick from, loaded by the view once (the fields add no queries)."""
        choice_field(self, "engagement").choices = [
            (e.pk, f"{e.place} — {e.programme}") for e in engagements
        ]
        members = list(members)
        self._organisation_of = {p.pk: p.organisation.name for p in members}
        choice_field(self, "attendees").choices = [
            (p.pk, f"{p.full_name}, {p.role_title}") for p in members
        ]
        choice_field(self, "themes").choices = theme_choices(themes)

    @property
    def sector_fields(self) -> list[forms.BoundField]:
        return [self[f"count_{sector}"] for sector, _ in Sector.choices]

    @property
    def sector_counts_open(self) -> bool:
        """Show the headcounts open when any has a value or an error."""
        return any(f.value() or f.errors for f in self.sector_fields)

    def members_by_organisation(self) -> list[tuple[str, list[forms.BoundField]]]:
        """Attendee checkboxes grouped by organisation, for the fieldset per organisation."""
        groups: dict[str, list[Any]] = {}
        for widget in self["attendees"]:
            org = self._organisation_of.get(int(str(widget.data["value"])), "Other")
            groups.setdefault(org, []).append(widget)
        return sorted(groups.items())

    def to_data(self, learning: Sequence[LearningItemData]) -> SessionData:
        c = self.cleaned_data
        return SessionData(
            engagement_id=c["engagement"],
            date=c["date"],
            kind=c["kind"],
            status=c["status"],
            status_reason=c["status_reason"] if c["status"] != Session.Status.HELD else "",
            duration_minutes=c["duration"],
            attendee_ids=frozenset(c["attendees"]),
            theme_ids=frozenset(c["themes"]),
            sector_counts={
                sector: c[f"count_{sector}"]
                for sector, _ in Sector.choices
                if c.get(f"count_{sector}")
            },
            private_notes=c["private_notes"],
            notes_in_confidence=bool(c.get("notes_in_confidence")),
            next_steps=c["next_steps"],
            learning_items=tuple(learning),
        )

    @staticmethod
    def initial_from_session(session: Session, *, reader: AbstractBaseUser) -> dict[str, Any]:
        """The form as the session was saved; its notes only if ``reader`` wrote them."""
        initial: dict[str, Any] = {
            "engagement": session.engagement_id,
            "date": session.date,
            "kind": session.kind,
            "status": session.status,
            "status_reason": session.status_reason,
            "duration": session.duration_minutes,
            "attendees": [p.pk for p in session.attendees.all()],
            "themes": [t.pk for t in session.themes.all()],
            "private_notes": notes_read(session, reader=reader) or "",
            "notes_in_confidence": session.notes_in_confidence,
            "next_steps": session.next_steps,
            "version": session.version,
        }
        for count in session.sector_counts.all():
            initial[f"count_{count.sector}"] = count.headcount
        return initial


class LearningItemForm(forms.Form):
    kind = forms.ChoiceField(choices=LearningItem.Kind.choices, label="Kind of learning")
    text = forms.CharField(
        widget=forms.Textarea, label="What was learnt", required=False,
        help_text="To remove this item, clear its text.",
    )
    # (Declared in page order: the error summary lists errors in this order.)
    # Offered when the text names someone Fieldbook knows (the service finds them).
    replace_names = forms.BooleanField(required=False, label="Replace the name with the role")
    keep_names = forms.BooleanField(
        required=False, label="Keep the text as written: this item is not shared",
        help_text="Only for an item you do not share. Shared learning never names a person.",
    )
    attributed_role = forms.CharField(
        required=False, max_length=200, label="Attributed to (a role, never a name)",
        help_text="For a quote, for example “NHS Operations Manager”.",
    )
    consent = forms.BooleanField(required=False, label="The speaker agreed to be quoted by role")
    # Sharing is a choice the enabler makes, item by item: never ticked for them.
    shareable = forms.BooleanField(
        required=False, initial=False, label="Share with programme leads and learning summaries",
    )
    # Issue 15: put a shared item forward for the programme's "Messages for national leaders"
    # from here as well as from My nominations (engagements.messages.services).
    nominate = forms.BooleanField(
        required=False, initial=False,
        label="Nominate for the programme’s “Messages for national leaders”",
        help_text="Shared learning with the speaker’s consent only. Your programme lead decides "
                  "and tells you why, in My nominations.",
    )
    themes = IdMultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Themes",
    )
    # The saved item an edit keeps (checked by the service against the session's own items).
    item_id = forms.IntegerField(required=False, widget=forms.HiddenInput)

    # The saved item this form edits, if any (set by the edit view: a withdrawn item shows as
    # such, a shared one offers to withdraw it).
    saved_item: LearningItem | None = None

    def __init__(self, *args: Any, themes: Sequence[Theme] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.set_choices(themes=themes)

    @property
    def offers_name_choice(self) -> bool:
        """Show the "replace the name" choice: asked for by the service, or already made."""
        return bool(self["replace_names"].errors or self["replace_names"].value()
                    or self["keep_names"].value())

    @property
    def is_shared_choice(self) -> bool:
        return bool(self["shareable"].value())

    def set_choices(self, *, themes: Sequence[Theme]) -> None:
        choice_field(self, "themes").choices = theme_choices(themes)

    def to_data(self) -> LearningItemData | None:
        """The item, or None for an item left empty (that is how an item is removed)."""
        c = self.cleaned_data
        if not c or (not c.get("text", "").strip() and not c.get("attributed_role", "").strip()):
            return None
        return LearningItemData(
            kind=c["kind"],
            text=c["text"],
            theme_ids=frozenset(c["themes"]),
            attributed_role=c["attributed_role"],
            consent=c["consent"],
            shareable=c["shareable"],
            id=c.get("item_id"),
            replace_names=c.get("replace_names", False),
            keep_names=c.get("keep_names", False),
            nominate=c.get("nominate", False),
        )


def theme_choices(themes: Sequence[Theme]) -> list[tuple[int, str]]:
    return [(t.pk, t.name) for t in themes]


LearningItemFormSet = formset_factory(LearningItemForm, extra=0, max_num=20, validate_max=True)


def posted_as_initial(form: forms.Form) -> dict[str, Any]:
    """What was posted, as ``initial`` for an unbound copy of the form.

    Used to show a form again without judging it yet (after "Add a learning item" or a change
    of engagement): an unbound form shows the values but no error messages.
    """
    return {
        name: field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
        for name, field in form.fields.items()
    }

"""People and access: invitations by email, role changes, deactivation.

An invited user exists from the moment they are invited, inactive and without a password, in
their role's group (and with an enabler profile, for enablers, so they can be assigned at once).
The email carries a one-time link that expires; following it lets them choose a password, which
activates the account. Only a SHA-256 of the link's token is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, User
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from enablers.models import Assignment, Enabler
from fieldbook.audit import audit_record
from fieldbook.errors import DomainError
from fieldbook.roles import GRANTABLE_ROLES, Role
from places.models import Invitation

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations



class InvitationStatus(TypedDict):
    """What ``users_for_admin`` (and the users page's ``get_user_for_admin``) annotate."""

    invitation_expires_at: dt.datetime | None
    is_invited: bool


if TYPE_CHECKING:
    UserWithStatus: TypeAlias = WithAnnotations[User, InvitationStatus]

INVITATION_LIFETIME = dt.timedelta(days=7)
ROLE_NAMES = [role.value for role in GRANTABLE_ROLES]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- reads ------------------------------------------------------------------------------------


def users_for_admin(*, role: str = "", status: str = "", query: str = ""
                    ) -> QuerySet[UserWithStatus]:
    """Users with their roles (prefetched) and their open invitation's expiry, for the users
    page. Three queries for a page, whatever the number of users."""
    now = timezone.now()
    open_invitations = Invitation.objects.filter(
        user=OuterRef("pk"), accepted_at__isnull=True, revoked_at__isnull=True
    )
    users = User.objects.annotate(
        invitation_expires_at=Subquery(open_invitations.values("expires_at")[:1]),
        is_invited=Exists(open_invitations),
    ).prefetch_related("groups").order_by("first_name", "last_name", "username")
    if role in ROLE_NAMES:
        users = users.filter(groups__name=role)
    if status == "active":
        users = users.filter(is_active=True)
    elif status == "invited":
        users = users.filter(is_active=False, is_invited=True,
                             invitation_expires_at__gte=now)
    elif status == "expired":
        users = users.filter(is_active=False, is_invited=True, invitation_expires_at__lt=now)
    elif status == "deactivated":
        users = users.filter(is_active=False, is_invited=False)
    if query:
        users = users.filter(Q(first_name__icontains=query) | Q(last_name__icontains=query)
                             | Q(email__icontains=query) | Q(username__icontains=query))
    return users


def user_status(user: UserWithStatus, *, now: dt.datetime | None = None) -> str:
    """"active", "invited", "expired" (an invitation nobody used in time) or "deactivated".
    Needs the annotations from ``users_for_admin`` (or the users page's
    ``get_user_for_admin``)."""
    if user.is_active:
        return "active"
    if getattr(user, "is_invited", False):
        expires = user.invitation_expires_at
        return "invited" if expires and expires >= (now or timezone.now()) else "expired"
    return "deactivated"


def role_names(user: User) -> list[str]:
    held = {g.name for g in user.groups.all()}
    return [name for name in ROLE_NAMES if name in held]


# ---- invitations ------------------------------------------------------------------------------


def _invitation_create(*, actor: User, user: User, role: str) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user, email=user.email, role=role, invited_by=actor, token_hash=token_hash(token),
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    return invitation, token


def _invitation_email(invitation: Invitation, link: str) -> None:
    context = {
        "invitation": invitation,
        "name": invitation.user.first_name,
        "link": link,
        "username": invitation.user.get_username(),
        "expires_at": invitation.expires_at,
        "invited_by": invitation.invited_by.get_full_name() if invitation.invited_by else "",
    }
    subject = render_to_string("emails/invitation_subject.txt", context).strip()
    body = render_to_string("emails/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def _send_after_commit(invitation: Invitation, token: str, link_for: Callable[[str], str]) -> None:
    # The email goes only if the invitation is saved; a failing mail server must not undo it.
    transaction.on_commit(lambda: _invitation_email(invitation, link_for(token)), robust=True)


@transaction.atomic
def user_invite(
    *, actor: User, email: str, first_name: str, last_name: str, role: str,
    link_for: Callable[[str], str], capacity_days_per_week: Decimal | None = None,
    region_ids: Iterable[int] = (),
) -> Invitation:
    """Create the (inactive) user in their role, an enabler profile for enablers, and email a
    one-time link to choose a password."""
    email = email.strip().lower()
    if role not in ROLE_NAMES:
        raise DomainError(field_errors={"role": ["Choose their role"]})
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise DomainError(field_errors={"email": [
            f"{email} already has an account. Find it in the list of users to change its "
            "roles or send a new invitation"]})
    # Admins are staff, so the Django admin (linked from Manage) opens for them.
    user = User(username=email, email=email, first_name=first_name.strip(),
                last_name=last_name.strip(), is_active=False, is_staff=role == Role.ADMIN)
    user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError as exc:
        raise DomainError(field_errors={"email": exc.messages}) from exc
    user.save()
    user.groups.add(Group.objects.get(name=role))
    if role == Role.ENABLER:
        enabler = Enabler(user=user, capacity_days_per_week=capacity_days_per_week or Decimal("2"))
        enabler.full_clean()
        enabler.save()
        if region_ids:
            enabler.regions.set(list(region_ids))
    invitation, token = _invitation_create(actor=actor, user=user, role=role)
    audit_record(actor=actor, action="accounts.user.invited", obj=user,
                 changes={"email": email, "role": role,
                          "expires_at": invitation.expires_at.isoformat()})
    _send_after_commit(invitation, token, link_for)
    return invitation


@transaction.atomic
def invitation_resend(*, actor: User, user: User, link_for: Callable[[str], str]) -> Invitation:
    """A fresh link for someone who has not set a password yet; older links stop working."""
    if user.is_active or user.has_usable_password():
        raise DomainError(f"{user.get_full_name() or user.username} has already set a password. "
                          "They can use “Forgotten your password?” on the sign-in page.")
    if not user.email:
        raise DomainError("This user has no email address.")
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=now)
    held = role_names(user)
    role = held[0] if held else Role.ENABLER.value
    invitation, token = _invitation_create(actor=actor, user=user, role=role)
    audit_record(actor=actor, action="accounts.invitation.resent", obj=user,
                 changes={"email": user.email, "expires_at": invitation.expires_at.isoformat()})
    _send_after_commit(invitation, token, link_for)
    return invitation


def invitation_for_token(token: str) -> tuple[Invitation | None, str]:
    """The invitation a link points at and its state: "valid", "used", "expired", "revoked" or
    "unknown". One query."""
    invitation = Invitation.objects.select_related("user").filter(
        token_hash=token_hash(token)).first() if token else None
    if invitation is None:
        return None, "unknown"
    if invitation.accepted_at:
        return invitation, "used"
    if invitation.revoked_at:
        return invitation, "revoked"
    if invitation.expires_at < timezone.now():
        return invitation, "expired"
    return invitation, "valid"


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> Any:
    """Set the password and activate the account, once. The row is locked, so the same link
    used twice at the same moment succeeds once."""
    invitation = Invitation.objects.select_for_update().filter(
        token_hash=token_hash(token)).first()
    _, state = invitation_for_token(token)
    if invitation is None or state != "valid":
        raise DomainError("This invitation link has been used already or has expired.")
    user = User.objects.get(pk=invitation.user_id)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(field_errors={"new_password1": exc.messages}) from exc
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at", "updated_at"])
    audit_record(actor=user, action="accounts.invitation.accepted", obj=user,
                 changes={"email": user.email, "role": invitation.role})
    return user


def _password_reset_email(user: User, link: str) -> None:
    context = {"user": user, "link": link, "sent_by_admin": True}
    subject = render_to_string("registration/password_reset_subject.txt", context).strip()
    body = render_to_string("registration/password_reset_by_admin_email.txt", context)
    send_mail(subject, body, None, [user.email])


@transaction.atomic
def password_reset_send(*, actor: User, user: User, link_for: Callable[[str, str], str]) -> str:
    """Email ``user`` a link to choose a new password, at their own address. The only way an
    admin can help someone back into their account: nobody sets another person's password. The
    link is Django's password-reset token (one use: it stops working once the password changes;
    it expires after ``PASSWORD_RESET_TIMEOUT``). Audited; the mail goes after commit. Returns
    the address it went to."""
    _guard(actor, user)
    if not user.is_active:
        raise DomainError(f"{user.get_full_name() or user.username} is deactivated. Reactivate "
                          "them first, or send a new invitation if they never signed in.")
    if not user.email:
        raise DomainError("This user has no email address, so a reset link cannot be sent.")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = link_for(uid, default_token_generator.make_token(user))
    audit_record(actor=actor, action="accounts.password_reset.sent_by_admin", obj=user,
                 changes={"email": user.email})
    transaction.on_commit(lambda: _password_reset_email(user, link), robust=True)
    return str(user.email)


# ---- roles and deactivation -------------------------------------------------------------------


def _guard(actor: User, user: User) -> None:
    if user.is_superuser and not actor.is_superuser:
        raise DomainError("Superusers are managed with manage.py, not here.")


@transaction.atomic
def user_roles_set(*, actor: User, user: User, roles: Iterable[str]) -> list[str]:
    """Give the user exactly these roles. Adding Enabler creates (or re-opens) their enabler
    profile; removing it closes the profile, keeping its history."""
    _guard(actor, user)
    wanted = [name for name in ROLE_NAMES if name in set(roles)]
    before = role_names(user)
    if user.pk == actor.pk and Role.ADMIN.value in before and Role.ADMIN.value not in wanted:
        raise DomainError(field_errors={"roles": [
            "You cannot remove your own admin role. Ask another admin to do it"]})
    if wanted == before:
        return before
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_NAMES)}
    user.groups.remove(*[groups[n] for n in before if n not in wanted])
    user.groups.add(*[groups[n] for n in wanted if n not in before])
    is_admin = Role.ADMIN.value in wanted
    if user.is_staff != is_admin and not user.is_superuser:
        user.is_staff = is_admin
        user.save(update_fields=["is_staff"])
    available = user.is_active or Invitation.objects.filter(
        user=user, accepted_at__isnull=True, revoked_at__isnull=True).exists()
    enabler = Enabler.objects.filter(user=user).first()
    if Role.ENABLER.value in wanted:
        if enabler is None:
            Enabler.objects.create(user=user, is_active=available)
        elif enabler.is_active != available:
            enabler.is_active = available
            enabler.save(update_fields=["is_active", "updated_at"])
    elif enabler is not None and enabler.is_active:
        enabler.is_active = False
        enabler.save(update_fields=["is_active", "updated_at"])
    user.__dict__.pop("_fieldbook_roles", None)
    audit_record(actor=actor, action="accounts.user.roles_changed", obj=user,
                 changes={"before": before, "after": wanted})
    return wanted


@transaction.atomic
def user_deactivate(*, actor: User, user: User, today: dt.date | None = None) -> list[str]:
    """Switch the account off. Their sessions stay, and stay private to them; their current
    assignments end today (so each engagement can have a new lead); open invitations stop
    working. Returns the engagements whose assignment ended."""
    _guard(actor, user)
    if user.pk == actor.pk:
        raise DomainError("You cannot deactivate your own account.")
    today = today or timezone.localdate()
    ended: list[str] = []
    enabler = Enabler.objects.filter(user=user).first()
    if enabler is not None:
        for assignment in Assignment.objects.select_related(
            "engagement__place", "engagement__programme"
        ).filter(enabler=enabler, ended_on__isnull=True):
            assignment.ended_on = max(today, assignment.started_on)
            assignment.save(update_fields=["ended_on", "updated_at"])
            ended.append(str(assignment.engagement))
        if enabler.is_active:
            enabler.is_active = False
            enabler.save(update_fields=["is_active", "updated_at"])
    Invitation.objects.filter(user=user, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=timezone.now())
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit_record(actor=actor, action="accounts.user.deactivated", obj=user,
                 changes={"is_active": False, "assignments_ended": ended})
    return ended


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> None:
    _guard(actor, user)
    if not user.has_usable_password():
        raise DomainError("They never chose a password: send them a new invitation instead.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    if Role.ENABLER.value in role_names(user):
        Enabler.objects.filter(user=user).update(is_active=True, updated_at=timezone.now())
    audit_record(actor=actor, action="accounts.user.reactivated", obj=user,
                 changes={"is_active": True})

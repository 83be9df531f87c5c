"""People and access: the users list, invitations, roles, deactivation; accepting an invitation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice import accounts
from backoffice.forms import EnablerProfileForm, InviteForm, UserRolesForm
from backoffice.views._forms import posted as _posted
from backoffice.views._forms import stale_form
from enablers import profiles
from enablers.models import Enabler
from fieldbook.access import public, role_required
from fieldbook.errors import DomainError, StaleEditError, errors_to_form
from fieldbook.http import AuthenticatedHttpRequest
from fieldbook.params import query_text
from fieldbook.roles import GRANTABLE_ROLES, Role
from places.models import Invitation, Region

if TYPE_CHECKING:
    from backoffice.accounts import UserWithStatus

User = get_user_model()
PAGE_SIZE = 50
STATUSES = [("", "Any status"), ("active", "Active"), ("invited", "Invited"),
            ("expired", "Invitation expired"), ("deactivated", "Deactivated")]
# The token is swapped into the session and the URL replaced, as Django's password reset
# does, so the token never sits in the address bar, the history or a Referer header.
SESSION_TOKEN = "_invitation_token"
ACCEPT_SLUG = "set-password"


def _link_for(request: HttpRequest) -> Any:
    return lambda token: request.build_absolute_uri(
        reverse("backoffice:invitation-accept", kwargs={"token": token}))


def get_user_for_admin(pk: int) -> UserWithStatus:
    """Any account, with the annotations the status needs. Admins manage every user."""
    open_invitations = Invitation.objects.filter(
        user=OuterRef("pk"), accepted_at__isnull=True, revoked_at__isnull=True)
    user = User.objects.annotate(
        invitation_expires_at=Subquery(open_invitations.values("expires_at")[:1]),
        is_invited=Exists(open_invitations),
    ).prefetch_related("groups").filter(pk=pk).first()
    if user is None:
        raise Http404("No such user.")
    return user


@require_GET
@role_required(Role.ADMIN)
def users(request: AuthenticatedHttpRequest) -> HttpResponse:
    role = query_text(request.GET, "role", max_length=50)
    status = query_text(request.GET, "status", max_length=50)
    query = query_text(request.GET, "q", max_length=100)
    page = Paginator(accounts.users_for_admin(role=role, status=status, query=query),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"user": u, "roles": accounts.role_names(u), "status": accounts.user_status(u)}
            for u in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "backoffice/users.html", {
        "page": page, "rows": rows, "role": role, "status": status, "query": query,
        "roles": [r.value for r in GRANTABLE_ROLES], "statuses": STATUSES,
        "querystring": params.urlencode(),
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def user_invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    regions = list(Region.objects.order_by("name"))
    form = InviteForm(_posted(request), regions=regions)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = accounts.user_invite(
                actor=request.user, email=data["email"], first_name=data["first_name"],
                last_name=data["last_name"], role=data["role"],
                capacity_days_per_week=data["capacity_days_per_week"],
                region_ids=data["regions"], link_for=_link_for(request),
            )
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}. The link works "
                                      "once, for 7 days.")
            return redirect("backoffice:user-detail", pk=invitation.user_id)
    return render(request, "backoffice/user-invite.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def user_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A user's status and invitation, and their roles (the form)."""
    user = get_user_for_admin(pk)
    held = accounts.role_names(user)
    form = UserRolesForm(_posted(request), initial={"roles": held})
    if request.method == "POST" and form.is_valid():
        try:
            after = accounts.user_roles_set(actor=request.user, user=user,
                                            roles=form.cleaned_data["roles"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            if after != held:
                messages.success(request, "Roles saved: " + (", ".join(after) or "none") + ".")
            return redirect("backoffice:user-detail", pk=user.pk)
    enabler = Enabler.objects.filter(user=user).prefetch_related("regions").first()
    invitations = Invitation.objects.filter(user=user).select_related("invited_by")[:5]
    return render(request, "backoffice/user-detail.html", {
        "subject": user, "form": form, "roles": held, "status": accounts.user_status(user),
        "enabler": enabler, "invitations": invitations, "is_self": user.pk == request.user.pk,
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def user_deactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_user_for_admin(pk)
    error = ""
    if request.method == "POST":
        try:
            ended = accounts.user_deactivate(actor=request.user, user=user)
        except DomainError as exc:
            error = exc.messages[0]
        else:
            note = f" {len(ended)} assignment{'s' if len(ended) != 1 else ''} ended." if ended \
                else ""
            messages.success(request, f"{user.get_full_name() or user.username} is "
                                      f"deactivated.{note}")
            return redirect("backoffice:user-detail", pk=user.pk)
    assignments = []
    enabler = Enabler.objects.filter(user=user).first()
    if enabler is not None:
        assignments = list(enabler.assignments.filter(ended_on__isnull=True).select_related(
            "engagement__place", "engagement__programme"))
    return render(request, "backoffice/user-deactivate.html", {
        "subject": user, "assignments": assignments, "error": error,
        "is_self": user.pk == request.user.pk,
    })


@require_POST
@role_required(Role.ADMIN)
def user_reactivate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_user_for_admin(pk)
    try:
        accounts.user_reactivate(actor=request.user, user=user)
    except DomainError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"{user.get_full_name() or user.username} can sign in again.")
    return redirect("backoffice:user-detail", pk=user.pk)


@require_POST
@role_required(Role.ADMIN)
def user_password_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Email the person a link to choose a new password (never a password chosen for them)."""
    user = get_user_for_admin(pk)
    try:
        sent_to = accounts.password_reset_send(
            actor=request.user, user=user,
            link_for=lambda uid, token: request.build_absolute_uri(
                reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})))
    except DomainError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"A link to choose a new password was sent to {sent_to}. "
                                  "Nobody else can set their password.")
    return redirect("backoffice:user-detail", pk=user.pk)


@require_POST
@role_required(Role.ADMIN)
def invitation_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user = get_user_for_admin(pk)
    try:
        invitation = accounts.invitation_resend(actor=request.user, user=user,
                                                link_for=_link_for(request))
    except DomainError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"A new invitation was sent to {invitation.email}. Earlier "
                                  "links no longer work.")
    return redirect("backoffice:user-detail", pk=user.pk)


@never_cache
@require_http_methods(["GET", "POST"])
@public
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: choose a password, once, before the link expires."""
    if token != ACCEPT_SLUG:
        request.session[SESSION_TOKEN] = token
        return HttpResponseRedirect(
            reverse("backoffice:invitation-accept", kwargs={"token": ACCEPT_SLUG}))
    real_token = request.session.get(SESSION_TOKEN, "")
    invitation, state = accounts.invitation_for_token(real_token)
    if state != "valid" or invitation is None:
        return render(request, "registration/invitation-invalid.html", {"state": state})
    form = SetPasswordForm(invitation.user, _posted(request))
    form.fields["new_password1"].widget.attrs["autocomplete"] = "new-password"
    form.fields["new_password2"].widget.attrs["autocomplete"] = "new-password"
    form.fields["new_password1"].error_messages["required"] = "Enter a password"
    form.fields["new_password2"].error_messages["required"] = "Enter the password again"
    if request.method == "POST" and form.is_valid():
        try:
            accounts.invitation_accept(token=real_token,
                                       password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            del request.session[SESSION_TOKEN]
            messages.success(request, "Your password is set. Sign in with your email address "
                                      "and the password you chose.")
            return redirect("login")
    return render(request, "registration/invitation-accept.html", {
        "form": form, "invitation": invitation,
    })


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def enabler_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A user's enabler profile: capacity, regions, background, open or closed. Never whose
    profile it is (a database trigger refuses that too). 404 for a user without a profile."""
    user = get_user_for_admin(pk)
    enabler = Enabler.objects.filter(user=user).prefetch_related("regions").first()
    if enabler is None:
        raise Http404("No enabler profile.")
    enabler.user = user
    regions = list(Region.objects.order_by("name"))

    def bind(data: QueryDict | None) -> EnablerProfileForm:
        return EnablerProfileForm(data, regions=regions,
                                  initial=EnablerProfileForm.initial_for(enabler))

    form = bind(_posted(request))
    saved: list[tuple[str, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = set(data["regions"])
        try:
            profiles.enabler_change(
                actor=request.user, enabler=enabler, seen=data["seen"],
                capacity_days_per_week=data["capacity_days_per_week"],
                regions=[r for r in regions if r.pk in chosen],
                background=data["background"], is_active=data["is_active"],
            )
        except StaleEditError as stale:
            form = stale_form(request, stale, bind)
            current: Any = Enabler.objects.prefetch_related("regions").get(pk=enabler.pk)
            saved = [("Days a week", f"{current.capacity_days_per_week.normalize():f}"),
                     ("Regions", ", ".join(r.name for r in current.regions.all())),
                     ("Background", current.background),
                     ("Open for new assignments", "Yes" if current.is_active else "No")]
        except DomainError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"Saved {enabler.display_name}'s enabler profile.")
            return redirect("backoffice:user-detail", pk=user.pk)
    return render(request, "backoffice/enabler-edit.html", {
        "subject": user, "enabler": enabler, "form": form, "saved": saved,
    })

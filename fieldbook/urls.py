from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.http import require_GET

from fieldbook import oidc_views, views
from fieldbook.access import public, signed_in
from fieldbook.passkeys import passkey_urlpatterns

auth_urls: list[URLPattern | URLResolver] = [
    path("login/", public(views.LoginView.as_view()), name="login"),
    path("logout/", public(views.LogoutView.as_view()), name="logout"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/set-up/app/", views.two_factor_setup_app, name="two-factor-setup-app"),
    path("two-factor/set-up/passkey/", views.two_factor_setup_passkey,
         name="two-factor-setup-passkey"),
    path("two-factor/recovery-codes/", views.two_factor_recovery_codes,
         name="two-factor-recovery-codes"),
    path("two-factor/manage/", views.two_factor_manage, name="two-factor-manage"),
    path("two-factor/passkeys/<int:pk>/remove/", views.two_factor_passkey_remove,
         name="two-factor-passkey-remove"),
    # Single sign-on (fieldbook.oidc): off to a configured provider, and back.
    path("sso/<slug:provider>/", oidc_views.sso_begin, name="sso-begin"),
    path("sso/<slug:provider>/callback/", oidc_views.sso_callback, name="sso-callback"),
    # The JSON endpoints of django-otp-webauthn's script, each with its access declared.
    path("passkeys/", include((passkey_urlpatterns, "otp_webauthn"))),
    path("password/", signed_in(views.PasswordChangeView.as_view()), name="password_change"),
    path(
        "password/changed/",
        require_GET(signed_in(auth_views.PasswordChangeDoneView.as_view())),
        name="password_change_done",
    ),
    path(
        "password-reset/",
        public(views.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        public(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include(auth_urls)),
    path("", include("engagements.urls")),
    path("", include("backoffice.urls")),
    # One way in: the Django admin's own sign-in page would skip our audit and two-factor pages.
    path(f"{settings.ADMIN_URL}login/", views.admin_login, name="admin-login"),
    path(settings.ADMIN_URL, admin.site.urls),
]


handler400 = "fieldbook.error_pages.bad_request"
handler403 = "fieldbook.error_pages.permission_denied"
handler404 = "fieldbook.error_pages.page_not_found"
handler500 = "fieldbook.error_pages.server_error"

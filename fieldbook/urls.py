from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .access import public
from .forms import LoginForm

auth_urls = [
    path(
        "login/",
        public(auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        )),
        name="login",
    ),
    path("logout/", public(auth_views.LogoutView.as_view()), name="logout"),
    path(
        "password-reset/",
        public(auth_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        )),
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
    path("", include("places.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler403 = "fieldbook.errors.permission_denied"
handler404 = "fieldbook.errors.page_not_found"
handler500 = "fieldbook.errors.server_error"

from django.urls import path

from . import views

app_name = "places"

urlpatterns = [
    path("manage/", views.admin_home, name="admin-home"),
    path("manage/onboard/", views.onboard, name="onboard"),
]

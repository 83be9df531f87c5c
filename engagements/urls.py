from django.urls import path

from . import views

app_name = "engagements"

urlpatterns = [
    path("week/", views.my_week, name="my-week"),
    path("programmes/", views.dashboard, name="dashboard"),
]

from django.urls import path

from . import views

app_name = "engagements"

urlpatterns = [
    path("week/", views.my_week, name="my-week"),
    path("week/log/", views.session_log, name="session-log"),
    path("week/repeat/", views.week_repeat, name="week-repeat"),
    path("week/draft-key/", views.draft_key, name="draft-key"),
    path("week/sessions/<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("week/sessions/<int:pk>/delete/", views.session_delete, name="session-delete"),
    path("week/sessions/<int:pk>/restore/", views.session_restore, name="session-restore"),
    path("week/learning/<int:pk>/withdraw/", views.learning_item_withdraw,
         name="learning-item-withdraw"),
    path("programmes/", views.dashboard, name="dashboard"),
    path("programmes/<slug:programme>/", views.programme_dashboard,
         name="programme-dashboard"),
    path("programmes/<slug:programme>/places.<str:fmt>", views.dashboard_export,
         name="dashboard-export"),
    path("programmes/<slug:programme>/places/<slug:place>/", views.place_page, name="place"),
    path("programmes/<slug:programme>/places/<slug:place>/timeline.<str:fmt>",
         views.place_export, name="place-export"),
    path("programmes/<slug:programme>/themes/", views.heatmap, name="heatmap"),
    path("programmes/<slug:programme>/enablers/", views.caseload, name="caseload"),
    path("summaries/", views.summary_list, name="summary-list"),
    path("summaries/new/", views.summary_new, name="summary-request"),
    path("summaries/<int:pk>/", views.summary_detail, name="summary-detail"),
    path("summaries/<int:pk>/compile/", views.summary_compile, name="summary-compile"),
    path("summaries/<int:pk>/pdf/", views.summary_pdf, name="summary-pdf"),
    path("summaries/<int:pk>/markdown/", views.summary_markdown, name="summary-markdown"),
]

from django.urls import path

from engagements.dashboards import views as dashboards
from engagements.summaries import views as summaries
from engagements.week import views as week

app_name = "engagements"

urlpatterns = [
    path("week/", week.my_week, name="my-week"),
    path("week/log/", week.session_log, name="session-log"),
    path("week/repeat/", week.week_repeat, name="week-repeat"),
    path("week/draft-key/", week.draft_key, name="draft-key"),
    path("week/sessions/<int:pk>/edit/", week.session_edit, name="session-edit"),
    path("week/sessions/<int:pk>/delete/", week.session_delete, name="session-delete"),
    path("week/sessions/<int:pk>/restore/", week.session_restore, name="session-restore"),
    path("week/learning/<int:pk>/withdraw/", week.learning_item_withdraw,
         name="learning-item-withdraw"),
    path("programmes/", dashboards.dashboard, name="dashboard"),
    path("programmes/<slug:programme>/", dashboards.programme_dashboard,
         name="programme-dashboard"),
    path("programmes/<slug:programme>/places.<str:fmt>", dashboards.dashboard_export,
         name="dashboard-export"),
    path("programmes/<slug:programme>/places/<slug:place>/", dashboards.place_page,
         name="place"),
    path("programmes/<slug:programme>/places/<slug:place>/timeline.<str:fmt>",
         dashboards.place_export, name="place-export"),
    path("programmes/<slug:programme>/themes/", dashboards.heatmap, name="heatmap"),
    path("programmes/<slug:programme>/enablers/", dashboards.caseload, name="caseload"),
    path("summaries/", summaries.summary_list, name="summary-list"),
    path("summaries/new/", summaries.summary_new, name="summary-request"),
    path("summaries/<int:pk>/", summaries.summary_detail, name="summary-detail"),
    path("summaries/<int:pk>/compile/", summaries.summary_compile_again, name="summary-compile"),
    path("summaries/<int:pk>/review/", summaries.summary_review, name="summary-review"),
    path("summaries/<int:pk>/review/items/", summaries.summary_review_item,
         name="summary-review-item"),
    path("summaries/<int:pk>/lock/", summaries.summary_lock_view, name="summary-lock"),
    path("summaries/<int:pk>/unlock/", summaries.summary_unlock_view, name="summary-unlock"),
    path("summaries/<int:pk>/pdf/", summaries.summary_pdf, name="summary-pdf"),
    path("summaries/<int:pk>/markdown/", summaries.summary_markdown, name="summary-markdown"),
]

from django.urls import path

from engagements.dashboards import views as dashboards
from engagements.messages import views as messages
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
    path("messages/nominations/", messages.my_nominations, name="messages-mine"),
    path("messages/nominate/<int:pk>/", messages.nominate, name="messages-nominate"),
    path("quotes/", messages.quote_bank, name="quote-bank"),
    path("programmes/<slug:programme>/messages/", messages.collection, name="messages"),
    path("programmes/<slug:programme>/messages/edit/", messages.collection_edit,
         name="messages-edit"),
    path("programmes/<slug:programme>/messages/new/", messages.message_edit,
         name="messages-message-add"),
    path("programmes/<slug:programme>/messages/<int:pk>/edit/", messages.message_edit,
         name="messages-message-edit"),
    path("programmes/<slug:programme>/messages/nominations/<int:pk>/",
         messages.nomination_decide, name="messages-decide"),
    path("programmes/<slug:programme>/messages/add/<int:item>/", messages.add_from_bank,
         name="messages-bank-add"),
    path("programmes/<slug:programme>/messages/publish/", messages.publish,
         name="messages-publish"),
    path("programmes/<slug:programme>/messages/v<int:number>/", messages.published,
         name="messages-published"),
    path("programmes/<slug:programme>/messages/v<int:number>.<str:fmt>",
         messages.published_download, name="messages-download"),
    path("summaries/", summaries.summary_list, name="summary-list"),
    path("summaries/new/", summaries.summary_new, name="summary-request"),
    path("summaries/<int:pk>/", summaries.summary_detail, name="summary-detail"),
    path("summaries/<int:pk>/compile/", summaries.summary_compile_again, name="summary-compile"),
    path("summaries/<int:pk>/pdf/", summaries.summary_pdf, name="summary-pdf"),
    path("summaries/<int:pk>/markdown/", summaries.summary_markdown, name="summary-markdown"),
]

from django.urls import path

from fugong.workforce import views
from fugong.workforce.returns import views as returns_views

app_name = "workforce"
urlpatterns = [
    # Pre-reports and checkpoint arrivals (提前告知 / 有序对接).
    path("returns/", returns_views.index, name="returns"),
    path("returns/arrivals/", returns_views.arrivals, name="arrivals"),
    path("returns/pending/", returns_views.pending, name="pending"),
    path("returns/arrivals/<int:pk>/", returns_views.arrival_detail, name="arrival"),
    path("returns/arrivals/<int:pk>/resolve/", returns_views.arrival_resolve, name="arrival_resolve"),
    path("returns/arrivals/<int:pk>/match/", returns_views.arrival_match, name="arrival_match"),
    path("returns/prereport/", returns_views.prereport, name="prereport"),
    # Reached by QR code on a phone at the checkpoint; kept short to print.
    path("checkpoint/", returns_views.checkpoint, name="checkpoint"),
    # Employee files (一人一档), the roster in Excel, the health card, isolation, the phone page.
    path("roster/", views.roster, name="roster"),
    path("roster/template/", views.roster_template, name="roster_template"),
    path("roster/export/", views.roster_export, name="roster_export"),
    path("roster/statistics/", views.roster_statistics, name="roster_statistics"),
    path("roster/import/", views.roster_import, name="roster_import"),
    path("roster/import/<str:job_id>/", views.roster_import_progress, name="roster_import_progress"),
    path("employees/new/", views.employee_create, name="employee_create"),
    path("employees/<int:pk>/", views.employee_detail, name="employee"),
    path("employees/<int:pk>/edit/", views.employee_edit, name="employee_edit"),
    path("employees/<int:pk>/reveal/", views.employee_reveal, name="employee_reveal"),
    path("employees/<int:pk>/travel/", views.employee_travel, name="employee_travel"),
    path("employees/<int:pk>/account/", views.employee_account, name="employee_account"),
    path("employees/<int:pk>/status/", views.employee_status, name="employee_status"),
    path("employees/<int:pk>/reevaluate/", views.employee_reevaluate, name="employee_reevaluate"),
    path("employees/<int:pk>/isolation/", views.episode_start, name="episode_start"),
    path("episodes/<int:pk>/release/", views.episode_release, name="episode_release"),
    path("isolation/", views.isolation_board, name="isolation"),
    path("me/", views.me, name="me"),
]

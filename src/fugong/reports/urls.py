from django.urls import path

from fugong.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.daily, name="daily"),
    path("export/", views.export, name="export"),
    path("<int:pk>/", views.summary_detail, name="summary"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/reopen/", views.reopen, name="reopen"),
]

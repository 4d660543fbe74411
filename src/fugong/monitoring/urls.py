from django.urls import path

from fugong.monitoring import views

app_name = "monitoring"
urlpatterns = [
    # The employee's phone page, linked from 我的健康 and the firm's QR code.
    path("checkin/", views.checkin, name="checkin"),
    path("bulk/", views.bulk, name="bulk"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/close/", views.alert_close, name="alert_close"),
    path("missing/", views.missing, name="missing"),
]

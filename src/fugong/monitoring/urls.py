from django.urls import path

from fugong.monitoring import views
from fugong.monitoring.access import views as checkin_views
from fugong.monitoring.testing import views as test_views

app_name = "monitoring"
urlpatterns = [
    # The employee's phone page, linked from 我的健康 and the firm's QR code.
    path("checkin/", views.checkin, name="checkin"),
    path("bulk/", views.bulk, name="bulk"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/close/", views.alert_close, name="alert_close"),
    path("missing/", views.missing, name="missing"),
    path("bulk/template/", views.bulk_template, name="bulk_template"),
    # Check-in without a password: a personal link, or the firm's QR code and the person's ID number.
    path("c/<str:token>/", checkin_views.link_checkin, name="link_checkin"),
    path("f/<str:token>/", checkin_views.firm_checkin, name="firm_checkin"),
    path("links/", checkin_views.links, name="links"),
    path("qr/", checkin_views.firm_qr, name="firm_qr"),
    path("devices/", checkin_views.device_list, name="devices"),
    path("devices/<int:pk>/revoke/", checkin_views.device_revoke, name="device_revoke"),
    # Nucleic and antigen results: entry, the lab's Excel, due and overdue lists.
    path("tests/", test_views.tests, name="tests"),
    path("tests/template/", test_views.tests_template, name="tests_template"),
]

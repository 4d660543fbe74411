from django.urls import path

from fugong.monitoring import access_views, testing_views, views

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
    path("c/<str:token>/", access_views.link_checkin, name="link_checkin"),
    path("f/<str:token>/", access_views.firm_checkin, name="firm_checkin"),
    path("links/", access_views.links, name="links"),
    path("qr/", access_views.firm_qr, name="firm_qr"),
    path("devices/", access_views.device_list, name="devices"),
    path("devices/<int:pk>/revoke/", access_views.device_revoke, name="device_revoke"),
    # Nucleic and antigen results: entry, the lab's Excel, due and overdue lists.
    path("tests/", testing_views.tests, name="tests"),
    path("tests/template/", testing_views.tests_template, name="tests_template"),
]

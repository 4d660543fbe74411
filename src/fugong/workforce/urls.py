from django.urls import path

from fugong.workforce import returns_views

app_name = "workforce"
urlpatterns = [
    # Pre-reports and checkpoint arrivals (N0 提前告知 / 有序对接).
    path("returns/", returns_views.index, name="returns"),
    path("returns/arrivals/", returns_views.arrivals, name="arrivals"),
    path("returns/pending/", returns_views.pending, name="pending"),
    path("returns/arrivals/<int:pk>/", returns_views.arrival_detail, name="arrival"),
    path("returns/arrivals/<int:pk>/resolve/", returns_views.arrival_resolve, name="arrival_resolve"),
    path("returns/arrivals/<int:pk>/match/", returns_views.arrival_match, name="arrival_match"),
    path("returns/prereport/", returns_views.prereport, name="prereport"),
    # Reached by QR code on a phone at the checkpoint; kept short to print.
    path("checkpoint/", returns_views.checkpoint, name="checkpoint"),
]

"""Public certificate verification (no login): mounted at /verify/ without a namespace, so the
QR code's target is reversed as ``public-verify``."""

from django.urls import path

from fugong.resumption.public import views

urlpatterns = [
    path("", views.verify_index, name="public-verify-index"),
    path("<str:token>/", views.verify, name="public-verify"),
]

"""Public certificate verification (no login): mounted at /verify/ without a namespace, so the
QR code's target is reversed as ``public-verify``."""

from django.urls import path

from fugong.resumption import public_views

urlpatterns = [
    path("", public_views.verify_index, name="public-verify-index"),
    path("<str:token>/", public_views.verify, name="public-verify"),
]

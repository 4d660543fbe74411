"""The incident core's pages (no app_name: urls.py gathers the parts into the ``incidents`` namespace)."""

from django.urls import path

from fugong.incidents import views

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.new, name="new"),
    path("timing/", views.timing_page, name="timing"),
    path("timing/export/", views.timing_export, name="timing_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/steps/<str:kind>/", views.step, name="step"),
]

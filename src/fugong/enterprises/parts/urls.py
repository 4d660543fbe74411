"""The inside of a firm; included by enterprises/urls.py, so the names are enterprises:parts…"""

from django.urls import path

from fugong.enterprises.parts import views

urlpatterns = [
    path("<int:pk>/parts/", views.parts, name="parts"),
    path("<int:pk>/parts/<slug:kind>/", views.section, name="parts-section"),
    path("<int:pk>/parts/<slug:kind>/<int:part_pk>/edit/", views.edit, name="parts-edit"),
    path("<int:pk>/parts/<slug:kind>/<int:part_pk>/delete/", views.delete, name="parts-delete"),
]

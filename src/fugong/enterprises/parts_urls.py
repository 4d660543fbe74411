"""The inside of a firm; included by enterprises/urls.py, so the names are enterprises:parts…"""

from django.urls import path

from fugong.enterprises import parts_views

urlpatterns = [
    path("<int:pk>/parts/", parts_views.parts, name="parts"),
    path("<int:pk>/parts/<slug:kind>/", parts_views.section, name="parts-section"),
    path("<int:pk>/parts/<slug:kind>/<int:part_pk>/edit/", parts_views.edit, name="parts-edit"),
    path("<int:pk>/parts/<slug:kind>/<int:part_pk>/delete/", parts_views.delete, name="parts-delete"),
]

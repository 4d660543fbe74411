from django.urls import path

from fugong.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.index, name="index"),
    path("apply/", views.apply, name="apply"),
    path("presets/", views.presets, name="presets"),
    path("notices/<str:code>/", views.notice, name="notice"),
    path("<int:pk>/export/", views.export, name="export"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/areas/", views.areas, name="areas"),
    path("risk-areas/<int:pk>/end/", views.risk_area_end, name="risk_area_end"),
    path("no-return-areas/<int:pk>/end/", views.no_return_area_end, name="no_return_area_end"),
]

from django.urls import path

from fugong.arrangements import views

app_name = "arrangements"
urlpatterns = [
    path("", views.index, name="index"),
    path("firms/<int:pk>/", views.firm_view, name="firm"),
    path("assign/", views.assign, name="assign"),
    path("assignments/<int:pk>/end/", views.end, name="end"),
    path("on-day/<str:kind>/<int:pk>/", views.on_day, name="on_day"),
    path("carpools/new/", views.carpool_form, name="carpool_new"),
    path("carpools/<int:pk>/edit/", views.carpool_form, name="carpool_edit"),
]

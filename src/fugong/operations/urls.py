from django.urls import path

from fugong.operations import views

app_name = "operations"
urlpatterns = [
    path("", views.gate, name="gate"),
    path("visitors/<int:pk>/leave/", views.visitor_leave, name="visitor_leave"),
    path("records/", views.records, name="records"),
]

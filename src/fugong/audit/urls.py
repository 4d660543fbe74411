from django.urls import path

from fugong.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("<int:pk>/", views.entry_detail, name="detail"),
    path("verify/", views.verify, name="verify"),
]

from django.urls import path

from fugong.compliance import views

app_name = "compliance"
urlpatterns = [
    path("", views.index, name="index"),
    path("risk/", views.risk, name="risk"),
    path("self-assess/", views.self_assess, name="self_assess"),
    path("answers/<int:pk>/verify/", views.verify, name="verify"),
    path("answers/<int:pk>/evidence/", views.evidence, name="evidence"),
    path("firms/<int:pk>/inspect/", views.inspect, name="inspect"),
]

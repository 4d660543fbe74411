from django.urls import path

from fugong.supplies import views

app_name = "supplies"
urlpatterns = [
    path("", views.index, name="index"),
    path("receive/", views.receive, name="receive"),
    path("issue/", views.issue, name="issue"),
    path("adjust/", views.adjust, name="adjust"),
    path("export/", views.export, name="export"),
    path("demands/", views.demands, name="demands"),
    path("demands/new/", views.demand_new, name="demand_new"),
    path("demands/<int:pk>/", views.demand, name="demand"),
    path("demands/<int:pk>/<str:action>/", views.demand_act, name="demand_act"),
]

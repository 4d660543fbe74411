from django.urls import path

from fugong.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("picker/", views.picker, name="picker"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/children/", views.children, name="children"),
    path("<int:pk>/grids/", views.grid_create, name="grid_create"),
]

from django.urls import path

from fugong.incidents.seals import views as seals_views

urlpatterns = [
    path("seals/", seals_views.seal_list, name="seals"),
    path("seals/new/", seals_views.seal_new, name="seal_new"),
    path("seals/<int:pk>/", seals_views.seal_lift, name="seal_lift"),
]

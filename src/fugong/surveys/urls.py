from django.urls import path

from fugong.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/remind/", views.remind, name="remind"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/export/", views.export, name="export"),
    path("mine/", views.mine, name="mine"),
    path("answers/<int:pk>/", views.answer, name="answer"),
]

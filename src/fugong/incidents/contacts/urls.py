from django.urls import path

from fugong.incidents.contacts import views as contacts_views

urlpatterns = [
    path("<int:pk>/contacts/", contacts_views.contacts, name="contacts"),
    path("<int:pk>/contacts/confirm/", contacts_views.contacts_confirm, name="contacts_confirm"),
]

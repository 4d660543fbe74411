"""The incident pages: the core's here, each part (contacts, seals, notices) keeps its own list in its
package; names are unique across them, all in the ``incidents`` namespace."""

from django.urls import path

from fugong.incidents import views
from fugong.incidents.contacts import urls as contacts_urls
from fugong.incidents.notices import urls as notices_urls
from fugong.incidents.seals import urls as seals_urls

app_name = "incidents"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.new, name="new"),
    path("timing/", views.timing_page, name="timing"),
    path("timing/export/", views.timing_export, name="timing_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/steps/<str:kind>/", views.step, name="step"),
    *contacts_urls.urlpatterns,
    *seals_urls.urlpatterns,
    *notices_urls.urlpatterns,
]

from django.urls import path

from fugong.resumption import views
from fugong.resumption.approval import views as approval_views
from fugong.resumption.attachments import views as attachment_views
from fugong.resumption.batches import views as batch_views

app_name = "resumption"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    # The reviewers' name for the same page: it shows the decision form whenever the step waits for them.
    path("<int:pk>/review/", views.detail, name="review"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/attachments/", attachment_views.attachments, name="attachments"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/",
        attachment_views.download_attachment,
        name="attachment",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_id>/remove/",
        attachment_views.remove_attachment,
        name="remove_attachment",
    ),
    path("<int:pk>/commitments/", views.commitments, name="commitments"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/decide/", approval_views.decide, name="decide"),
    path("<int:pk>/early-start/", approval_views.early_start, name="early_start"),
    path("certificates/<int:pk>/pdf/", approval_views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", approval_views.revoke_certificate, name="revoke_certificate"),
    path("batches/", batch_views.batches, name="batches"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch"),
    path("notifications/", views.notification_list, name="notifications"),
]

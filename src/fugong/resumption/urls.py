from django.urls import path

from fugong.resumption import views

app_name = "resumption"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    # The reviewers' name for the same page: it shows the decision form whenever the step waits for them.
    path("<int:pk>/review/", views.detail, name="review"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/attachments/", views.attachments, name="attachments"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.download_attachment, name="attachment"),
    path(
        "<int:pk>/attachments/<int:attachment_id>/remove/",
        views.remove_attachment,
        name="remove_attachment",
    ),
    path("<int:pk>/commitments/", views.commitments, name="commitments"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/decide/", views.decide, name="decide"),
    path("<int:pk>/early-start/", views.early_start, name="early_start"),
    path("certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", views.revoke_certificate, name="revoke_certificate"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("notifications/", views.notification_list, name="notifications"),
]

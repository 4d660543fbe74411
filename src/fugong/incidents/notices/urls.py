"""Notices (隔离观察通知书), their public verify page, and responsibility reviews (责任倒查)."""

from django.urls import path

from fugong.incidents.notices import views

urlpatterns = [
    path("<int:pk>/notices/", views.notice_list, name="notices"),
    path("<int:pk>/notices/deliver/", views.notice_deliver, name="notices_deliver"),
    path("<int:pk>/notices.pdf", views.notices_pdf, name="notices_pdf"),
    path("notices/<int:pk>.pdf", views.notice_pdf, name="notice_pdf"),
    # Public (no login): reached by scanning the QR code printed on a notice.
    path("notices/verify/<str:token>/", views.notice_verify, name="notice_verify"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
]

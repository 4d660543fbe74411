"""Rows made directly, for tests that need an application to exist rather than to go through review
(the scope walk over every API route)."""

import secrets

from django.utils import timezone

from fugong.resumption.models import ApplicationStatus, Certificate, ResumptionApplication


def approved_application(firm, applicant):
    now = timezone.now()
    application = ResumptionApplication.objects.create(
        enterprise=firm,
        kind="first_resumption",
        status=ApplicationStatus.APPROVED,
        planned_start=now,
        reason="复工",
        created_by=applicant,
        submitted_at=now,
        decided_at=now,
    )
    Certificate.objects.create(
        application=application,
        enterprise=firm,
        number=f"测试复工〔{now.year}〕{application.pk:05d}号",
        kind=application.kind,
        valid_from=now,
        verify_token=secrets.token_urlsafe(18),
    )
    return application

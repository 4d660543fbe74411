"""A confirmation committing while the 30-minute refresh runs: the refresh must not overwrite it.

PostgreSQL only (the deployment's database): the upsert waits on the confirmation's row lock and then
re-checks ``status = 'draft'`` on the committed row. SQLite has one writer at a time, so the race
cannot arise there."""

import threading
import time

import pytest
from django.db import connection, transaction

from fugong.reports import services
from fugong.reports.models import DailySummary, SummaryStatus

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only"),
]


def test_refresh_waits_for_a_confirmation_and_keeps_it(world, day):
    services.build_summaries(day.day)
    row = DailySummary.objects.get(enterprise=world.firm_a, day=day.day)
    locked, refreshed = threading.Event(), threading.Event()
    result = {}

    def confirm_slowly():
        try:
            with transaction.atomic():
                mine = DailySummary.objects.select_for_update().get(pk=row.pk)
                locked.set()
                mine.status = SummaryStatus.CONFIRMED
                mine.on_site = 999  # what the firm signed, whatever the records say now
                mine.version += 1
                mine.save()
                time.sleep(0.5)
                result["refresh_waited"] = not refreshed.is_set()
        finally:
            connection.close()

    worker = threading.Thread(target=confirm_slowly)
    worker.start()
    assert locked.wait(5)
    services.build_summaries(day.day)
    refreshed.set()
    worker.join(10)
    row.refresh_from_db()
    assert result["refresh_waited"]
    assert row.status == SummaryStatus.CONFIRMED and row.on_site == 999 and row.version == 2
    assert DailySummary.objects.get(enterprise=world.firm_b, day=day.day).on_site == 1

"""manage.py build_summaries [--day YYYY-MM-DD] [--enterprise ID …]: compute the daily summaries' drafts."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from fugong.reports.services import build_summaries


class Command(BaseCommand):
    help = "Compute (or refresh) the firms' daily health summaries of a day; confirmed ones are kept."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD, today (local time) when omitted")
        parser.add_argument("--enterprise", type=int, action="append", help="only this firm (repeatable)")

    def handle(self, *args, **options):
        raw = options.get("day")
        try:
            day = parse_date(raw) if raw else timezone.localdate()
        except ValueError:  # well formed, but no such date
            day = None
        if day is None:
            raise CommandError(f"--day must be YYYY-MM-DD, got {raw!r}")
        started = time.perf_counter()
        written = build_summaries(day, options.get("enterprise"))
        self.stdout.write(f"{day}: {written} drafts written in {time.perf_counter() - started:.2f}s")

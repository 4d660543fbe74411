"""manage.py build_summaries [--day YYYY-MM-DD] [--enterprise ID …] [--force]: compute the daily
summaries' drafts."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date

from fugong.reports.services import build_summaries, is_live


class Command(BaseCommand):
    help = (
        "Compute (or refresh) the firms' daily health summaries of a day; confirmed ones are kept. "
        "A past day (before yesterday, or yesterday after 00:30) is only rebuilt with --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD, today (local time) when omitted")
        parser.add_argument("--enterprise", type=int, action="append", help="only this firm (repeatable)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="rebuild the drafts of a past day (from the people's current statuses)",
        )

    def handle(self, *args, **options):
        raw = options.get("day")
        try:
            day = parse_date(raw) if raw else timezone.localdate()
        except ValueError:  # well formed, but no such date
            day = None
        if day is None:
            raise CommandError(f"--day must be YYYY-MM-DD, got {raw!r}")
        force = options.get("force", False)
        if day <= timezone.localdate() and not is_live(day):
            if not force:
                raise CommandError(
                    f"{day} is a past day: its drafts keep the figures computed while it was current. "
                    "Use --force to rebuild them anyway."
                )
            self.stderr.write(
                self.style.WARNING(
                    f"Warning: rebuilding the drafts of {day}: on site, isolating, rounds and tests due are "
                    "counted from the people's CURRENT statuses, not those of that day. "
                    "Confirmed summaries are kept."
                )
            )
        started = time.perf_counter()
        written = build_summaries(day, options.get("enterprise"), force=force)
        self.stdout.write(f"{day}: {written} drafts written in {time.perf_counter() - started:.2f}s")

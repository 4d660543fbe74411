from django.core.management.base import BaseCommand

from fugong.audit.anchors import write_anchor
from fugong.core import dates


class Command(BaseCommand):
    help = "Append the audit chain's head (id, hash, count, time) to the anchor file now."

    def add_arguments(self, parser):
        parser.add_argument("--path", help="the anchor file (default: AUDIT_ANCHOR_PATH)")

    def handle(self, *args, **options):
        anchor, path = write_anchor(options["path"])
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入锚点：第 {anchor.id} 条记录（共 {anchor.count} 条），哈希前12位 {anchor.short_hash}，"
                f"{dates.format_datetime(anchor.at, seconds=True)} → {path}"
            )
        )

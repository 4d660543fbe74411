from django.core.management.base import BaseCommand, CommandError

from fugong.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero at the first tampered entry."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"审计链在第 {report.broken_at} 条记录处断开：{report.reason}（已核对 {report.checked} 条）"
            )
        self.stdout.write(self.style.SUCCESS(f"审计链完整：已核对 {report.checked} 条记录。"))

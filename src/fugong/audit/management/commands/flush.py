"""Django's ``flush``, which still works with the audit table's TRUNCATE trigger (migration 0003).

``flush`` empties every table at once with TRUNCATE; the test runner calls it after each transactional
test. The trigger is lifted for that one transaction only, and only by a role that owns the table —
which could disable it anyway. Emptying the log this way is not hidden: ``verify_audit`` finds the
anchors (fugong.audit.anchors) pointing at rows that are gone.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

TABLE = "audit_auditentry"
TRIGGER = "audit_entry_no_truncate"


def _has_trigger(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = to_regclass(%s)", [TRIGGER, TABLE]
        )
        return cursor.fetchone() is not None


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql" or not _has_trigger(connection):
            return super().handle(**options)
        # One transaction: if the flush fails, the trigger's disabling is rolled back with it.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
            super().handle(**options)
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")

"""On PostgreSQL the database also refuses ``TRUNCATE audit_auditentry``.

The row trigger of 0002 never sees a TRUNCATE (row triggers do not fire for it), so the whole log could be
emptied in one statement and the chain would still "verify" with nothing left to check. A statement
trigger closes that. Like the row trigger it stops accidents and any role that may write the table but
does not own it; the owner can still disable triggers, which the anchors (fugong.audit.anchors) expose.

``manage.py flush`` (and so the test runner's flush between transactional tests) empties every table with
TRUNCATE: fugong.audit's own ``flush`` command lifts this trigger for that one transaction.

A RunPython running SQL rather than a RunSQL, as in 0002: RunSQL cannot skip SQLite, which has no
TRUNCATE and no triggers here.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_entry_no_truncate() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit entries are append-only: TRUNCATE of % refused', TG_TABLE_NAME;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_no_truncate();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_no_truncate();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # None: the "%" in RAISE is not a placeholder


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]
    operations = [migrations.RunPython(create, drop)]

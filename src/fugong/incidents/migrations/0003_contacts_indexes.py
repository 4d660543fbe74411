"""Indexes the contact search needs (benchmarks/contacts_search.py): gate entries and visitors looked up
by gate and time (the co-entries around an index person's entry), and an employee's own entries by time.
They sit on other apps' tables, so they are plain SQL (valid on SQLite and PostgreSQL) rather than model
indexes of those apps."""

from django.db import migrations

INDEXES = [
    ("contacts_entry_gate_at", "operations_employeeentry", "gate_id, at"),
    ("contacts_entry_employee_at", "operations_employeeentry", "employee_id, at"),
    ("contacts_visitor_gate_time", "operations_visitor", "gate_id, time_in"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0002_core_step_skipped"),
        ("operations", "0003_encrypt_phones"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})",
            f"DROP INDEX IF EXISTS {name}",
        )
        for name, table, columns in INDEXES
    ]

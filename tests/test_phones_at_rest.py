"""Phone numbers at rest (issue 11): every phone column holds only Fernet tokens, whatever wrote the row
(services, bulk_create, the roster import's executemany); people are still found by phone through the
blind index; the audit log keeps phones masked; and a whole demo city dumped from the database shows no
mobile number anywhere."""

import datetime as dt
import os
import re
import shutil
import subprocess
from io import BytesIO

import pytest
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection
from openpyxl import Workbook
from stdnum.cn import ric

from fugong.accounts.services import update_profile
from fugong.audit.models import AuditEntry
from fugong.core import crypto
from fugong.core.encrypted_migrations import decrypt_phones, encrypt_phones
from fugong.core.fields import EncryptedCharField
from fugong.enterprises import services as enterprise_services
from fugong.enterprises.models import Enterprise, PreventionTeamMember
from fugong.enterprises.parts.services import create_part
from fugong.operations import services as gate
from fugong.policy.services import apply_preset
from fugong.workforce.models import CheckpointArrival, Employee
from fugong.workforce.returns.services import record_arrival
from fugong.workforce.roster.excel import ROSTER_SHEET
from fugong.workforce.roster.importing import import_roster
from fugong.workforce.services import register_employee, update_employee
from tests.factories import make_uscc

# A mobile number standing alone: not part of a longer run of letters and digits (a hash, a token, an
# HMAC index, a password hash), which may contain eleven digits in a row by chance.
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")
EXPECTED_FIELDS = {
    ("accounts.user", "phone"),
    ("enterprises.enterprise", "legal_representative_phone"),
    ("enterprises.enterprise", "prevention_lead_phone"),
    ("enterprises.preventionteammember", "phone"),
    ("enterprises.shuttleroute", "driver_phone"),
    ("operations.visitor", "phone"),
    ("operations.vehicleentry", "driver_phone"),
    ("workforce.employee", "phone"),
    ("workforce.checkpointarrival", "phone"),
}
_serial = iter(range(700, 1000))


def new_id() -> str:
    body = f"33068119850101{next(_serial):03d}"
    return body + ric.calc_check_digit(body + "0")


def encrypted_fields():
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedCharField)
    ]


def raw_column(model, column: str) -> list[str]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(model._meta.db_table)}")
        return [value for (value,) in cursor.fetchall()]


def readable_dump(text: str) -> str:
    """JSON columns escape Chinese as \\uXXXX; undone so that "电话13812345678" is seen as such."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


@pytest.fixture
def n0(world):
    apply_preset(world.county, "N0", effective_from=dt.date(2020, 1, 1))
    return world


def every_phone_written(world) -> dict[str, str]:
    """One row in every phone column, each written the way the application writes it."""
    users = world.users
    employee = register_employee(
        users["ent_a"], world.firm_a, {"name": "钱七", "id_number": new_id(), "phone": "13905750001"}
    )
    record_arrival(
        users["town_a"],
        world.town_a,
        checkpoint="高速卡口",
        name="路人",
        id_number=new_id(),
        phone="13905750002",
    )
    common = {"temperature": "36.5", "health_code": "green"}
    gate.record_visitor(
        users["gate_a"],
        world.firm_a,
        name="王访客",
        id_number=new_id(),
        phone="13905750003",
        host="李主任",
        purpose="送货",
        **common,
    )
    gate.record_vehicle(
        users["gate_a"],
        world.firm_a,
        plate="浙D12345",
        driver_name="赵师傅",
        driver_phone="13905750004",
        origin="杭州",
        disinfected=True,
    )
    firm = Enterprise.objects.get(pk=world.firm_a.pk)
    enterprise_services.update_enterprise(
        users["ent_a"],
        firm,
        {"legal_representative_phone": "13905750005", "prevention_lead_phone": "13905750006"},
        firm.version,
    )
    create_part(
        users["ent_a"],
        "prevention-team",
        firm,
        {"name": "钱组长", "team_role": "member", "phone": "13905750007"},
    )
    create_part(
        users["ent_a"],
        "shuttle-routes",
        firm,
        {
            "name": "城区线",
            "vehicle_plate": "浙D54321",
            "driver_name": "孙师傅",
            "driver_phone": "13905750008",
            "seats": 19,
        },
    )
    update_profile(users["town_a"], full_name="镇街干部", phone="13905750009")
    return {"employee": employee}


def test_every_phone_field_is_encrypted():
    found = {(model._meta.label_lower, field.name) for model, field in encrypted_fields()}
    assert found == EXPECTED_FIELDS


def test_the_database_holds_only_tokens_and_the_code_reads_numbers(n0):
    every_phone_written(n0)
    for model, field in encrypted_fields():
        stored = [value for value in raw_column(model, field.column) if value]
        assert stored, f"{model._meta.label}.{field.name} was not written by the test"
        for value in stored:
            assert crypto.is_token(value), (model._meta.label, field.name, value)
            assert not MOBILE.search(value) and "139057500" not in value
        clear = [v for v in model.objects.values_list(field.name, flat=True) if v]
        assert all(re.fullmatch(r"1390575000\d", v) for v in clear), clear


def test_bulk_writes_encrypt_too(n0):
    Enterprise.objects.bulk_create(
        [
            Enterprise(
                name="批量企业",
                uscc=make_uscc(9001),
                legal_representative="张三",
                legal_representative_phone="13700000001",
                address="工业路1号",
                town=n0.town_a,
                department=n0.firm_a.department,
            )
        ]
    )
    assert crypto.is_token(raw_column(Enterprise, "legal_representative_phone")[-1])
    # The roster import inserts new people with executemany, not through the ORM.
    book = Workbook()
    sheet = book.active
    sheet.title = ROSTER_SHEET
    sheet.append(["姓名", "身份证号", "电话"])
    sheet.append(["批量甲", new_id(), "13700000002"])
    sheet.append(["批量乙", new_id(), "137 0000 0003"])
    buffer = BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = import_roster(n0.users["ent_a"], n0.firm_a, buffer)
    assert result.created == 2
    for value in raw_column(Employee, "phone"):
        assert crypto.is_token(value)
    found = Employee.objects.get(phone_index=crypto.phone_index("13700000003"))
    assert (found.name, found.phone) == ("批量乙", "13700000003")


def test_phones_are_looked_up_by_the_index_only(n0):
    employee = every_phone_written(n0)["employee"]
    assert Employee.objects.get(phone_index=crypto.phone_index("139 0575 0001")) == employee
    with pytest.raises(FieldError, match="phone_index"):
        Employee.objects.filter(phone="13905750001").exists()
    with pytest.raises(FieldError):
        CheckpointArrival.objects.filter(phone__contains="1390").exists()
    assert CheckpointArrival.objects.filter(phone__isnull=False).count() == 1
    assert not CheckpointArrival.objects.filter(phone="").exists()  # "no phone" can still be asked
    # A phone saved without its index would be found by a number the person no longer has.
    employee.phone = "13905759999"
    with pytest.raises(ValueError, match="phone_index"):
        employee.save(update_fields=["phone"])
    employee.save(update_fields=["phone", "phone_index"])
    assert Employee.objects.get(phone_index=crypto.phone_index("13905759999")) == employee
    assert not Employee.objects.filter(phone_index=crypto.phone_index("13905750001")).exists()


def test_the_audit_log_keeps_phones_masked(n0):
    employee = every_phone_written(n0)["employee"]
    update_employee(n0.users["ent_a"], employee, {"phone": "13905751111"}, employee.version)
    entries = AuditEntry.objects.all()
    text = readable_dump(str([(e.before, e.after, e.note, e.object_repr) for e in entries]))
    assert not MOBILE.search(text), MOBILE.findall(text)
    change = entries.get(action="workforce.update", object_id=str(employee.pk))
    assert (change.before["phone"], change.after["phone"]) == ("139****0001", "139****1111")
    profile = entries.filter(object_type="accounts.user").order_by("-id").first()
    assert "139****0009" in str(profile.after)
    member = PreventionTeamMember.objects.get(name="钱组长")
    created = entries.get(object_type="enterprises.preventionteammember", object_id=str(member.pk))
    assert created.after["phone"] == "139****0007"


def test_the_data_migration_encrypts_old_rows_and_back(n0):
    employee = every_phone_written(n0)["employee"]
    quote = connection.ops.quote_name
    table = quote(Employee._meta.db_table)
    with connection.cursor() as cursor:  # a row as it was before the migration: clear, no index
        cursor.execute(
            f"UPDATE {table} SET phone = %s, phone_index = '' WHERE id = %s", ["13905752222", employee.pk]
        )
    assert Employee.objects.get(pk=employee.pk).phone == "13905752222"  # an old row still reads

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    forward = encrypt_phones("workforce", "employee", ["phone"], {"phone_index": "phone"})
    forward(apps, editor)
    forward(apps, editor)  # again: already encrypted rows are left alone
    assert crypto.is_token(raw_column(Employee, "phone")[0])
    assert Employee.objects.get(phone_index=crypto.phone_index("13905752222")).pk == employee.pk
    decrypt_phones("workforce", "employee", ["phone"])(apps, editor)
    assert raw_column(Employee, "phone") == ["13905752222"]


def _dump_text() -> str:
    if connection.vendor == "postgresql":
        binary = shutil.which("pg_dump")
        if binary is None:
            pytest.skip("pg_dump is not installed")
        settings = connection.settings_dict
        command = [binary, "--data-only", "--no-owner", "-d", settings["NAME"]]
        for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
            if settings.get(key):
                command += [flag, str(settings[key])]
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        return subprocess.run(command, check=True, capture_output=True, env=env, text=True).stdout
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return "\n".join(connection.connection.iterdump())
    pytest.skip(f"no dump for {connection.vendor}")


@pytest.mark.django_db(transaction=True)
def test_a_dumped_demo_city_shows_no_mobile_number():
    from fugong.accounts.models import User
    from fugong.demo.city import build_city

    build_city(size=20)
    assert Employee.objects.exists() and Enterprise.objects.exclude(legal_representative_phone="").exists()
    # Changes whose audit entries carry phones: an employee's, a firm's contact, a user's own.
    officer = User.objects.get(username="qiye")
    person = Employee.objects.filter(enterprise=officer.enterprise).first()
    update_employee(officer, person, {"phone": "13912345678"}, person.version)
    firm = Enterprise.objects.get(pk=officer.enterprise_id)
    enterprise_services.update_enterprise(
        officer, firm, {"prevention_lead_phone": "13812345678"}, firm.version
    )
    update_profile(officer, full_name=officer.full_name, phone="13712345678")
    assert AuditEntry.objects.filter(after__has_key="phone").exists()

    text = readable_dump(_dump_text())
    assert "workforce_employee" in text and "audit_auditentry" in text
    leaks = MOBILE.findall(text)
    assert not leaks, f"{len(leaks)} mobile numbers in the dump, e.g. {leaks[:5]}"

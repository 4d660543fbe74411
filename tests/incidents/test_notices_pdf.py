"""隔离观察通知书 as PDF: one A4 page per confirmed contact (alone and merged), the CJK font embedded,
the facts and the policy's citation printed, a QR to the public verify page; who may download."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from fugong.audit.models import AuditEntry
from fugong.incidents.models import Contact
from fugong.incidents.notices import services as notices
from tests.incidents.furnish import incident_policy
from tests.incidents.furnish_notices import incident_with_contacts
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    tool = shutil.which(args[0])
    assert tool, f"{args[0]} is missing: install poppler-utils"
    return subprocess.run([tool, *args[1:]], check=True, capture_output=True, text=True).stdout


def _save(pdf: bytes, tmp_path: Path, name="n.pdf") -> str:
    assert pdf.startswith(b"%PDF")
    path = tmp_path / name
    path.write_bytes(pdf)
    return str(path)


def _pages(path: str) -> int:
    for line in _run("pdfinfo", path).splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise AssertionError("no page count")


def _cjk_fonts_embedded(path: str) -> list[str]:
    rows = _run("pdffonts", path).splitlines()[2:]
    return [r.split()[0] for r in rows if "CJK" in r and r.split()[-5] == "yes"]


def _text(path: str) -> str:
    return _run("pdftotext", "-enc", "UTF-8", path, "-")


def test_one_notice_is_one_page_with_the_facts_and_an_embedded_cjk_font(world, tmp_path):
    incident_policy(world)
    _incident, contacts = incident_with_contacts(world, world.firm_a)
    first = contacts[0]
    path = _save(notices.render_notices_pdf([first]), tmp_path)
    assert _pages(path) == 1
    assert _cjk_fonts_embedded(path), "a CJK font must be embedded"
    text = _text(path).replace(" ", "")
    assert "隔离观察通知书" in text
    assert "赵一" in text and first.employee.id_number_masked in text
    assert "*" in first.employee.id_number_masked  # only the masked number is printed
    assert world.firm_a.name in text
    assert "同宿舍3晚" in text
    # N0 sets case_contact_outcome: its measure and citation are printed; the period is the episode's.
    assert "暂不得返岗" in text and "依据" in text
    assert "共14天" in text
    assert "暨阳街道" in text
    first.refresh_from_db()
    assert first.notice_token and notices.TOKEN_PATTERN.fullmatch(first.notice_token)
    assert reverse("incidents:notice_verify", args=[first.notice_token]) in text.replace("\n", "")


def test_without_a_policy_the_measure_is_the_episode_and_nothing_is_cited(world, tmp_path):
    _incident, contacts = incident_with_contacts(world, world.firm_a, policy=False)
    text = _text(_save(notices.render_notices_pdf(contacts[:1]), tmp_path)).replace(" ", "")
    assert "厂内隔离医学观察" in text
    assert "依据" not in text and "暂不得返岗" not in text


def test_merged_pdf_has_one_page_per_confirmed_contact(world, client, tmp_path):
    incident, contacts = incident_with_contacts(world, world.firm_a, names=("赵一", "钱二", "孙三"))
    # A suggested (unconfirmed) contact gets no notice.
    Contact.objects.create(incident=incident, employee=make_employee(world.firm_a, name="李未定"))
    client.force_login(world.users["town_a"])
    response = client.get(reverse("incidents:notices_pdf", args=[incident.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = _save(response.content, tmp_path, "merged.pdf")
    assert _pages(path) == 3
    assert _cjk_fonts_embedded(path)
    text = _text(path)
    assert all(name in text for name in ("赵一", "钱二", "孙三")) and "李未定" not in text
    assert AuditEntry.objects.filter(action="incidents.notices.pdf").count() == 1
    # Tokens are issued once: a second print keeps them.
    tokens = dict(Contact.objects.values_list("pk", "notice_token"))
    client.get(reverse("incidents:notices_pdf", args=[incident.pk]))
    assert dict(Contact.objects.values_list("pk", "notice_token")) == tokens


def test_unconfirmed_contacts_get_no_notice(world, client):
    _incident, contacts = incident_with_contacts(world, world.firm_a, names=("赵一",), confirmed=False)
    client.force_login(world.users["town_a"])
    assert client.get(reverse("incidents:notice_pdf", args=[contacts[0].pk])).status_code == 404


@pytest.mark.parametrize(
    "who,expected", [("town_a", 200), ("ent_a", 200), ("outsider", 404), ("town_b", 404), ("ent_c", 404)]
)
def test_who_may_download_a_notice(world, client, who, expected):
    _incident, contacts = incident_with_contacts(world, world.firm_a, names=("赵一",))
    client.force_login(world.users[who])
    assert client.get(reverse("incidents:notice_pdf", args=[contacts[0].pk])).status_code == expected


def test_the_employee_gets_only_their_own_notice(world, client):
    _incident, contacts = incident_with_contacts(world, world.firm_a)
    mine, theirs = contacts
    employee_user = world.users["employee_a"]
    mine.employee.user = employee_user
    mine.employee.save(update_fields=["user"])
    client.force_login(employee_user)
    assert client.get(reverse("incidents:notice_pdf", args=[mine.pk])).status_code == 200
    assert client.get(reverse("incidents:notice_pdf", args=[theirs.pk])).status_code == 404
    incident = mine.incident
    assert client.get(reverse("incidents:notices_pdf", args=[incident.pk])).status_code == 403
    assert client.get(reverse("incidents:notices", args=[incident.pk])).status_code == 403


def test_the_employee_phone_page_shows_their_notice(world, client):
    _incident, contacts = incident_with_contacts(world, world.firm_a)
    mine = contacts[0]
    mine.employee.user = world.users["employee_a"]
    mine.employee.save(update_fields=["user"])
    client.force_login(world.users["employee_a"])
    page = client.get(reverse("workforce:me")).content.decode()
    assert 'data-testid="me-notice"' in page
    assert reverse("incidents:notice_pdf", args=[mine.pk]) in page
    assert reverse("incidents:notice_pdf", args=[contacts[1].pk]) not in page
    assert "观察中" in page


def test_no_notice_on_the_phone_page_without_one(world, client):
    incident_with_contacts(world, world.firm_a)
    person = make_employee(world.firm_a, name="吴六")
    person.user = world.users["employee_a"]
    person.save(update_fields=["user"])
    client.force_login(world.users["employee_a"])
    page = client.get(reverse("workforce:me")).content.decode()
    assert 'data-testid="me-notice"' not in page

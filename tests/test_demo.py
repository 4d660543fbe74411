import datetime as dt
import random

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from fugong.accounts.models import Department, User
from fugong.audit.services import verify_chain
from fugong.demo.city import DEMO_PASSWORD, _firm_rows, build_city
from fugong.enterprises.models import Enterprise
from fugong.enterprises.services import uscc_error
from fugong.monitoring.models import Alert, HealthCheckin, TestResult
from fugong.operations.models import VehicleEntry, Visitor
from fugong.policy.selectors import policy_for
from fugong.regions.models import Region
from fugong.reports.models import DailySummary
from fugong.resumption.models import Certificate, ResumptionApplication
from fugong.workforce.models import CheckpointArrival, Employee


def test_demo_city_is_real_deterministic_and_idempotent(db):
    first = build_city(size=60)
    city = Region.objects.get(code="330681")
    assert city.name == "诸暨市" and city.children.filter(name="店口镇").exists()
    snapshot = sorted(Enterprise.objects.values_list("uscc", "name", "status"))
    assert all(uscc_error(code) is None for code, _, _ in snapshot)
    again = build_city(size=60)
    assert again.firms == first.firms == 60
    assert sorted(Enterprise.objects.values_list("uscc", "name", "status")) == snapshot
    assert policy_for(city.children.get(name="店口镇")).parameters.isolation_days_out_of_region == 14
    assert verify_chain().ok
    states = set(ResumptionApplication.objects.values_list("status", flat=True))
    assert states == {"draft", "in_review", "returned", "rejected", "approved"}
    assert Certificate.objects.filter(status="revoked").exists()
    people = Employee.objects.all()
    assert {"at_work", "isolating", "barred", "expected"} <= set(people.values_list("status", flat=True))
    isolating = people.filter(status="isolating").first()
    assert isolating.release_date and "隔离观察14天" in isolating.decision_reason
    assert CheckpointArrival.objects.filter(follow_up="pending").exists()
    # The day's monitoring, recorded through the services: rounds, a fever alert, a positive antigen test,
    # the gate's refusals, and yesterday's summaries confirmed.
    assert HealthCheckin.objects.filter(day=timezone.localdate() - dt.timedelta(days=1)).count() > 100
    assert Alert.objects.filter(kind="fever").exists() and Alert.objects.filter(kind="positive_test").exists()
    assert TestResult.objects.filter(kind="nucleic", result="negative").count() > 100
    assert (
        Visitor.objects.filter(allowed=False).exists() and VehicleEntry.objects.filter(allowed=False).exists()
    )
    assert DailySummary.objects.filter(status="confirmed").exists()
    checkins, tests = HealthCheckin.objects.count(), TestResult.objects.count()
    build_city(size=60)
    assert (HealthCheckin.objects.count(), TestResult.objects.count()) == (checkins, tests)


def test_the_same_seed_gives_the_same_firms(db):
    towns = [
        Region(code="330681104", name="店口镇", level=4, parent=Region(code="330681", name="诸暨市", level=3))
    ]
    departments = {d.code: d for d in Department.objects.all()}

    def names(seed):
        return [
            (f.name, f.uscc) for f in _firm_rows(random.Random(seed), 30, towns, departments, {}, "330681")
        ]

    assert names(5) == names(5)
    assert names(5) != names(6)


def test_every_demo_login_works_and_has_a_scope(db, client):
    result = build_city(size=40)
    assert {role for _, role, _ in result.users} >= {
        "专班/指挥部",
        "行业主管部门",
        "镇乡街道",
        "督查组",
        "门岗",
        "员工",
    }
    for username, _, _ in result.users:
        user = User.objects.get(username=username)
        user.full_clean(exclude=["password"])
        assert client.login(username=username, password=DEMO_PASSWORD)
    outsider = User.objects.get(username="waibu")
    assert (
        not Enterprise.objects.visible_to(outsider).filter(town__path__startswith="33/3306/330681/").exists()
    )
    assert Enterprise.objects.visible_to(outsider).exists()


def test_demo_employee_login_opens_its_own_file_and_links_follow_the_host(db, client):
    """``yuangong`` is the person whose file it opens (name on the account = name on the file); the
    firm's QR poster and personal links are built on the host and port the page was asked on."""
    build_city(size=40)
    user = User.objects.get(username="yuangong")
    person = Employee.objects.get(user=user)
    assert user.display_name == person.name
    # A database loaded before the fix (a random name on the account) is put right on the next load.
    User.objects.filter(pk=user.pk).update(full_name="沈波")
    build_city(size=40)
    user.refresh_from_db()
    assert user.full_name == person.name
    assert client.login(username="yuangong", password=DEMO_PASSWORD)
    page = client.get(reverse("workforce:me")).content.decode()
    assert person.name in page

    from fugong.monitoring.access import services as access

    assert client.login(username="qiye", password=DEMO_PASSWORD)
    officer = User.objects.get(username="qiye")
    host = "127.0.0.1:8765"
    poster = client.get(reverse("monitoring:firm_qr"), HTTP_HOST=host).content.decode()
    token = access.firm_token(officer.enterprise)
    assert f"http://{host}/monitoring/f/{token}/" in poster
    assert "127.0.0.1:8000" not in poster
    _link, token = access.issue_link(officer, person)
    links = client.get(reverse("monitoring:links"), HTTP_HOST=host).content.decode()
    assert f"http://{host}/monitoring/c/{token}/" in links
    assert "127.0.0.1:8000" not in links


def test_certificate_qr_follows_the_request_host_unless_public_base_url_is_set(world, client, monkeypatch):
    from fugong.resumption import certificates
    from tests.resumption.factories import approved_application

    application = approved_application(world.firm_a, world.users["ent_a"])
    certificate = Certificate.objects.get(application=application)
    seen = []
    real = certificates.qr_png_data_uri
    monkeypatch.setattr(certificates, "qr_png_data_uri", lambda url: seen.append(url) or real(url))
    client.force_login(world.users["ent_a"])
    url = reverse("resumption:certificate_pdf", args=[certificate.pk])
    with override_settings(PUBLIC_BASE_URL=""):
        assert client.get(url, HTTP_HOST="127.0.0.1:8765").status_code == 200
    assert seen[-1] == f"http://127.0.0.1:8765/verify/{certificate.verify_token}/"
    with override_settings(PUBLIC_BASE_URL="https://fugong.example.gov.cn"):
        client.get(url, HTTP_HOST="127.0.0.1:8765")
    assert seen[-1] == f"https://fugong.example.gov.cn/verify/{certificate.verify_token}/"

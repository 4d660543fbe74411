"""What an application must contain, how it is scored and when it may start come from the policy's own
vocabularies and parameters: a city that adds a document type, a plan section or a priority factor
gets them without a code change, and every gate cites where its rule comes from."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fugong.accounts.models import Department
from fugong.policy.models import Policy
from fugong.policy.selectors import policy_for
from fugong.policy.services import create_version
from fugong.resumption import selectors, services
from fugong.resumption.approval import services as approval
from fugong.resumption.attachments import services as attachments
from fugong.resumption.models import ApplicationStatus, Certificate
from tests.factories import EnterpriseFactory, UserFactory
from tests.resumption.conftest import fill, pdf, submitted

pytestmark = pytest.mark.django_db

BASIS = "本市专班通知〔2026〕7号"


def edit_policy(world, **changes):
    """A local version of the county's policy with ``changes`` (functions of the stored JSON)."""
    policy = Policy.objects.get(region=world.county)
    latest = policy.latest_version()
    params = dict(latest.parameters)
    for key, change in changes.items():
        params[key] = change(params.get(key))
    create_version(
        policy,
        params,
        effective_from=latest.effective_from,
        based_on=policy.latest_number,
        allow_past=True,
        note=BASIS,
    )
    return policy_for(world.firm_a.town)


def with_site_photos(world):
    """N0 plus the city's own document (厂区防疫布置照片) and the plan section that belongs to it."""
    return edit_policy(
        world,
        document_types=lambda v: v + [{"key": "site_photos", "name": "厂区防疫布置照片"}],
        required_application_documents=lambda v: v + ["site_photos"],
        plan_sections=lambda v: (
            v + [{"key": "canteen_staggering", "name": "食堂错峰就餐安排", "documents": ["site_photos"]}]
        ),
    )


def test_a_policy_with_its_own_document_and_section_requires_them(world, n0):
    u, firm = world.users, world.firm_a
    policy = with_site_photos(world)
    assert "canteen_staggering" in selectors.required_sections(policy.parameters)
    # Filled as the policy asks: the city's document is taken under the policy's name.
    app = fill(u["ent_a"], firm)
    photos = app.attachments.get(doc_type="site_photos")
    assert photos.get_doc_type_display() == "厂区防疫布置照片"
    assert app.plan_sections["canteen_staggering"]
    # Without them the application cannot go in, and the messages cite the local version.
    attachments.remove_attachment(u["ent_a"], photos)
    plan = {k: v for k, v in app.plan_sections.items() if k != "canteen_staggering"}
    app = services.update_draft(u["ent_a"], app, {"plan_sections": plan}, app.version)
    with pytest.raises(ValidationError) as exc:
        approval.submit(u["ent_a"], app, app.version)
    errors = exc.value.message_dict
    assert set(errors) == {"plan_sections", "attachments"}
    (section,) = errors["plan_sections"]
    (document,) = errors["attachments"]
    assert "食堂错峰就餐安排" in section and "厂区防疫布置照片" in document
    assert document.startswith(policy.label) and BASIS in document
    attachments.add_attachment(u["ent_a"], app, "site_photos", pdf("照片.pdf", b"photos"))
    app = services.update_draft(
        u["ent_a"], app, {"plan_sections": plan | {"canteen_staggering": "三个批次错峰"}}, app.version
    )
    app = approval.submit(u["ent_a"], app, app.version)
    assert app.status == ApplicationStatus.IN_REVIEW


def test_document_types_and_sections_outside_the_policy_are_refused(world, n0):
    u, firm = world.users, world.firm_a
    app = services.create_draft(u["ent_a"], firm, {"kind": "first_resumption"})
    # A type of another notice is no type of this policy; "other" material is always allowed.
    with pytest.raises(ValidationError) as exc:
        attachments.add_attachment(u["ent_a"], app, "risk_assessment", pdf())
    assert "材料类型无效" in exc.value.message_dict["doc_type"][0]
    assert attachments.add_attachment(u["ent_a"], app, "other", pdf()).doc_type_name == "其他材料"
    with pytest.raises(ValidationError) as exc:
        services.update_draft(u["ent_a"], app, {"plan_sections": {"testing": "每日抗原"}}, app.version)
    assert "「testing」" in exc.value.message_dict["plan_sections"][0]


def test_the_form_shows_the_policys_sections(client, world, n0):
    with_site_photos(world)
    client.force_login(world.users["ent_a"])
    page = client.get(reverse("resumption:create")).content.decode()
    assert "食堂错峰就餐安排" in page and "领导体系" in page
    # Sections no policy in force defines are not offered.
    assert "核酸、抗原检测" not in page


def tagged_firm(world, name, tags):
    firm = EnterpriseFactory(
        name=name,
        town=world.town_a,
        department=Department.objects.get(code="industry"),
        normal_headcount=200,
        local_tags=tags,
    )
    user = UserFactory(username=f"ent_{firm.pk}", role="enterprise", enterprise=firm)
    return firm, user


def test_a_city_priority_factor_scores_a_tagged_firm_higher(world, n0):
    edit_policy(
        world,
        priority_factors=lambda v: (
            v + [{"key": "high_tech", "name": "高新技术企业", "weight": 15, "tag": "高新技术企业"}]
        ),
    )
    plain, plain_user = tagged_firm(world, "普通织造厂", [])
    tagged, tagged_user = tagged_firm(world, "高新织造厂", ["高新技术企业", "节水标杆"])
    a_plain = submitted(plain_user, plain)
    a_tagged = submitted(tagged_user, tagged)
    assert a_tagged.priority_score - a_plain.priority_score == Decimal("15.00")
    reasons = {r["factor"]: r for r in a_tagged.priority_reasons}
    assert reasons["high_tech"]["label"] == "高新技术企业" and reasons["high_tech"]["points"] == "15.00"
    assert "high_tech" not in {r["factor"] for r in a_plain.priority_reasons}
    assert list(selectors.queue_for(world.users["town_a"])) == [a_tagged, a_plain]


def test_date_gate_uses_the_policy_and_cites_it(world, n2):
    u, firm = world.users, world.firm_a
    early = "2020-02-05 08:00"
    app = fill(u["ent_a"], firm, planned_start=early)
    policy = policy_for(firm.town)
    message = selectors.date_gate_message(app, policy)
    assert message.startswith(policy.cite("earliest_resumption_at"))
    assert "2020年2月10日 00:00" in message
    # The same answer as the policy's own rule: an essential firm may start then.
    firm.is_daily_necessities = True
    firm.save()
    app.refresh_from_db()
    assert policy.may_resume_at(app.planned_start, selectors.firm_sectors(firm))
    assert selectors.date_gate_message(app, policy) is None


def test_a_policy_without_an_earliest_date_has_no_gate(world, n0):
    app = fill(world.users["ent_a"], world.firm_a, planned_start="2019-12-01 08:00")
    assert selectors.date_gate_message(app, policy_for(world.firm_a.town)) is None


def test_certificate_records_the_policy_version(world, n2):
    app = submitted(world.users["ent_a"], world.firm_a, planned_start="2020-02-11 08:00")
    assert app.status == ApplicationStatus.APPROVED
    certificate = Certificate.objects.get(application=app)
    assert certificate.policy_version_id == policy_for(world.firm_a.town, dt.date(2020, 2, 11)).version_id

"""The phones a firm gives for officials to reach it (legal representative, prevention lead and team,
shuttle driver): in full for every officer over the firm and the firm itself; masked for its gate keeper
(issue 11)."""

import pytest
from django.urls import reverse

from fugong.enterprises.models import Enterprise
from fugong.enterprises.parts.services import create_part

pytestmark = pytest.mark.django_db

FULL = ["task_force", "dept_industry", "town_a", "grid_a", "inspector", "ent_a"]


@pytest.fixture
def firm(world):
    firm = Enterprise.objects.get(pk=world.firm_a.pk)
    firm.legal_representative_phone, firm.prevention_lead_phone = "13700001111", "0575-87012345"
    firm.save()
    create_part(
        world.users["ent_a"],
        "prevention-team",
        firm,
        {"name": "钱组长", "team_role": "member", "phone": "13700002222"},
    )
    return firm


@pytest.mark.parametrize("who", [*FULL, "gate_a"])
def test_contact_phones_in_the_api_and_on_the_page(world, api_client, client, firm, who):
    full = who in FULL
    api_client.force_authenticate(world.users[who])
    row = api_client.get(f"/api/v1/enterprises/{firm.pk}/").json()
    assert row["legal_representative_phone"] == ("13700001111" if full else "137****1111")
    assert row["prevention_lead_phone"] == ("0575-87012345" if full else "057******2345")
    team = api_client.get("/api/v1/prevention-team/", {"enterprise": firm.pk}).json()
    assert [m["phone"] for m in team["results"]] == ["13700002222" if full else "137****2222"]

    client.force_login(world.users[who])
    text = client.get(reverse("enterprises:detail", args=[firm.pk])).content.decode()
    if full:
        assert '<a href="tel:13700001111">13700001111</a>' in text
    else:
        assert "137****1111" in text and "13700001111" not in text and "13700002222" not in text

"""Every alert row links to the person's health card, for the firm, its town and the task force; the
card shows the reading that raised the alert."""

import pytest
from django.urls import reverse

from fugong.monitoring import services
from fugong.monitoring.models import Alert

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["ent_a", "town_a", "task_force", "dept_health"])
def test_alert_rows_link_to_the_persons_health_card(world, worker, client, who):
    reading, _ = services.record_checkin(world.users["employee_a"], worker, temperature="37.5", source="self")
    alert = Alert.objects.get(checkin=reading)
    client.force_login(world.users[who])
    body = client.get(reverse("monitoring:alerts")).content.decode()
    card = reverse("workforce:employee", args=[worker.pk])
    row = body.split(f'data-testid="alert-{alert.pk}"')[1].split("</tr>")[0]
    assert f'href="{card}#readings"' in row and worker.name in row
    page = client.get(card)
    assert page.status_code == 200
    assert f'data-testid="reading-{reading.pk}"' in page.content.decode()
    assert "已发出预警" in page.content.decode()

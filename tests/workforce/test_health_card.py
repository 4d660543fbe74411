"""The health card lists what happened to the person, newest first: temperature readings (with the
round's name, the one that raised an alert marked), nucleic/antigen tests, gate entries (read-only) and
isolation/buffer episodes — each read through the viewer's scope; another firm's person is a 404."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from fugong.monitoring import services as monitoring
from fugong.monitoring.models import Alert
from fugong.monitoring.testing.services import record_test
from fugong.operations.services import record_employee_entry
from fugong.workforce import selectors
from fugong.workforce import services as wf
from fugong.workforce.models import EmployeeStatus
from tests.workforce.conftest import make_employee

pytestmark = pytest.mark.django_db


def _today_at(hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(hour, minute)))


@pytest.fixture
def card(world, n0, pinned_clock):
    """A person of firm_a at work: a gate entry at 07:30, a negative nucleic sample at 08:00, then a
    37.5 at 09:00 (the first round, 上午) that raises an alert and moves them into isolation."""
    person = make_employee(world.firm_a, name="段霞艳")
    person = wf.change_status(world.users["ent_a"], person, EmployeeStatus.AT_WORK, "安排上岗")
    entry = record_employee_entry(world.users["gate_a"], person, temperature="36.6", health_code="green")
    test, _ = record_test(
        world.users["ent_a"],
        person,
        kind="nucleic",
        sampled_at=_today_at(8).isoformat(),
        result="negative",
        lab="诸暨市人民医院",
        source="enterprise",
    )
    reading, _ = monitoring.record_checkin(
        world.users["ent_a"], person, temperature="37.5", health_code="green", source="bulk"
    )
    person.refresh_from_db()
    return person, entry, test, reading


def test_the_card_lists_a_reading_a_test_a_gate_entry_and_an_episode(world, card, client):
    person, entry, test, reading = card
    alert = Alert.objects.get(checkin=reading)
    episode = person.episodes.get()
    client.force_login(world.users["ent_a"])
    response = client.get(reverse("workforce:employee", args=[person.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    row = body.split(f'data-testid="reading-{reading.pk}"')[1].split("</tr>")[0]
    assert "37.5℃" in row and "第一轮（上午）" in row and "已发出预警" in row and "绿码" in row
    assert "green" not in row  # the code's name, not the code
    row = body.split(f'data-testid="test-{test.pk}"')[1].split("</tr>")[0]
    assert "核酸" in row and "阴性" in row and "诸暨市人民医院" in row
    row = body.split(f'data-testid="entry-{entry.pk}"')[1].split("</tr>")[0]
    assert "36.6℃" in row and "放行" in row
    assert episode.reason in body.split('data-testid="episodes"')[1]
    assert alert.value  # the alert the 37.5 raised


def test_newest_first_and_a_normal_reading_is_not_marked(world, card, client, pinned_clock):
    person, _entry, _test, first = card
    pinned_clock(14)
    second, _ = monitoring.record_checkin(world.users["ent_a"], person, temperature="36.4", source="bulk")
    history = selectors.health_history(world.users["ent_a"], person)
    assert [r.pk for r in history["readings"]] == [second.pk, first.pk]
    assert [r.raised_alert for r in history["readings"]] == [False, True]
    assert history["readings"][0].round_label == "第二轮（下午）"


@pytest.mark.parametrize("who", ["outsider", "ent_c", "town_b", "task_force_outside"])
def test_another_firms_person_is_a_404(world, card, client, who):
    person = card[0]
    client.force_login(world.users[who])
    assert client.get(reverse("workforce:employee", args=[person.pk])).status_code == 404


@pytest.mark.parametrize("who", ["town_a", "task_force", "dept_industry", "gate_a"])
def test_officers_over_the_firm_see_the_history(world, card, client, who):
    person, entry, test, reading = card
    client.force_login(world.users[who])
    body = client.get(reverse("workforce:employee", args=[person.pk])).content.decode()
    assert f'data-testid="reading-{reading.pk}"' in body and f'data-testid="test-{test.pk}"' in body
    assert f'data-testid="entry-{entry.pk}"' in body


def test_the_history_is_read_through_the_viewers_scope(world, card):
    """Handed another firm's person, the selector still reads nothing the viewer may not see."""
    person = card[0]
    history = selectors.health_history(world.users["ent_c"], person)
    assert history["readings"] == [] and history["tests"] == [] and history["entries"] == []
    assert history["episodes"] == []

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.gatherings import services
from fugong.policy.services import apply_preset

PRESET_START = dt.date(2020, 1, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="防控方案.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def fields(**changes) -> dict:
    data = {
        "kind": "meeting",
        "title": "安全生产例会",
        "place": "一号会议室",
        "starts_at": tomorrow_at(9),
        "ends_at": tomorrow_at(10),
        "headcount": 20,
        "organiser": "王主任",
    }
    return data | changes


def record(world, who="ent_a", firm="firm_a", **changes):
    return services.record_gathering(world.users[who], getattr(world, firm), **fields(**changes))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def clock(pinned_clock):
    return pinned_clock


@pytest.fixture
def n3(world):
    """诸暨市 under the Shaoxing notice: 50 and over need a plan, dinners over 10 are flagged."""
    return apply_preset(world.county, "N3", effective_from=PRESET_START)


@pytest.fixture
def n0(world):
    """A policy that sets neither gathering value: neither rule applies."""
    return apply_preset(world.county, "N0", effective_from=PRESET_START)


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run

import datetime as dt

import pytest
from django.utils import timezone

from fugong.policy.services import apply_preset

N0_START = dt.date(2020, 2, 1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def county_policy(world):
    """诸暨市 on N0 since 2020-02-01, loaded by the system as a city's history would be."""
    return apply_preset(world.county, "N0", effective_from=N0_START)

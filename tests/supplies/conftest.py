import datetime as dt

import pytest

from fugong.policy.services import apply_preset, create_version
from fugong.supplies import services

START = dt.date(2020, 2, 1)


def edit_policy(policy, note="诸防控〔2026〕9号", **changes):
    """A local version of ``policy`` with ``changes`` (None clears a key)."""
    policy.refresh_from_db()
    data = dict(policy.versions.order_by("-number").first().parameters)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return create_version(
        policy,
        data,
        effective_from=dt.date(2020, 3, 1),
        based_on=policy.latest_number,
        note=note,
        allow_past=True,
    )


@pytest.fixture
def n1_policy(world):
    """诸暨市 on N1 (requires N95, protective suits, disinfectant, antigen kits; no days of cover)."""
    return apply_preset(world.county, "N1", effective_from=START)


@pytest.fixture
def cover_policy(n1_policy):
    """N1 plus a local minimum of 7 days of cover."""
    edit_policy(n1_policy, supplies_min_days_of_cover=7)
    return n1_policy


@pytest.fixture
def ent_a(world):
    return world.users["ent_a"]


@pytest.fixture
def stocked(world, ent_a):
    """firm_a holds 100 N95 masks."""
    return services.receive(ent_a, world.firm_a, "n95", 100, counterparty="市药械公司")

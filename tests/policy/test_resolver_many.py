"""``PolicyResolver.find_many`` (a city's towns resolved together for roll-ups) answers exactly what
``find`` answers region by region: the deepest policy on the path, its latest version in effect."""

import datetime as dt

import pytest

from fugong.policy.selectors import PolicyResolver, _resolve
from fugong.policy.services import apply_preset
from fugong.regions.models import Region
from tests.monitoring.conftest import new_version
from tests.workforce.conftest import PRESET_START, use_preset

pytestmark = pytest.mark.django_db


def _picture(resolved):
    if resolved is None:
        return None
    return (resolved.policy_id, resolved.version_id, resolved.chain_policy_ids, resolved.parameters)


def test_find_many_matches_find_for_every_region_and_day(world):
    county = use_preset(world, "N0")
    later = PRESET_START + dt.timedelta(days=5)
    new_version(county, effective_from=later, nucleic_test_interval_days=2)
    apply_preset(world.town_b, "N1", effective_from=PRESET_START + dt.timedelta(days=2))
    regions = list(Region.objects.all())
    for day in (
        PRESET_START - dt.timedelta(days=1),
        PRESET_START,
        PRESET_START + dt.timedelta(days=3),
        later,
    ):
        many = PolicyResolver().find_many(regions, day)
        assert set(many) == {r.pk for r in regions}
        for region in regions:
            assert _picture(many[region.pk]) == _picture(_resolve(region, day)), (region.name, day)


def test_find_many_takes_two_statements_whatever_the_number_of_regions(world, django_assert_num_queries):
    use_preset(world, "N0")
    regions = list(Region.objects.all())
    assert len(regions) > 4
    resolver = PolicyResolver()
    with django_assert_num_queries(2):
        resolver.find_many(regions, PRESET_START)
    with django_assert_num_queries(0):  # memoised for the unit of work
        resolver.find(world.town_a, PRESET_START)

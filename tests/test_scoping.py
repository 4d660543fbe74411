import pytest
from django.http import Http404

from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import Enterprise
from tests.conftest import EXPECTED_FIRMS


@pytest.mark.parametrize("who", sorted(EXPECTED_FIRMS))
def test_each_role_sees_exactly_its_firms(world, who):
    user = world.users[who]
    names = {getattr(world, key).name for key in EXPECTED_FIRMS[who]}
    assert set(Enterprise.objects.visible_to(user).values_list("name", flat=True)) == names


def test_foreign_object_is_404(world):
    with pytest.raises(Http404):
        get_visible_or_404(Enterprise, world.users["town_a"], pk=world.firm_b.pk)
    assert get_visible_or_404(Enterprise, world.users["town_a"], pk=world.firm_a.pk) == world.firm_a


def test_anonymous_and_inactive_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Enterprise.objects.visible_to(AnonymousUser()).exists()
    user = world.users["task_force"]
    user.is_active = False
    assert not Enterprise.objects.visible_to(user).exists()

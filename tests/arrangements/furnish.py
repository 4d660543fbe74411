"""Rows of every arrangement model the API lists, for each of the three firms (the scope walk)."""

import datetime as dt

from django.utils import timezone

from fugong.arrangements import services
from fugong.arrangements.models import AssignmentKind
from fugong.enterprises.models import DormRoom

READ_CAPABILITY = {
    "assignments": "arrangements.view",
    "carpools": "arrangements.view",
    "arrangement-flags": "arrangements.view",
}


def _officer(firm):
    from fugong.accounts.models import User
    from fugong.accounts.roles import Role
    from tests.factories import UserFactory

    return User.objects.filter(role=Role.ENTERPRISE, enterprise=firm).first() or UserFactory(
        username=f"arr_{firm.pk}", role=Role.ENTERPRISE, enterprise=firm
    )


def furnish(world) -> None:
    from tests.workforce.conftest import make_employee, valid_id

    today = timezone.localdate()
    for key in ("firm_a", "firm_b", "firm_c"):
        firm = getattr(world, key)
        actor = _officer(firm)
        # Own birth date: other helpers count their own serials over the same numbers.
        person = make_employee(firm, name=f"住宿{key}", id_number=valid_id(birth="19860606"))
        room = DormRoom.objects.create(enterprise=firm, building="安排楼", number=key, capacity=4, area_m2=20)
        services.assign(actor, person, AssignmentKind.DORM, room, starts_on=today - dt.timedelta(days=1))
        car = services.create_carpool(
            actor, firm, {"plate": "浙D8" + str(firm.pk % 10000).zfill(4), "seats": 5}
        )
        services.assign(actor, person, AssignmentKind.CARPOOL, car, starts_on=today)

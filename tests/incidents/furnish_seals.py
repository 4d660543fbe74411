"""A seal for each of the three firms, for the scope walk (rows made directly: the walk checks reads)."""

from fugong.incidents.models import Seal, SealKind, SealScope

READ_CAPABILITY = {"incident-seals": "incidents.view"}


def furnish(world) -> None:
    for firm in (world.firm_a, world.firm_b, world.firm_c):
        Seal.objects.create(
            enterprise=firm,
            kind=SealKind.SEAL,
            scope_kind=SealScope.DORM_BUILDING,
            dorm_building="1号楼",
            reason="巡查发现疑似病例",
        )

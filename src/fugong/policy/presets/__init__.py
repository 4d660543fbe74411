"""The five notice presets (SPEC §2), kept as data: one module per notice, values with citations.

A preset is what a city starts from; once applied it is an ordinary policy version that the task force
edits. ``get_preset`` accepts the full key ("N2_baotou_2020") or the notice number ("N2").
"""

from fugong.policy.presets import (
    n0_zhuji_2020,
    n1_changchun_2022,
    n2_baotou_2020,
    n3_shaoxing_2021,
    n4_hengshui_2020,
)
from fugong.policy.presets.checklists import CHECKLISTS, CHECKLISTS_BY_KEY

PRESETS: dict[str, dict] = {
    m.PRESET["key"]: m.PRESET
    for m in (n0_zhuji_2020, n1_changchun_2022, n2_baotou_2020, n3_shaoxing_2021, n4_hengshui_2020)
}
_BY_NOTICE = {p["notice"]: p for p in PRESETS.values()}


class UnknownPreset(KeyError):
    pass


def get_preset(key: str) -> dict:
    key = (key or "").strip()
    for candidate in (key, key.upper()):
        if candidate in PRESETS:
            return PRESETS[candidate]
        if candidate in _BY_NOTICE:
            return _BY_NOTICE[candidate]
    lowered = {k.lower(): v for k, v in PRESETS.items()}
    if key.lower() in lowered:
        return lowered[key.lower()]
    raise UnknownPreset(key)


def preset_choices() -> list[tuple[str, str]]:
    return [(p["key"], f"{p['notice']} {p['name']}") for p in PRESETS.values()]


__all__ = ["CHECKLISTS", "CHECKLISTS_BY_KEY", "PRESETS", "UnknownPreset", "get_preset", "preset_choices"]

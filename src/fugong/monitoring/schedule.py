"""The day's temperature-check rounds, as the policy in force sets them (SPEC §6).

The rounds are the policy's ``temperature_rounds``: each a name, the time its window opens and the time
it is due. Nothing here has a round of its own: a policy that sets no rounds has no round due, nobody
missing one, and no check-in to take by round.

Which round a reading belongs to, by the local time it was taken:

* inside a round's window (opens ≤ time ≤ due): that round;
* before the first round opens, or between one round's due time and the next one's opening: no round —
  the reading is refused, naming the round that opens next and when ("第二轮（下午）13:00 起方可打卡");
* after the last round's due time: the last round, taken late (the day's last chance, and what the
  missing-rounds list then shows as done).

A reading for a round named explicitly (a firm entering its shift sheet later in the day) is accepted
once that round's window has opened; it is refused only when taken before the window opens.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CN_NUMERALS = "一二三四五六七八九十"


def rounds_of(policy) -> tuple:
    """The policy's rounds (``Round(name, opens, due)``, in order); () when there is no policy or it
    sets none."""
    params = getattr(policy, "parameters", None)
    return tuple(getattr(params, "temperature_rounds", None) or ())


def cn_number(n: int) -> str:
    """一 … 十, 十一, 十二 …: how a round is counted in words."""
    if 1 <= n <= 10:
        return CN_NUMERALS[n - 1]
    if 11 <= n <= 19:
        return "十" + CN_NUMERALS[n - 11]
    return str(n)


def round_label(rounds, number: int) -> str:
    """第二轮（下午）: the round's place and its name in the policy."""
    name = rounds[number - 1].name if 1 <= number <= len(rounds) else ""
    if name:
        return _("第%(n)s轮（%(name)s）") % {"n": cn_number(number), "name": name}
    return _("第%(n)s轮") % {"n": cn_number(number)}


def windows(rounds) -> list[dict]:
    """For pages: [{"number", "label", "name", "opens", "due"}] of each round."""
    return [
        {"number": n, "label": round_label(rounds, n), "name": r.name, "opens": r.opens, "due": r.due}
        for n, r in enumerate(rounds, start=1)
    ]


def describe(rounds) -> str:
    """第一轮（上午）05:00–12:00；第二轮（下午）13:00–18:00."""
    return "；".join(f"{w['label']}{w['opens']:%H:%M}–{w['due']:%H:%M}" for w in windows(rounds))


def round_for_time(rounds, moment: dt.time) -> int | None:
    """The round a reading taken at ``moment`` belongs to: the one whose window contains it; the last
    one after the last due time; None before the first window or between two windows."""
    if not rounds:
        return None
    for number, r in enumerate(rounds, start=1):
        if r.opens <= moment <= r.due:
            return number
    if moment > rounds[-1].due:
        return len(rounds)
    return None


def next_opening(rounds, moment: dt.time) -> int | None:
    """The first round whose window has not opened at ``moment``."""
    for number, r in enumerate(rounds, start=1):
        if moment < r.opens:
            return number
    return None


def latest_opened(rounds, moment: dt.time) -> int | None:
    """The last round whose window has opened by ``moment`` (the round a late sheet is most likely for)."""
    opened = [n for n, r in enumerate(rounds, start=1) if r.opens <= moment]
    return opened[-1] if opened else None


def no_rounds_message(policy) -> str:
    if policy is None:
        return _("本地区尚无现行防控政策，未规定每日体温检测的轮次，无需按轮次打卡")
    return _("%(cite)s：现行政策未规定每日体温检测的轮次，无需按轮次打卡") % {
        "cite": policy.cite("temperature_rounds")
    }


def not_open_message(policy, rounds, number: int) -> str:
    """「<citation>：第二轮（下午）13:00 起方可打卡」."""
    return _("%(cite)s：%(round)s%(opens)s 起方可打卡") % {
        "cite": policy.cite("temperature_rounds"),
        "round": round_label(rounds, number),
        "opens": f"{rounds[number - 1].opens:%H:%M}",
    }


def parse_round(value, rounds) -> int | None:
    """A round number given with the reading, checked against the policy's rounds; None when not given."""
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"round": [_("「轮次」须为整数")]}) from None
    if not 1 <= number <= len(rounds):
        raise ValidationError({"round": [_("「轮次」须在1至%(n)s之间") % {"n": len(rounds)}]})
    return number


def assign_round(policy, requested, moment: dt.time) -> int:
    """The round a reading taken at local time ``moment`` is stored under, ``requested`` being the round
    given with it (or None); ValidationError {"round": …} in Chinese when the policy sets no rounds, the
    round asked for has not opened yet, or the time falls in no round's window."""
    rounds = rounds_of(policy)
    if not rounds:
        raise ValidationError({"round": [no_rounds_message(policy)]})
    number = parse_round(requested, rounds)
    if number is not None:
        if moment < rounds[number - 1].opens:
            raise ValidationError({"round": [not_open_message(policy, rounds, number)]})
        return number
    number = round_for_time(rounds, moment)
    if number is None:
        raise ValidationError({"round": [not_open_message(policy, rounds, next_opening(rounds, moment))]})
    return number


def rounds_due_by(rounds, day: dt.date, now: dt.datetime) -> list[int]:
    """The rounds of ``day`` that should be done by ``now`` (local time): all of a past day's, none of a
    later day's, today's whose due time has passed. None at all when the policy sets no rounds."""
    today = now.date()
    if day < today:
        return list(range(1, len(rounds) + 1))
    if day > today:
        return []
    return [n for n, r in enumerate(rounds, start=1) if now.time() >= r.due]

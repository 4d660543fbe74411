"""When each round of the day's temperature checks is due (SPEC §6: at least two a day)."""

import datetime as dt

DEFAULT_CHECKS_PER_DAY = 2


def checks_per_day(policy) -> int:
    """The policy's number of rounds a day; two when the policy does not say."""
    value = getattr(getattr(policy, "parameters", None), "temperature_checks_per_day", None)
    return int(value) if value and int(value) > 0 else DEFAULT_CHECKS_PER_DAY


def due_times(rounds: int) -> list[dt.time]:
    """The time by which each round should be done: one round by noon; two by 12:00 and 18:00; more
    spread evenly from 08:00 to 18:00."""
    if rounds <= 1:
        return [dt.time(12, 0)]
    if rounds == 2:
        return [dt.time(12, 0), dt.time(18, 0)]
    step = 600 // (rounds - 1)  # minutes between 08:00 and 18:00
    return [dt.time(*divmod(8 * 60 + i * step, 60)) for i in range(rounds)]


def round_for_time(rounds: int, moment: dt.time) -> int:
    """The round a reading taken at ``moment`` counts for: the first whose due time is not yet past."""
    for number, due in enumerate(due_times(rounds), start=1):
        if moment <= due:
            return number
    return rounds


def rounds_due_by(rounds: int, day: dt.date, now: dt.datetime) -> list[int]:
    """The rounds of ``day`` that should be done by ``now`` (local time)."""
    today = now.date()
    if day < today:
        return list(range(1, rounds + 1))
    if day > today:
        return []
    return [n for n, due in enumerate(due_times(rounds), start=1) if now.time() >= due]

"""Login throttling: wrong passwords lock the account, and failures from one address lock the address.

Both the login form and the API's token endpoint authenticate through ``ThrottledModelBackend``, which asks
here first and reports each failure and success. Counts and locks live in the cache, which production
shares between its workers through Redis (settings refuses to start without it). A count's window opens at
its first failure and lasts ``LOGIN_LOCKOUT_MINUTES``; reaching the limit sets a lock for as long, after
which the count starts again from zero. A successful login clears the account's count, never the
address's: one valid account must not let an address go on guessing the passwords of others.

Every failure and every lock-out is written to the audit log. Attempts refused while locked are not:
that would let one address append to the log without limit.
"""

import datetime as dt
import hashlib
import math

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fugong.audit.services import record
from fugong.core import dates

FAILED = "accounts.login.failed"
OTP_FAILED = "accounts.login.otp_failed"
LOCKED = "accounts.login.locked"


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the
    outermost of them saw, counted from the right of X-Forwarded-For (what a client writes on the left
    itself is never trusted)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return (request.META.get("REMOTE_ADDR") or "-")[:64]


def _account(username) -> str:
    # Case-folded, so that "ZhuanBan" and "zhuanban" share one count; hashed, so that any text a client
    # sends makes a valid cache key.
    name = username.strip().casefold() if isinstance(username, str) else ""
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def _subjects(request, username) -> list[tuple[str, str, int]]:
    """(kind, cache key part, limit) for the account (when a username was given) and the address."""
    subjects = []
    if isinstance(username, str) and username.strip():
        subjects.append(("account", f"account:{_account(username)}", settings.LOGIN_FAILURES_PER_ACCOUNT))
    subjects.append(("ip", f"ip:{client_ip(request)}", settings.LOGIN_FAILURES_PER_IP))
    return subjects


def _lockout() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def locked_until(request, username) -> dt.datetime | None:
    """When the account or the address may try again, if either is locked now (the later of the two)."""
    now = timezone.now().timestamp()
    until = [
        stamp
        for _kind, key, _limit in _subjects(request, username)
        if (stamp := cache.get(f"fugong:login-lock:{key}")) is not None and stamp > now
    ]
    if not until:
        return None
    return dt.datetime.fromtimestamp(max(until), tz=dt.UTC)


def lock_message(until: dt.datetime) -> str:
    """「登录失败次数过多，请于 10:15 后再试。」, with the date when the lock ends on another day."""
    same_day = dates.to_local(until).date() == dates.to_local(timezone.now()).date()
    moment = dates.format_time(until) if same_day else dates.format_datetime(until)
    return _("登录失败次数过多，请于 %(time)s 后再试。") % {"time": moment}


def retry_after_seconds(until: dt.datetime) -> int:
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)  # the window opens at the first failure
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def _target(username):
    """The account a failure was aimed at, for the log: the user when the name exists."""
    from fugong.accounts.models import User

    name = username.strip() if isinstance(username, str) else ""
    return User.objects.filter(username=name).first() if name else None


def _audit(action: str, username, user, details: dict, note: str) -> None:
    # Notes are Chinese whatever the page's language, as the log's other notes are: the log is a record.
    name = (username if isinstance(username, str) else "")[:150]
    if user is not None:
        record(None, action, user, after=details, note=note)
    else:
        record(None, action, object_type="accounts.user", object_repr=name, after=details, note=note)


def note_failure(
    request, username, action: str = FAILED, note: str = "登录失败：用户名或密码不正确"
) -> dt.datetime | None:
    """Count a wrong password (or unknown name) from this request; audit it, and the lock-out when a
    count reaches its limit. Answers when the account or address may try again, if now locked.
    A wrong second-factor code (fugong.accounts.otp) counts here too, under its own action and note."""
    lockout = _lockout()
    window = int(lockout.total_seconds())
    ip = client_ip(request)
    name = (username if isinstance(username, str) else "")[:150]
    counts, locks = {}, []
    for kind, key, limit in _subjects(request, username):
        count = counts[kind] = _count(f"fugong:login-fail:{key}", window)
        if count >= limit:
            # The lock ends on a whole minute, so that the time the message names is never too early.
            until = (timezone.now() + lockout).replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
            cache.set(f"fugong:login-lock:{key}", until.timestamp(), retry_after_seconds(until))
            cache.delete(f"fugong:login-fail:{key}")
            if count == limit:  # a concurrent failure past the limit renews the lock, not the entry
                locks.append((kind, count, until))
    user = _target(username)
    details = {"username": name, "ip": ip, "path": request.path[:200]}
    _audit(
        action,
        username,
        user,
        {**details, **{f"failures_{kind}": count for kind, count in counts.items()}},
        note,
    )
    with translation.override("zh-hans"):  # the note's date in the log's one format
        for kind, count, until in locks:
            _audit(
                LOCKED,
                username,
                user,
                {**details, "by": kind, "failures": count, "until": until.isoformat()},
                f"{'该账号' if kind == 'account' else '该来源地址'}登录失败 {count} 次，"
                f"已锁定至 {dates.format_datetime(until)}",
            )
    return locked_until(request, username)


def note_success(username) -> None:
    """A correct password ends the account's run of failures."""
    cache.delete(f"fugong:login-fail:account:{_account(username)}")

"""Typed readers for settings that come from environment variables."""

import os

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"environment variable {name} must be a boolean, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"environment variable {name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


# The SECRET_KEY a development checkout runs with; production refuses it.
DEV_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"
# Django's own bar for SECRET_KEY (check --deploy, security.W009); the other keys only need to be unguessable.
MIN_SECRET_KEY_LENGTH = 50
MIN_KEY_LENGTH = 32

_DEV_HINT = "开发或演示请设置 FUGONG_DEV=1。 / For development or the demo set FUGONG_DEV=1."


def production_problems(keys: dict[str, str], redis_url: str) -> list[str]:
    """What stops a production start (DEBUG=0 without FUGONG_DEV=1), one bilingual line per problem.

    ``keys`` maps each secret's variable name to its value; every key must be set, long enough, not the
    development value and different from the others: a leaked SECRET_KEY (it signs cookies and links)
    must not also decrypt the ID numbers or re-sign the audit log.
    """
    problems = []
    seen: dict[str, str] = {}
    for name, value in keys.items():
        minimum = MIN_SECRET_KEY_LENGTH if name == "SECRET_KEY" else MIN_KEY_LENGTH
        if not value:
            problems.append(
                f"生产环境必须设置 {name}（至少 {minimum} 个字符的随机值）。"
                f" / Production needs {name} (a random value of at least {minimum} characters)."
            )
        elif value == DEV_SECRET_KEY:
            problems.append(
                f"{name} 仍是开发用的默认值，生产环境不得使用。"
                f" / {name} is the development default and must not be used in production."
            )
        elif len(value) < minimum or len(set(value)) < 5:
            problems.append(
                f"{name} 太短或太简单：至少 {minimum} 个字符、不少于 5 种不同字符。"
                f" / {name} is too short or too simple: at least {minimum} characters, 5 of them different."
            )
        elif value in seen:
            problems.append(f"{name} 不得与 {seen[value]} 相同。 / {name} must differ from {seen[value]}.")
        if value:
            seen.setdefault(value, name)
    if not redis_url:
        problems.append(
            "生产环境必须设置 REDIS_URL：缓存与登录失败计数须在所有进程之间共享。"
            " / Production needs REDIS_URL: the cache and login-failure counters must be shared by all workers."
        )
    if problems:
        problems.append(_DEV_HINT)
    return problems

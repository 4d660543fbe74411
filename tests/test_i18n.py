"""Chinese first, English on request: the browser's language is ignored, the footer switch is not,
and the English catalogue is complete and up to date with the templates."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils.translation import trans_real

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
TEMPLATE_ROOT = LOCALE_DIR.parent  # src/fugong: the project templates and every app's templates
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Compile the .po files if the .mo is missing or stale, and drop any catalogue Django has cached."""
    mo = EN_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < EN_PO.stat().st_mtime:
        call_command("compile_translations")
        trans_real._translations = {}
        trans_real._default = None


def _english(client, next_url="/login/"):
    response = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    return response


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_browser_language_is_ignored(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en", follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in html
    assert "登录复工通" in html
    assert "登录" in html
    assert "Sign in" not in html


@pytest.mark.django_db
def test_language_switch_turns_the_login_page_english(client):
    assert _english(client)["Location"] == "/login/"
    html = client.get("/login/").content.decode()
    assert '<html lang="en"' in html
    assert "Sign in to FuGong" in html
    assert "Epidemic prevention and control platform for the resumption of work and production" in html
    assert "Password" in html
    assert "登录复工通" not in html
    # the switch still offers Chinese under its own name
    assert "简体中文" in html


@pytest.mark.django_db
def test_switching_back_to_chinese(client):
    _english(client)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    html = client.get("/login/").content.decode()
    assert "登录复工通" in html
    assert "Sign in to FuGong" not in html


@pytest.mark.parametrize(
    ("url", "marker"),
    [
        ("/", "Overview of your jurisdiction"),
        ("/enterprises/", "Filter enterprises"),
        ("/regions/", "Divisions in your jurisdiction"),
        ("/policy/", "Choose area and date"),
        ("/audit/", "Verify audit chain"),
        ("/accounts/users/", "User management"),
        ("/accounts/profile/", "My account"),
    ],
)
def test_pages_in_english(client, world, url, marker):
    client.force_login(world.users["task_force"])
    _english(client, url)
    html = client.get(url).content.decode()
    assert marker in html
    # the shell (menu, sign-out, role) is English too
    for chinese in ("退出", "首页", "专班/指挥部", "审计日志"):
        assert chinese not in html, chinese
    for english in ("Sign out", "Home", "Task force"):
        assert english in html, english


# Catalogue -----------------------------------------------------------------------------------


def _entries():
    return [e for e in polib.pofile(str(EN_PO)) if not e.obsolete]


def test_every_message_is_translated():
    po = polib.pofile(str(EN_PO))
    assert not po.metadata_is_fuzzy, "the catalogue header is marked fuzzy"
    problems = []
    for entry in _entries():
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid}")
        elif entry.msgid_plural:
            if not entry.msgstr_plural or not all(entry.msgstr_plural.values()):
                problems.append(f"untranslated plural: {entry.msgid}")
        elif not entry.msgstr:
            problems.append(f"untranslated: {entry.msgid}")
    assert not problems, "\n".join(problems)


PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]|%%|\{\w*\}")


def test_translations_keep_placeholders():
    problems = []
    for entry in _entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        found = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in found:
            if text and sorted(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"{entry.msgid!r} → {text!r}")
    assert not problems, "\n".join(problems)


# Templates: {% translate "…" %}, _("…") in filters, and simple {% blocktranslate %} blocks.
TRANSLATE_TAG = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msg>.*?)(?P=q)(?:\s+context\s+(?P<cq>["'])(?P<ctx>.*?)(?P=cq))?[^%]*%\}""",
    re.S,
)
UNDERSCORE = re.compile(r"""_\((?P<q>["'])(?P<msg>.*?)(?P=q)\)""")
BLOCK = re.compile(
    r"\{%\s*blocktrans(?:late)?(?P<opts>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}",
    re.S,
)
BLOCK_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")
BLOCK_CONTEXT = re.compile(r"""context\s+(["'])(.*?)\1""")


def _template_messages():
    """(context, msgid) as makemessages would write them, for every Chinese message in the templates."""
    found = {}
    for path in sorted(TEMPLATE_ROOT.glob("**/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(TEMPLATE_ROOT))
        for m in TRANSLATE_TAG.finditer(text):
            found[(m["ctx"], m["msg"].replace("%", "%%"))] = where
        for m in UNDERSCORE.finditer(text):
            found[(None, m["msg"].replace("%", "%%"))] = where
        for m in BLOCK.finditer(text):
            body = re.split(r"\{%\s*plural\s*%\}", m["body"])[0]
            if "{%" in body:  # other tags inside a block are not allowed; leave such a block alone
                continue
            body = body.replace("%", "%%")
            body = BLOCK_VAR.sub(r"%(\1)s", body)
            if "trimmed" in m["opts"]:
                body = re.sub(r"\s*\n\s*", " ", body.strip())
            ctx = BLOCK_CONTEXT.search(m["opts"])
            found[(ctx[2] if ctx else None, body)] = where
    return {key: where for key, where in found.items() if HAN.search(key[1])}


def test_template_messages_are_scanned():
    messages = _template_messages()
    assert len(messages) > 100
    assert (None, "登录复工通") in messages


def test_catalogue_is_up_to_date_with_templates():
    in_catalogue = {(e.msgctxt, e.msgid) for e in _entries()}
    missing = sorted(
        f"{where}: {msgid}"
        for (ctx, msgid), where in _template_messages().items()
        if (ctx, msgid) not in in_catalogue
    )
    assert not missing, "Run `manage.py makemessages -l en` and translate these messages:\n" + "\n".join(
        missing
    )

"""Preset files (SPEC §2): one human-readable YAML file per notice, read, checked and written here.

The format is ``presets/preset.schema.json`` (README, "防控政策预设文件"). Reading a file checks it
against that schema and then every parameter value against ``parameters.parse_parameters``, and
answers every problem at once in Chinese, each naming the key it is about. Nothing here touches the
database: ``services.load_preset`` stores what this module has read.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from fugong.policy.parameters import SPECS_BY_KEY, parse_parameters

PRESET_DIR = Path(__file__).resolve().parent / "presets"
SCHEMA_PATH = PRESET_DIR / "preset.schema.json"
MAX_FILE_BYTES = 2 * 1024 * 1024


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class PresetFile:
    """A preset file as read: its parsed data and the text it came from."""

    data: dict
    content: str

    @property
    def key(self) -> str:
        return self.data["key"]

    @property
    def notice(self) -> dict:
        return self.data["notice"]

    @property
    def digest(self) -> str:
        canonical = json.dumps(self.data, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def parameter_values(self) -> dict:
        return {k: v["value"] for k, v in self.data.get("parameters", {}).items()}

    def provenance(self) -> dict:
        """{parameter: where its value came from}, as stored on a policy version."""
        out = {}
        notice = self.notice
        for key, entry in self.data.get("parameters", {}).items():
            if "local" in entry:
                out[key] = {"local": True, **entry["local"]}
                continue
            out[key] = {
                "notice": entry.get("notice", notice["code"]),
                "notice_title": notice["short_title"] if "notice" not in entry else "",
                "section": entry.get("section", ""),
                "quote": entry.get("quote", ""),
                "note": entry.get("note", ""),
            }
        return out


def _where(path) -> str:
    parts = [str(p) if not isinstance(p, int) else f"[{p + 1}]" for p in path]
    text = ".".join(parts).replace(".[", "[")
    return text or _("文件顶层")


_TYPE_NAMES = {
    "object": "键值对照表",
    "array": "列表",
    "string": "文字",
    "integer": "整数",
    "number": "数值",
    "boolean": "是/否（true/false）",
    "null": "空值",
}


def _schema_message(error) -> str:
    where = _where(error.absolute_path)
    validator, expected, instance = error.validator, error.validator_value, error.instance
    if validator == "required":
        missing = [k for k in expected if isinstance(instance, dict) and k not in instance]
        return _("「%(where)s」缺少必填项：%(keys)s。") % {"where": where, "keys": "、".join(missing)}
    if validator == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed) if isinstance(instance, dict) else []
        return _("「%(where)s」含有不认识的项：%(keys)s。") % {"where": where, "keys": "、".join(extra)}
    if validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        names = "或".join(_(_TYPE_NAMES.get(k, k)) for k in kinds)
        return _("「%(where)s」须为%(kind)s。") % {"where": where, "kind": names}
    if validator in ("enum", "const"):
        options = expected if validator == "enum" else [expected]
        return _("「%(where)s」须为以下之一：%(opts)s。") % {
            "where": where,
            "opts": "、".join(str(o) for o in options),
        }
    if validator == "pattern":
        return _("「%(where)s」的写法不符合要求（%(value)s）。") % {"where": where, "value": instance}
    if validator == "minLength":
        return _("「%(where)s」不能为空。") % {"where": where}
    if validator == "maxLength":
        return _("「%(where)s」不能超过 %(n)d 字。") % {"where": where, "n": expected}
    if validator == "minItems":
        return _("「%(where)s」至少要有 %(n)d 项。") % {"where": where, "n": expected}
    if validator == "minimum":
        return _("「%(where)s」不能小于 %(n)s。") % {"where": where, "n": expected}
    if validator == "anyOf" and str(where).startswith("parameters"):
        return _(
            "「%(where)s」须写明出处：section（通知章节），或 note（取值说明），或 local（本地修改）。"
        ) % {"where": where}
    return _("「%(where)s」不符合预设文件格式。") % {"where": where}


def _errors_by_key(errors: list[tuple[str, str]]) -> ValidationError:
    by_key: dict[str, list[str]] = {}
    for key, message in errors:
        by_key.setdefault(key, []).append(message)
    return ValidationError(by_key)


def read_preset(content: str | bytes, *, base_dir: Path | None = None) -> PresetFile:
    """Read and check a preset file's text. ``base_dir`` is where ``notice.text_file`` is looked up
    (the shipped presets' folder); an uploaded file carries its notice text inline as ``notice.text``.
    Raises ValidationError {key path: [Chinese message]} listing every problem found."""
    if isinstance(content, bytes):
        if len(content) > MAX_FILE_BYTES:
            raise ValidationError({"file": [_("预设文件不能超过 2 MB。")]})
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": [_("预设文件须为 UTF-8 编码的文本（YAML）。")]}) from exc
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("第%(line)d行第%(col)d列") % {"line": mark.line + 1, "col": mark.column + 1} if mark else ""
        raise ValidationError({"file": [_("预设文件不是有效的 YAML%(where)s。") % {"where": where}]}) from exc
    if not isinstance(data, dict):
        raise ValidationError(
            {"file": [_("预设文件的顶层须为键值对照表（format、key、name、notice、parameters …）。")]}
        )
    # YAML reads an unquoted 2020-02-10 as a date; the schema speaks of text.
    data = json.loads(json.dumps(data, ensure_ascii=False, default=_plain))

    problems = [
        (_where(e.absolute_path), _schema_message(e))
        for e in sorted(Draft202012Validator(schema()).iter_errors(data), key=lambda e: list(e.absolute_path))
    ]
    if problems:
        raise _errors_by_key(problems)

    notice = data["notice"]
    if "text" not in notice:
        text_file = notice.get("text_file")
        if text_file and base_dir is not None and (base_dir / text_file).is_file():
            notice["text"] = (base_dir / text_file).read_text(encoding="utf-8")
        elif text_file:
            problems.append(
                (
                    "notice.text_file",
                    _("「notice.text_file」指向的全文文件「%(f)s」不存在。") % {"f": text_file},
                )
            )
    if notice.get("issued_on"):
        try:
            dt.date.fromisoformat(notice["issued_on"])
        except ValueError:
            problems.append(("notice.issued_on", _("「notice.issued_on」不是有效日期。")))

    for key in data.get("parameters", {}):
        if key not in SPECS_BY_KEY:
            problems.append(
                (f"parameters.{key}", _("「parameters.%(key)s」不是系统认识的参数。") % {"key": key})
            )
    if not problems:
        try:
            parse_parameters({k: v["value"] for k, v in data.get("parameters", {}).items()})
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                problems.extend((f"parameters.{key}", f"parameters.{key}：{m}") for m in messages)
    seen = set()
    for n, checklist in enumerate(data.get("checklists", []), start=1):
        if checklist["key"] in seen:
            problems.append((f"checklists[{n}]", _("「checklists[%(n)d]」的 key 重复。") % {"n": n}))
        seen.add(checklist["key"])
        codes = set()
        for m, item in enumerate(checklist["items"], start=1):
            where = f"checklists[{n}].items[{m}]"
            if item["code"] in codes:
                problems.append((where, _("「%(where)s」的编号重复。") % {"where": where}))
            codes.add(item["code"])
            if item["method"] == "data" and not item.get("rule"):
                problems.append((where, _("「%(where)s」由数据判定，须写明规则 rule。") % {"where": where}))
    if problems:
        raise _errors_by_key(problems)
    return PresetFile(data=data, content=content)


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def shipped_preset_paths() -> list[Path]:
    return sorted(PRESET_DIR.glob("*.yaml"))


@cache
def shipped_presets() -> tuple[PresetFile, ...]:
    return tuple(
        read_preset(path.read_text(encoding="utf-8"), base_dir=path.parent) for path in shipped_preset_paths()
    )


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump_preset(data: dict, header: str = "") -> str:
    text = yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)
    return (f"# {header}\n" if header else "") + text

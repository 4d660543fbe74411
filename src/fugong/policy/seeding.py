"""Storing what preset files say: notices, checklists and presets as rows.

Free of model imports, so that a data migration can pass its historical models; the services pass the
real ones and add the audit entries.
"""

import datetime as dt


def upsert_notice(notice_model, data: dict, *, actor=None) -> tuple[object, bool]:
    """The notice row for a preset file's ``notice`` block: created when new, brought up to date when
    the file says something else (a corrected title or text). Returns (notice, changed)."""
    fields = {
        "title": data["title"],
        "short_title": data["short_title"],
        "issuer": data["issuer"],
        "issued_on": dt.date.fromisoformat(data["issued_on"]) if data.get("issued_on") else None,
        "issued_label": data.get("issued_label", ""),
        "published_at": data.get("published_at", ""),
        "text": data.get("text", ""),
    }
    notice = notice_model.objects.filter(code=data["code"]).first()
    if notice is None:
        created_by = actor if getattr(actor, "pk", None) else None
        return notice_model.objects.create(code=data["code"], created_by=created_by, **fields), True
    changed = [k for k, v in fields.items() if getattr(notice, k) != v and not (k == "text" and not v)]
    for key in changed:
        setattr(notice, key, fields[key])
    if changed:
        notice.save(update_fields=changed)
    return notice, bool(changed)


def sync_checklists(definition_model, item_model, notice, checklists: list[dict]) -> int:
    """Create the definitions and items that are missing; never change existing ones, whose texts
    answers may already cite."""
    created = 0
    for entry in checklists:
        definition, made = definition_model.objects.get_or_create(
            key=entry["key"],
            defaults={
                "name": entry["name"],
                "notice": notice,
                "source": entry.get("section", ""),
                "description": entry.get("description", ""),
            },
        )
        created += made
        existing = set(item_model.objects.filter(definition=definition).values_list("code", flat=True))
        for order, item in enumerate(entry["items"], start=1):
            if item["code"] in existing:
                continue
            item_model.objects.create(
                definition=definition,
                code=item["code"],
                order=order,
                text=item["text"],
                notice_ref=item.get("section", ""),
                check_method=item["method"],
                data_rule=item.get("rule", ""),
                data_rule_args=item.get("args", {}),
            )
            created += 1
    return created


def store_preset(preset_model, notice, preset_file, *, shipped: bool, actor=None) -> tuple[object, str]:
    """The preset row for a file read by ``preset_files.read_preset``: ("created" | "updated" |
    "unchanged")."""
    fields = {
        "name": preset_file.data["name"],
        "notice": notice,
        "content": preset_file.content,
        "data": preset_file.data,
        "digest": preset_file.digest,
        "shipped": shipped,
    }
    preset = preset_model.objects.filter(key=preset_file.key).first()
    by = actor if getattr(actor, "pk", None) else None
    if preset is None:
        return preset_model.objects.create(key=preset_file.key, loaded_by=by, **fields), "created"
    if preset.digest == preset_file.digest and preset.notice_id == notice.pk:
        return preset, "unchanged"
    for key, value in fields.items():
        setattr(preset, key, value)
    preset.loaded_by = by
    preset.save()
    return preset, "updated"


def seed_shipped_presets(notice_model, preset_model, definition_model, item_model) -> int:
    """Every preset file shipped with FuGong as rows; run at migrate time and after a test's flush."""
    from fugong.policy.preset_files import shipped_presets

    changes = 0
    for preset_file in shipped_presets():
        notice, changed = upsert_notice(notice_model, preset_file.notice)
        changes += changed
        changes += sync_checklists(
            definition_model, item_model, notice, preset_file.data.get("checklists", [])
        )
        _preset, outcome = store_preset(preset_model, notice, preset_file, shipped=True)
        changes += outcome != "unchanged"
    return changes

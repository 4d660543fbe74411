"""Loading the notices' checklists; free of model imports so that a data migration can use it."""


def sync_checklists(definition_model, item_model, data: list[dict]) -> int:
    """Create the definitions and items in ``data`` that are missing; never change existing ones, whose
    texts answers may already cite. Takes the models so that a data migration can call it too."""
    created = 0
    for entry in data:
        definition, made = definition_model.objects.get_or_create(
            key=entry["key"],
            defaults={
                "name": entry["name"],
                "notice": entry["notice"],
                "source": entry.get("source", ""),
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
                notice_ref=item.get("ref", ""),
                check_method=item["method"],
                data_rule=item.get("rule", ""),
                data_rule_args=item.get("args", {}),
            )
            created += 1
    return created

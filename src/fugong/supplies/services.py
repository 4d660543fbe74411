"""Writes to the supplies ledger: receipts, issues and stock counts.

Every movement locks the firm's Stock row for the item (``select_for_update``) before it reads the
balance, so two issues of the last ten masks at once are serialised: one gets them, the other is refused
with the balance it saw, and the balance never goes below zero (the database refuses it too, a
CheckConstraint). The movement keeps the balance after it, so the history reads like a stock card.

Each function checks the actor's capability and scope, validates everything before writing (a bad field
is named with its rule in Chinese, and nothing is saved), writes in one transaction with an audit entry,
and is idempotent on ``client_key``: a resend returns the first movement with ``replayed = True``.

The demand workflow (a firm asks its town for what it cannot source) is in ``demands.py``.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fugong.accounts.roles import require
from fugong.audit.services import record
from fugong.core.submissions import parse_client_key, text_field
from fugong.core.submissions import replayed as _replayed_row
from fugong.enterprises.models import Enterprise

from .models import MovementKind, Stock, StockMovement
from .selectors import ITEM_NAMES, default_unit, item_name

# A single movement larger than this is a typing slip (an extra zero or two), not a delivery.
MAX_QUANTITY = 1_000_000
# Clocks on phones drift: a movement dated a little ahead of the server is accepted as now.
CLOCK_SKEW = dt.timedelta(minutes=10)
# How far back a paper record may be typed in later.
MAX_BACKDATE = dt.timedelta(days=31)


class InsufficientStock(ValidationError):
    """An issue larger than the balance: the API answers 409 (the state, not the input, is wrong)."""


# -- checks ---------------------------------------------------------------------------------------------


def enterprise_in_scope(actor, enterprise) -> Enterprise:
    if not isinstance(enterprise, Enterprise):
        enterprise = Enterprise.objects.filter(pk=enterprise).first() if str(enterprise).isdigit() else None
        if enterprise is None:
            raise PermissionDenied
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied
    return enterprise


def parse_item(value, errors, field="item") -> str:
    key = str(value or "").strip()
    if not key:
        errors[field] = _("物资：必须选择")
    elif key not in ITEM_NAMES:
        errors[field] = _("物资：不在可选的防疫物资之列")
    return key


def parse_quantity(value, errors, field="quantity", label=None, *, allow_zero=False) -> int | None:
    label = label or _("数量")
    raw = str(value if value is not None else "").strip()
    if not raw:
        errors[field] = _("%(label)s：必须填写") % {"label": label}
        return None
    try:
        number = int(raw)
    except ValueError:
        number = None
    low = 0 if allow_zero else 1
    if number is None or number < low:
        rule = _("应为不小于0的整数") if allow_zero else _("应为大于0的整数")
        errors[field] = f"{label}：{rule}"
        return None
    if number > MAX_QUANTITY:
        errors[field] = _("%(label)s：不能超过%(n)d") % {"label": label, "n": MAX_QUANTITY}
        return None
    return number


def _moment(value, errors) -> dt.datetime:
    now = timezone.now()
    if value in (None, ""):
        return now
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            errors["at"] = _("时间：格式不正确")
            return now
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(12))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        errors["at"] = _("时间：不能晚于现在")
    elif value < now - MAX_BACKDATE:
        errors["at"] = _("时间：只能补登31天以内的记录")
    return min(value, now)


def _raise(errors):
    if errors:
        raise ValidationError({k: [v] for k, v in errors.items()})


# -- the stock row --------------------------------------------------------------------------------------


def _locked_stock(enterprise, item, unit) -> Stock:
    """The firm's Stock row for the item, created if missing, locked for this transaction. Two first
    receipts at once both insert; ON CONFLICT DO NOTHING lets the second wait for the first and then
    lock the row the first created, instead of failing on the unique constraint."""
    Stock.objects.bulk_create(
        [Stock(enterprise=enterprise, item=item, unit=unit or default_unit(item))], ignore_conflicts=True
    )
    return Stock.objects.select_for_update().get(enterprise=enterprise, item=item)


def _move(actor, enterprise, item, change, kind, *, unit, counterparty, note, at, key, action):
    with transaction.atomic():
        stock = _locked_stock(enterprise, item, unit)
        if unit and unit != stock.unit:
            raise ValidationError(
                {
                    "unit": [
                        _("单位：本企业%(item)s按“%(unit)s”计，请换算后登记")
                        % {"item": item_name(item), "unit": stock.unit}
                    ]
                }
            )
        before = stock.quantity
        if change < 0 and before + change < 0:
            raise InsufficientStock(
                {
                    "quantity": [
                        _("库存不足：%(item)s现有%(have)d%(unit)s，申领%(ask)d%(unit)s")
                        % {"item": item_name(item), "have": before, "ask": -change, "unit": stock.unit}
                    ]
                }
            )
        stock.quantity = before + change
        stock.updated_at = timezone.now()
        stock.version += 1
        stock.save(update_fields=["quantity", "updated_at", "version"])
        movement = StockMovement.objects.create(
            enterprise=enterprise,
            item=item,
            kind=kind,
            change=change,
            balance_after=stock.quantity,
            at=at,
            counterparty=counterparty,
            note=note,
            recorded_by=actor,
            client_key=key,
        )
        record(
            actor,
            action,
            movement,
            before={"quantity": before},
            after={"quantity": stock.quantity, "change": change, "counterparty": counterparty},
            note=note,
        )
    movement.replayed = False
    movement.stock = stock
    return movement


def _guarded(actor, key, write):
    """Run ``write``; a raced resend of the same submission (the unique client_key) answers with the
    movement that won."""
    try:
        return write()
    except IntegrityError:
        replay = replayed(StockMovement, actor, key)
        if replay is not None:
            return replay
        raise


def receive(
    actor, enterprise, item, quantity, *, unit=None, counterparty="", note="", at=None, client_key=None
) -> StockMovement:
    """Book a delivery into the firm's stock (bought, donated, allocated by the town)."""
    require(actor, "supplies.record")
    enterprise = enterprise_in_scope(actor, enterprise)
    key = parse_client_key(client_key)
    if (replay := replayed(StockMovement, actor, key)) is not None:
        return replay
    errors: dict[str, str] = {}
    item = parse_item(item, errors)
    quantity = parse_quantity(quantity, errors, label=_("入库数量"))
    unit = text(unit, "unit", _("单位"), errors, max_length=10, required=False) or None
    counterparty = text(counterparty, "counterparty", _("来源"), errors, max_length=100, required=False)
    note = text(note, "note", _("备注"), errors, max_length=300, required=False)
    at = _moment(at, errors)
    _raise(errors)
    return _guarded(
        actor,
        key,
        lambda: _move(
            actor,
            enterprise,
            item,
            quantity,
            MovementKind.RECEIPT,
            unit=unit,
            counterparty=counterparty,
            note=note,
            at=at,
            key=key,
            action="supplies.stock.receive",
        ),
    )


def issue(
    actor, enterprise, item, quantity, *, counterparty="", note="", at=None, client_key=None
) -> StockMovement:
    """Hand supplies out (to a workshop, a team, a person); refused, with nothing saved, when the
    balance is smaller than the quantity asked."""
    require(actor, "supplies.record")
    enterprise = enterprise_in_scope(actor, enterprise)
    key = parse_client_key(client_key)
    if (replay := replayed(StockMovement, actor, key)) is not None:
        return replay
    errors: dict[str, str] = {}
    item = parse_item(item, errors)
    quantity = parse_quantity(quantity, errors, label=_("领用数量"))
    counterparty = text(counterparty, "counterparty", _("领用人/部门"), errors, max_length=100)
    note = text(note, "note", _("备注"), errors, max_length=300, required=False)
    at = _moment(at, errors)
    _raise(errors)
    if not Stock.objects.filter(enterprise=enterprise, item=item).exists():
        raise InsufficientStock(
            {
                "quantity": [
                    _("库存不足：%(item)s现有0%(unit)s，申领%(ask)d%(unit)s")
                    % {"item": item_name(item), "ask": quantity, "unit": default_unit(item)}
                ]
            }
        )
    return _guarded(
        actor,
        key,
        lambda: _move(
            actor,
            enterprise,
            item,
            -quantity,
            MovementKind.ISSUE,
            unit=None,
            counterparty=counterparty,
            note=note,
            at=at,
            key=key,
            action="supplies.stock.issue",
        ),
    )


def adjust(actor, enterprise, item, counted_quantity, note) -> StockMovement:
    """A stock count: the book balance becomes what was counted, and the difference (either way, or
    none) is kept as an adjustment with the reason — a count that matches is worth recording too."""
    require(actor, "supplies.record")
    enterprise = enterprise_in_scope(actor, enterprise)
    errors: dict[str, str] = {}
    item = parse_item(item, errors)
    counted = parse_quantity(counted_quantity, errors, "counted_quantity", _("盘点数量"), allow_zero=True)
    note = text(note, "note", _("盘点说明"), errors, max_length=300)
    _raise(errors)
    with transaction.atomic():
        stock = _locked_stock(enterprise, item, None)
        return _move(
            actor,
            enterprise,
            item,
            counted - stock.quantity,
            MovementKind.ADJUSTMENT,
            unit=None,
            counterparty="",
            note=note,
            at=timezone.now(),
            key=None,
            action="supplies.stock.adjust",
        )


__all__ = ["InsufficientStock", "adjust", "issue", "receive"]


text = text_field


def replayed(model, actor, key):
    # Movements are recorded by someone; demands were created by someone.
    owner = "recorded_by_id" if hasattr(model, "recorded_by") else "created_by_id"
    return _replayed_row(model, actor, key, owner_field=owner)

"""Demo supplies ledger, made through the services: two weeks of receipts and daily issues at the demo
firms, so that the stock page shows daily use and days of cover. Two firms are deliberately short for the
risk order: the second has issued its last N95 masks, the third is down to a couple of days' cover. Two
demand requests: one the town escalated to the task force, one the town answered.

Deterministic (a random.Random per firm, seeded by its credit code) and idempotent: every movement and
demand carries a fixed ``client_key`` and a resend returns the stored one, so a second run adds nothing.
"""

import datetime as dt
import random

from django.utils import timezone

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.supplies import demands, services
from fugong.supplies.models import DemandRequest, DemandStatus, StockMovement

DAYS = 14
# Item, delivery at the start, daily issue (before scaling by the firm's size).
PLAN = [
    ("mask", 3000, 150),
    ("n95", 800, 30),
    ("protective_suit", 120, 4),
    ("disinfectant", 200, 8),
    ("antigen_kit", 1000, 40),
    ("thermometer", 6, 0),
]
SOURCES = ["市医药公司", "县应急物资储备库", "镇街调拨", "企业自购"]
TAKERS = ["一车间", "二车间", "仓储物流部", "综合办公室", "门岗", "食堂"]


def _officer(firm):
    return User.objects.filter(role=Role.ENTERPRISE, enterprise=firm, is_active=True).order_by("pk").first()


def _town_officer(firm):
    from fugong.resumption.chain import users_for

    return users_for("town", firm).order_by("pk").first()


def _at(day, hour, minute):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _build_firm(firm, position, today):
    officer = _officer(firm)
    if officer is None:
        return
    rng = random.Random(f"supplies-{firm.uscc}")
    scale = max(1, (firm.normal_headcount or 100) // 100)
    start = today - dt.timedelta(days=DAYS)
    for item, delivered, daily in PLAN:
        if position == 1 and item == "n95":
            # Delivered a little and used it all: no N95 left.
            delivered, daily = 60, 5
        elif position == 2 and item == "n95":
            # Two days' cover left, under the seven the policy asks.
            delivered, daily = 30 * DAYS + 60, 30
        quantity = delivered * scale if item != "thermometer" else delivered
        services.receive(
            officer,
            firm,
            item,
            quantity,
            counterparty=rng.choice(SOURCES),
            at=_at(start, 9, 0),
            client_key=f"demo-sp-{firm.pk}-{item}-r",
        )
        if not daily:
            continue
        for n in range(DAYS):
            day = start + dt.timedelta(days=n)
            planted = position in (1, 2) and item == "n95"
            # The planted shortages use a steady amount so that their cover comes out as described.
            want = daily if planted else max(1, round(daily * scale * rng.uniform(0.8, 1.2)))
            key = f"demo-sp-{firm.pk}-{item}-{n}"
            if StockMovement.objects.filter(client_key=key).exists():
                continue
            balance = StockMovement.objects.filter(enterprise=firm, item=item).order_by("-pk").first()
            left = balance.balance_after if balance else 0
            if left <= 0:
                break
            services.issue(
                officer,
                firm,
                item,
                min(want, left),
                counterparty=rng.choice(TAKERS),
                at=_at(day, 10, rng.randrange(0, 50)),
                client_key=key,
            )


def _demands(firms, today):
    # Firms whose town has an officer to handle a request; the short ones first.
    handled = [f for f in firms[1:] if _town_officer(f) is not None and _officer(f) is not None]
    if len(handled) < 2:
        return
    # The first asks for N95 its town cannot find and is escalated to the task force.
    short, answered = handled[0], handled[1]
    officer, town = _officer(short), _town_officer(short)
    if officer and town:
        req = demands.request_supplies(
            officer,
            short,
            "n95",
            600,
            today + dt.timedelta(days=3),
            "原供应商停产，市场上采购不到医用级N95口罩",
            client_key=f"demo-sd-{short.pk}-n95",
        )
        if req.status == DemandStatus.SUBMITTED:
            demands.escalate(
                town, req, "镇内各企业均无富余，请专班协调市级储备", today + dt.timedelta(days=2), req.version
            )
    officer, town = _officer(answered), _town_officer(answered)
    if officer and town:
        req = demands.request_supplies(
            officer,
            answered,
            "protective_suit",
            100,
            today + dt.timedelta(days=5),
            "封闭运行需要增加防护服储备，订单到货要两周",
            client_key=f"demo-sd-{answered.pk}-suit",
        )
        if req.status == DemandStatus.SUBMITTED:
            demands.answer(
                town,
                req,
                fulfilled=True,
                answer="已从镇街储备调剂100套，请于明日上午到镇应急物资仓库领取",
                expected_version=req.version,
            )
    return DemandRequest.objects.count()


def build(city, firms) -> None:
    today = timezone.localdate()
    for position, firm in enumerate(firms):
        _build_firm(firm, position, today)
    _demands(firms, today)

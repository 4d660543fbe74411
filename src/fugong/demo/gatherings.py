"""Demo gatherings, made through the services: trainings and meetings at the demo firms; at the model firm
a 60-person meeting waiting for the town with its prevention plan, an approved training, and a dinner of
12 flagged under N3's advice of at most 10. Deterministic and idempotent: each gathering has a fixed
``client_key``, so a second run finds it and adds nothing."""

import datetime as dt
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from fugong.accounts.models import User
from fugong.accounts.roles import Role
from fugong.gatherings import services
from fugong.gatherings.models import Gathering, GatheringStatus

# (kind, title, place, days from today, start hour, hours, headcount, with plan, decision)
MODEL_FIRM = [
    ("meeting", "全员复工动员大会", "厂区大礼堂", 3, 9, 2, 60, True, None),
    ("training", "复工复产安全生产与防疫培训", "行政楼三楼培训室", 5, 14, 3, 55, True, "approve"),
    ("dinner", "班组长复工工作餐", "职工食堂二楼包厢", 2, 18, 2, 12, False, None),
    ("training", "新返岗员工防疫知识培训", "一号车间会议区", -1, 10, 1, 30, False, None),
    ("meeting", "疫情防控周例会", "二号会议室", 7, 9, 1, 15, False, None),
]
TRAININGS = ["防疫知识培训", "消毒操作规程培训", "测温与健康码查验培训", "应急处置演练"]
MEETINGS = ["复工准备协调会", "安全生产例会", "班组长防疫碰头会"]
PLACES = ["车间会议区", "行政楼会议室", "培训室", "食堂（错峰）"]
PLAN_MEASURES = [
    "参会人员进场测温、查验健康码，全程佩戴口罩",
    "座位间隔1米以上，会场提前通风消毒",
    "设置临时隔离观察点，配备体温计和防护物资",
    "会议时间压缩至2小时以内，不安排集体用餐",
    "建立参会人员名单，便于必要时追踪",
]


def _plan_pdf(firm, title: str, headcount: int, starts: dt.datetime) -> SimpleUploadedFile:
    """A one-page prevention plan as a real PDF, rendered by WeasyPrint like the certificates."""
    from weasyprint import HTML

    items = "".join(f"<li>{escape(m)}</li>" for m in PLAN_MEASURES)
    html = (
        "<html><head><meta charset='utf-8'><style>body{font-family:sans-serif;font-size:12pt}</style></head>"
        f"<body><h1>{escape(title)}疫情防控方案</h1>"
        f"<p>单位：{escape(firm.name)}</p>"
        f"<p>时间：{timezone.localtime(starts):%Y年%m月%d日 %H:%M}　人数：{headcount}人</p>"
        f"<ol>{items}</ol><p>负责人对以上措施的落实负责。</p></body></html>"
    )
    return SimpleUploadedFile(f"{title}防控方案.pdf", HTML(string=html).write_pdf(), "application/pdf")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _make(officer, firm, key, spec, today) -> Gathering | None:
    kind, title, place, days, hour, hours, headcount, with_plan, decision = spec
    if Gathering.objects.filter(client_key=key).exists():
        return None
    starts = _at(today + dt.timedelta(days=days), hour)
    gathering = services.record_gathering(
        officer,
        firm,
        kind=kind,
        title=title,
        place=place,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        headcount=headcount,
        organiser=officer.full_name or "防疫专员",
        plan=_plan_pdf(firm, title, headcount, starts) if with_plan else None,
        client_key=key,
    )
    if decision == "approve" and gathering.status == GatheringStatus.PENDING:
        town = User.objects.filter(role=Role.TOWN, region=firm.town, is_active=True).order_by("pk").first()
        if town is not None:
            services.approve(
                town, gathering, "同意。请严格落实方案中的测温、间隔就座和通风消毒措施。", gathering.version
            )
    return gathering


def build(city, firms) -> None:
    rng = random.Random(20210107)
    today = timezone.localdate()
    for index, firm in enumerate(firms):
        officer = User.objects.filter(role=Role.ENTERPRISE, enterprise=firm).order_by("pk").first()
        if officer is None:
            continue
        if index == 0:
            specs = MODEL_FIRM
        else:
            specs = []
            for _n in range(rng.randint(1, 2)):
                training = rng.random() < 0.5
                specs.append(
                    (
                        "training" if training else "meeting",
                        rng.choice(TRAININGS if training else MEETINGS),
                        rng.choice(PLACES),
                        rng.randint(-3, 10),
                        rng.choice([9, 10, 14, 15]),
                        rng.choice([1, 2]),
                        rng.randint(8, 45),
                        False,
                        None,
                    )
                )
            if index == 1:
                specs.append(("meeting", "复工复产推进大会", "厂区礼堂", 4, 9, 2, 52, True, None))
        for number, spec in enumerate(specs):
            _make(officer, firm, f"demo-gathering-{firm.uscc}-{number}", spec, today)

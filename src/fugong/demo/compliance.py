"""Demo compliance: the model firm's self-assessments with evidence (a generated photo and PDF), one
confirmed and one overturned by the demo inspector (ducha), an inspection answer, then the pictures of
yesterday and today for the whole city — all through the services. Idempotent: a firm that has answers
already is left as it is; the pictures are upserts."""

import datetime as dt
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fugong.accounts.models import User
from fugong.compliance import services
from fugong.compliance.models import ChecklistAnswer
from fugong.enterprises.models import Enterprise
from fugong.policy.models import CheckMethod
from fugong.policy.selectors import find_policy_for


def _png(width: int = 48, height: int = 32) -> bytes:
    """A small green-and-white striped PNG, standing in for a photo of the notice board."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(
        b"\x00" + b"".join(b"\x2e\x8b\x57" if (x // 8) % 2 else b"\xff\xff\xff" for x in range(width))
        for _y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _answers(firm, officer, inspector) -> None:
    policy = find_policy_for(firm.town, timezone.localdate())
    if policy is None:
        return
    items = [item for definition in policy.checklists() for item in definition.items_in_force]
    assessed = [i for i in items if i.check_method == CheckMethod.SELF_ASSESSMENT]
    inspected = [i for i in items if i.check_method == CheckMethod.INSPECTION]
    answers = []
    evidence = [
        SimpleUploadedFile("防疫公告栏.png", _png(), content_type="image/png"),
        SimpleUploadedFile("防疫培训签到表.pdf", PDF, content_type="application/pdf"),
    ]
    for item, upload in zip(assessed[:2], evidence, strict=False):
        answers.append(services.self_assess(officer, item, True, "已落实，附佐证材料", upload))
    if len(assessed) > 2:
        services.self_assess(officer, assessed[2], False, "部分员工尚未完成培训，本周内补齐")
    if inspector is None:
        return
    if answers:
        services.verify(inspector, answers[0], "confirmed", "现场查看属实")
    if len(answers) > 1:
        services.verify(inspector, answers[1], "overturned", "签到表日期与培训记录不符，请补充现场照片")
    if inspected:
        services.inspect(inspector, firm, inspected[0], True, "现场核查：已落实")
    if len(inspected) > 1:
        services.inspect(inspector, firm, inspected[1], False, "外来车辆未见消毒记录")


def build(city, firms) -> None:
    if firms:
        firm = firms[0]
        officer = User.objects.filter(role="enterprise", enterprise=firm).order_by("pk").first()
        inspector = User.objects.filter(username="ducha").first()
        if officer is not None and not ChecklistAnswer.objects.filter(enterprise=firm).exists():
            _answers(firm, officer, inspector)
    ids = list(Enterprise.objects.filter(town__path__startswith=city.path).values_list("pk", flat=True))
    today = timezone.localdate()
    services.build_compliance(today - dt.timedelta(days=1), ids)
    services.build_compliance(today, ids)

"""The certificate PDF (issue 3): Chinese text with embedded CJK fonts, the facts, the issuing task
force, a QR code that encodes the verify address, and a revoked watermark.

PDFs are inspected with poppler-utils (pdffonts, pdftotext, pdfimages, pdftoppm), which CI installs;
the QR code is checked by comparing the embedded image with the matrix segno computes for the verify
address, so no barcode reader is needed.
"""

import base64
import datetime
import io
import itertools
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone, translation
from PIL import Image

from fugong.regions.models import Region, RegionLevel
from fugong.resumption import certificates
from fugong.resumption.models import (
    ApplicationKind,
    ApplicationStatus,
    Certificate,
    ResumptionApplication,
    ReviewStep,
    StepMode,
    StepStatus,
)

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
BASE_URL = "http://testserver.example/"
ZHUJI_TASK_FORCE = "诸暨市新型冠状病毒感染的肺炎疫情防控工作领导小组"


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: install Debian's poppler-utils (CI does)"
    return path


def _run(*args: str) -> str:
    return subprocess.run([_tool(args[0]), *args[1:]], check=True, capture_output=True, text=True).stdout


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    # -layout off: the default reading order keeps each table cell's text in one piece.
    return _run("pdftotext", "-enc", "UTF-8", str(path), "-")


def _pdf_fonts(pdf: bytes, tmp_path: Path) -> list[dict]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    lines = _run("pdffonts", str(path)).splitlines()[2:]  # skip the header and the dashes
    fonts = []
    for line in lines:
        parts = line.split()
        # name, type…, encoding, emb, sub, uni, object ID (two columns)
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3]})
    return fonts


def _stand_in(status: str = "valid", **overrides) -> SimpleNamespace:
    """A certificate as duck-typed attributes: the renderer needs no database."""
    province = SimpleNamespace(name="浙江省", level=RegionLevel.PROVINCE, parent=None)
    city = SimpleNamespace(name="绍兴市", level=RegionLevel.CITY, parent=province)
    county = SimpleNamespace(name="诸暨市", level=RegionLevel.COUNTY, parent=city)
    town = SimpleNamespace(name="暨阳街道", level=RegionLevel.TOWN, parent=county)
    enterprise = SimpleNamespace(name="诸暨暨阳织造有限公司", uscc="91330681MA2D9XYZ7K", town=town)
    values = {
        "pk": 12,
        "number": "诸暨复工〔2026〕00012号",
        "kind": ApplicationKind.FIRST_RESUMPTION.value,
        "get_kind_display": lambda: ApplicationKind.FIRST_RESUMPTION.label,
        "enterprise": enterprise,
        # 01:30 UTC is 09:30 in Shanghai: the issue date printed is the Shanghai date.
        "issued_at": datetime.datetime(2026, 11, 24, 1, 30, tzinfo=datetime.UTC),
        "valid_from": datetime.date(2026, 11, 25),
        "valid_until": datetime.date(2027, 2, 28),
        "status": status,
        "revoked_at": datetime.datetime(2026, 12, 3, 2, 0, tzinfo=datetime.UTC)
        if status == "revoked"
        else None,
        "verify_token": "Zk3_9xQ-h2bE0vLr8TqW5yNcA1",
    }
    values.update(overrides)
    return SimpleNamespace(**values)


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE_URL


# Module-scoped (rendering takes about a second), so the base URL is set here rather than by the
# function-scoped fixture above.
@pytest.fixture(scope="module")
def valid_pdf() -> bytes:
    with override_settings(PUBLIC_BASE_URL=BASE_URL):
        return certificates.render_certificate_pdf(_stand_in())


@pytest.fixture(scope="module")
def revoked_pdf() -> bytes:
    with override_settings(PUBLIC_BASE_URL=BASE_URL):
        return certificates.render_certificate_pdf(_stand_in("revoked"))


# Rendering with a stand-in -------------------------------------------------------------------


def test_pdf_is_one_a4_page(valid_pdf, tmp_path):
    assert valid_pdf.startswith(b"%PDF-")
    path = tmp_path / "c.pdf"
    path.write_bytes(valid_pdf)
    info = dict(line.split(":", 1) for line in _run("pdfinfo", str(path)).splitlines() if ":" in line)
    assert info["Pages"].strip() == "1"
    assert info["Page size"].strip().endswith("(A4)")
    assert info["Title"].strip() == "企业复工复产核准证明 诸暨复工〔2026〕00012号"


def test_cjk_fonts_are_embedded(valid_pdf, tmp_path):
    fonts = _pdf_fonts(valid_pdf, tmp_path)
    cjk = [f for f in fonts if "CJK" in f["name"]]
    names = {f["name"].split("+")[-1] for f in cjk}
    assert "Noto-Sans-CJK-SC" in names, fonts
    assert "Noto-Serif-CJK-SC-Bold" in names, fonts  # the title
    # Embedded (a reader without the font still shows Chinese), subset (the file stays small) and
    # with a Unicode map (the text can be copied and searched).
    assert all(f["emb"] == "yes" and f["sub"] == "yes" and f["uni"] == "yes" for f in cjk), cjk
    assert len(valid_pdf) < 1_500_000


def test_pdf_text_has_the_facts_in_chinese(valid_pdf, tmp_path):
    text = _pdf_text(valid_pdf, tmp_path)
    for expected in (
        "企业复工复产核准证明",
        "诸暨复工〔2026〕00012号",
        "诸暨暨阳织造有限公司",
        "91330681MA2D9XYZ7K",
        "诸暨市暨阳街道",
        "首次复工",
        "2026年11月25日 至 2027年2月28日",
        "诸暨市新型冠状病毒感染的肺炎",  # the signature breaks before 疫情防控工作领导小组
        "疫情防控工作领导小组",
        "2026年11月24日",
        "扫码核验",
        "http://testserver.example/verify/Zk3_9xQ-h2bE0vLr8TqW5yNcA1/",
    ):
        assert expected in text, expected
    assert "已撤销" not in text


def test_qr_code_in_the_pdf_encodes_the_verify_url(valid_pdf, tmp_path):
    path = tmp_path / "qr.pdf"
    path.write_bytes(valid_pdf)
    _run("pdfimages", "-png", str(path), str(tmp_path / "img"))
    images = sorted(tmp_path.glob("img-*.png"))
    assert len(images) == 1, images
    image = Image.open(images[0]).convert("L")

    expected = certificates.qr_matrix("http://testserver.example/verify/Zk3_9xQ-h2bE0vLr8TqW5yNcA1/")
    modules = len(expected) + 2 * certificates.QR_BORDER
    assert image.width == image.height
    step = image.width / modules
    # Sample the centre of every module, quiet zone included (it must be light).
    found = [
        [image.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128 for x in range(modules)]
        for y in range(modules)
    ]
    border = certificates.QR_BORDER
    assert not any(itertools.chain(*found[:border], *found[-border:]))
    assert [row[border:-border] for row in found[border:-border]] == expected


def test_revoked_certificate_prints_the_revocation(revoked_pdf, valid_pdf, tmp_path):
    text = _pdf_text(revoked_pdf, tmp_path)
    assert "本证明已于2026年12月3日撤销，不再有效" in text
    # The rotated 已撤销 watermark comes out of pdftotext one glyph at a time: it adds one 销 to the
    # note's, beyond the valid certificate's (whose only 销 is in the duties paragraph).
    assert text.count("销") == _pdf_text(valid_pdf, tmp_path).count("销") + 2
    assert '<div class="revoked-mark">已撤销</div>' in certificates.render_certificate_html(
        _stand_in("revoked")
    )


def test_open_ended_validity_and_explicit_title_and_authority(tmp_path):
    pdf = certificates.render_certificate_pdf(
        _stand_in(valid_until=None),
        title=certificates.TITLE_FILING,
        authority="长春净月高新区复工复产工作专班",
    )
    text = _pdf_text(pdf, tmp_path)
    assert "复工复产备案证明" in text
    assert "自2026年11月25日起（未设截止日期）" in text
    assert "长春净月高新区复工复产工作专班" in text
    assert "予以备案" in text
    assert "准予复工复产" not in text


def test_rendering_logs_no_weasyprint_warnings(caplog):
    # WeasyPrint reports CSS it ignores and resources it cannot load as log warnings, not errors:
    # a typo in the template or a blocked fetch would otherwise pass unnoticed.
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        certificates.render_certificate_pdf(_stand_in("revoked"))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []


def test_certificate_stays_chinese_when_the_site_is_in_english():
    with translation.override("en"):
        html = certificates.render_certificate_html(_stand_in())
    assert "首次复工" in html
    assert "企业复工复产核准证明" in html


def test_firm_text_is_escaped_and_nothing_is_fetched(tmp_path):
    hostile = _stand_in()
    hostile.enterprise.name = '<img src="file:///etc/passwd">某某公司'
    html = certificates.render_certificate_html(hostile)
    assert '<img src="file:///etc/passwd">' not in html
    text = _pdf_text(certificates.render_certificate_pdf(hostile), tmp_path)
    assert '<img src="file:///etc/passwd">某某公司' in text


# Helpers -------------------------------------------------------------------------------------


def test_qr_helpers():
    url = "http://testserver.example/verify/abc_DEF-123/"
    uri = certificates.qr_png_data_uri(url)
    assert uri.startswith("data:image/png;base64,")
    png = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    size = len(certificates.qr_matrix(url)) + 2 * certificates.QR_BORDER
    assert png.size == (size * certificates.QR_PNG_SCALE, size * certificates.QR_PNG_SCALE)


def test_verify_url_uses_public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://fugong.zhuji.gov.cn"
    url = certificates.verify_url(SimpleNamespace(verify_token="tok_123-ABC"))
    assert url == "https://fugong.zhuji.gov.cn/verify/tok_123-ABC/"


def test_chinese_date():
    assert certificates.chinese_date(datetime.date(2026, 3, 5)) == "2026年3月5日"
    # 20:00 UTC on the 24th is already the 25th in Shanghai.
    late = datetime.datetime(2026, 11, 24, 20, 0, tzinfo=datetime.UTC)
    assert certificates.chinese_date(late) == "2026年11月25日"
    assert certificates.chinese_date(None) == ""


def test_authority_lines():
    assert certificates.authority_lines(ZHUJI_TASK_FORCE) == [
        "诸暨市新型冠状病毒感染的肺炎",
        "疫情防控工作领导小组",
    ]
    assert certificates.authority_lines("某区复工专班") == ["某区复工专班"]


def test_public_status_with_dates_and_datetimes():
    shanghai_evening = datetime.datetime(2027, 2, 28, 12, 0, tzinfo=datetime.UTC)  # 20:00 in Shanghai
    cert = _stand_in()
    assert certificates.public_status(cert, shanghai_evening) == "valid"  # the last day counts whole
    assert certificates.public_status(cert, shanghai_evening + datetime.timedelta(hours=4)) == "expired"
    assert certificates.public_status(cert, datetime.datetime(2026, 11, 24, 12, tzinfo=datetime.UTC)) == (
        "not_yet_valid"
    )
    assert certificates.public_status(_stand_in("revoked"), shanghai_evening) == "revoked"
    # Datetime bounds (the model's fields) are instants.
    at = datetime.datetime(2026, 12, 1, 0, 0, tzinfo=datetime.UTC)
    timed = _stand_in(valid_from=at, valid_until=at + datetime.timedelta(days=30))
    assert certificates.public_status(timed, at - datetime.timedelta(minutes=1)) == "not_yet_valid"
    assert certificates.public_status(timed, at) == "valid"
    assert certificates.public_status(timed, at + datetime.timedelta(days=30, minutes=1)) == "expired"
    assert certificates.public_status(_stand_in(valid_until=None), at) == "valid"


# With the real models ------------------------------------------------------------------------


_numbers = itertools.count(1)


def _certificate(world, *, firm=None, steps=(), **fields) -> Certificate:
    firm = firm or world.firm_a
    application = ResumptionApplication.objects.create(
        enterprise=firm,
        kind=fields.pop("kind", ApplicationKind.FIRST_RESUMPTION),
        status=ApplicationStatus.APPROVED,
        revision=1,
        created_by=world.users["ent_a"],
    )
    for order, (key, name) in enumerate(steps, start=1):
        ReviewStep.objects.create(
            application=application,
            revision=1,
            order=order,
            key=key,
            name=name,
            participants=["task_force"],
            mode=StepMode.ANY,
            status=StepStatus.PASSED,
        )
    number = next(_numbers)
    values = {
        "application": application,
        "enterprise": firm,
        "number": f"诸暨复工〔2026〕{number:05d}号",
        "kind": application.kind,
        "issued_at": timezone.make_aware(datetime.datetime(2026, 11, 24, 10, 0)),
        "valid_from": timezone.make_aware(datetime.datetime(2026, 11, 25, 0, 0)),
        "valid_until": timezone.make_aware(datetime.datetime(2027, 2, 28, 23, 59, 59)),
        "verify_token": f"real-token-{number:04d}-AbCdEfGhIj",
    }
    values.update(fields)
    return Certificate.objects.create(**values)


N0_STEPS = [
    ("town_check", "属地镇乡核查"),
    ("joint_review", "行业主管部门和卫健局联合审核"),
    ("task_force_approval", "市防疫指挥部批准"),
    ("filed", "报市疫情联防联控指挥部备案"),
]
N1_STEPS = [
    ("development_filing", "区发改局备案"),
    ("onsite_guidance", "教卫健局、应急局、消防大队及属地乡镇实地服务督导"),
    ("reported_to_city", "上报市工信局"),
    ("commitment_signed", "企业出具履行主体责任承诺书"),
]


def test_real_certificate_renders_and_is_saved_as_an_image(world, tmp_path):
    cert = _certificate(world, steps=N0_STEPS, kind=ApplicationKind.KEY_STAFF_PREPARATION)
    pdf = certificates.render_certificate_pdf(Certificate.objects.get(pk=cert.pk))
    text = _pdf_text(pdf, tmp_path)
    for expected in (
        "企业复工复产核准证明",
        cert.number,
        "诸暨暨阳织造有限公司",
        world.firm_a.uscc,
        "诸暨市暨阳街道",
        "关键岗位人员返岗准备",
        "2026年11月25日 至 2027年2月28日",
        "疫情防控工作领导小组",
        "2026年11月24日",
        f"/verify/{cert.verify_token}/",
    ):
        assert expected in text, expected
    # A picture of page 1 for people to look at (var/ is not in git).
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "certificate.pdf"
        source.write_bytes(pdf)
        _run(
            "pdftoppm",
            "-png",
            "-r",
            "110",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(source),
            str(SCREENSHOTS / "certificate"),
        )
    assert (SCREENSHOTS / "certificate.png").stat().st_size > 50_000


def test_issuing_authority_comes_from_the_firms_county(world):
    assert certificates.issuing_authority(world.firm_a) == ZHUJI_TASK_FORCE
    assert certificates.issuing_authority(world.firm_c) == "越城区新型冠状病毒感染的肺炎疫情防控工作领导小组"
    assert certificates.town_label(world.firm_b) == "诸暨市店口镇"
    # A city without counties (东莞市-style) keeps its towns directly below the city.
    city = Region.objects.create(code="4419", name="东莞市", level=RegionLevel.CITY, parent=world.province)
    town = Region.objects.create(code="441900003", name="东城街道", level=RegionLevel.TOWN, parent=city)
    firm = SimpleNamespace(town=town)
    assert certificates.issuing_authority(firm) == "东莞市新型冠状病毒感染的肺炎疫情防控工作领导小组"
    assert certificates.town_label(firm) == "东莞市东城街道"


def test_title_follows_the_chain_the_application_went_through(world):
    approved = _certificate(world, steps=N0_STEPS)
    assert certificates.certificate_title(approved) == certificates.TITLE_APPROVAL
    filed = _certificate(world, firm=world.firm_b, steps=N1_STEPS)
    assert certificates.certificate_title(filed) == certificates.TITLE_FILING
    # 报备即可 (no review chain in the policy) is a filing too.
    unreviewed = _certificate(world, firm=world.firm_c)
    assert certificates.certificate_title(unreviewed) == certificates.TITLE_FILING

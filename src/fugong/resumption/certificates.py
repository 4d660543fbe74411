"""The resumption certificate as a document: its verify link, QR code and A4 PDF (SPEC §4, issue 3).

Everything here reads a certificate through plain attributes (``number``, ``kind``, ``issued_at``,
``valid_from``, ``valid_until``, ``status``, ``revoked_at``, ``verify_token``, ``enterprise`` with
``name``, ``uscc`` and ``town``) and never writes, so the PDF can be rendered again at any time from
the stored row and always shows its current state (a revoked certificate prints with a watermark).
"""

from __future__ import annotations

import datetime

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from fugong.regions.models import RegionLevel
from fugong.resumption.models import CertificateStatus

# What a verifier is told (public page): the stored status plus what today's date makes of it.
PUBLIC_VALID = "valid"
PUBLIC_REVOKED = "revoked"
PUBLIC_EXPIRED = "expired"
PUBLIC_NOT_YET_VALID = "not_yet_valid"

TITLE_APPROVAL = "企业复工复产核准证明"
TITLE_FILING = "复工复产备案证明"

# The issuing body is the epidemic task force of the firm's county (or of a city without counties);
# its name follows the 2020 notices' form, built from the region so that no city is written in code.
AUTHORITY_SUFFIX = "新型冠状病毒感染的肺炎疫情防控工作领导小组"

# ISO 18004 level M survives a scuffed or folded paper copy; the border is the quiet zone scanners need.
QR_ERROR_LEVEL = "m"
QR_BORDER = 4
# 10 px per module: the PDF scales the image to 34 mm, so it stays sharp when printed at 300 dpi.
QR_PNG_SCALE = 10


def verify_url(certificate, base_url: str | None = None) -> str:
    """The absolute public address printed on the certificate and encoded in its QR code: under
    PUBLIC_BASE_URL when the deployment sets one, else under the address the request came to (so a
    demo served on another port prints its own), else the local default."""
    path = reverse("public-verify", args=[certificate.verify_token])
    base = settings.PUBLIC_BASE_URL or base_url or "http://127.0.0.1:8000"
    return base.rstrip("/") + path


def _qr(url: str) -> segno.QRCode:
    # micro=False: Micro QR codes are not read by the phone cameras people actually scan with.
    return segno.make(url, error=QR_ERROR_LEVEL, micro=False, boost_error=False)


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules for ``url`` without the quiet zone (True is dark); tests compare images to it."""
    return [[bool(cell) for cell in row] for row in _qr(url).matrix]


def qr_png_data_uri(url: str) -> str:
    """The QR code as a PNG ``data:`` URI; WeasyPrint embeds it without any file or network access."""
    return _qr(url).png_data_uri(scale=QR_PNG_SCALE, border=QR_BORDER, dark="#000", light="#fff")


def chinese_date(value: datetime.date | datetime.datetime | None) -> str:
    """2026年11月24日 — the date form of official documents (GB/T 9704-2012 uses Arabic numerals)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def _issuing_region(town):
    """The first region at county level or above, walking up from the firm's town.

    Works on model rows and on stand-ins alike because it only follows ``parent``.
    """
    region = town
    while region is not None and region.level > RegionLevel.COUNTY:
        region = region.parent
    return region or town


def issuing_authority(enterprise) -> str:
    """<county>新型冠状病毒感染的肺炎疫情防控工作领导小组 for a firm in any town of that county."""
    region = _issuing_region(enterprise.town)
    return f"{region.name}{AUTHORITY_SUFFIX}" if region is not None else AUTHORITY_SUFFIX


def authority_lines(authority: str) -> list[str]:
    """The signature block's lines: a long task-force name breaks before 疫情防控工作领导小组, as on
    its seal, instead of wherever the line happens to run out."""
    tail = "疫情防控工作领导小组"
    if authority.endswith(tail) and len(authority) > len(tail):
        return [authority[: -len(tail)], tail]
    return [authority]


def town_label(enterprise) -> str:
    """The town with its county (某某市某某街道), as a certificate names a place."""
    town = enterprise.town
    if town is None:
        return ""
    county = _issuing_region(town)
    if county is None or county is town:
        return town.name
    return f"{county.name}{town.name}"


def kind_label(certificate) -> str:
    """The kind as people read it: the choices label (首次复工), or the stored value for a stand-in
    that has no label."""
    display = getattr(certificate, "get_kind_display", None)
    return str(display()) if callable(display) else str(certificate.kind)


# Words of a review step's name (copied from the policy's notice) that make the outcome an approval.
APPROVAL_STEP_WORDS = ("批准", "核准", "审批")


def certificate_title(certificate) -> str:
    """核准证明 when the application's chain had an approving step (such as 防疫指挥部批准), 备案证明
    when it only recorded and guided (a 备案 chain) or the policy files without review.

    Read from the steps copied into the application at submission, so the title follows the policy
    the firm applied under and no city is named in code. A certificate without an application (a
    stand-in) is titled as an approval.
    """
    application = getattr(certificate, "application", None)
    if application is None:
        return TITLE_APPROVAL
    steps = application.steps.filter(revision=application.revision).values_list("key", "name")
    for key, name in steps:
        if "approv" in key or any(word in name for word in APPROVAL_STEP_WORDS):
            return TITLE_APPROVAL
    return TITLE_FILING


def _on_the_timeline(moment: datetime.date | datetime.datetime, now: datetime.datetime):
    """``moment`` and ``now`` made comparable.

    A datetime is an instant and is compared as one; a plain date covers the whole of that day in
    Asia/Shanghai, so a certificate valid until 28 February still verifies on the evening of the 28th.
    """
    if isinstance(moment, datetime.datetime):
        return moment, now
    return moment, timezone.localdate(now)


def public_status(certificate, now: datetime.datetime | None = None) -> str:
    """What the verify page says: revoked wins; otherwise the validity period against the present."""
    if certificate.status == CertificateStatus.REVOKED:
        return PUBLIC_REVOKED
    now = now or timezone.now()
    if certificate.valid_until is not None:
        until, present = _on_the_timeline(certificate.valid_until, now)
        if until < present:
            return PUBLIC_EXPIRED
    if certificate.valid_from is not None:
        start, present = _on_the_timeline(certificate.valid_from, now)
        if start > present:
            return PUBLIC_NOT_YET_VALID
    return PUBLIC_VALID


def certificate_context(
    certificate, *, title: str | None = None, authority: str | None = None, base_url: str | None = None
) -> dict:
    """Everything the PDF template prints, already formatted."""
    enterprise = certificate.enterprise
    url = verify_url(certificate, base_url)
    title = title or certificate_title(certificate)
    authority = authority or issuing_authority(enterprise)
    return {
        "title": title,
        "filing": title == TITLE_FILING,
        "number": certificate.number,
        "firm_name": enterprise.name,
        "uscc": enterprise.uscc,
        "town": town_label(enterprise),
        "kind": kind_label(certificate),
        "valid_from": chinese_date(certificate.valid_from),
        "valid_until": chinese_date(certificate.valid_until),
        "authority": authority,
        "authority_lines": authority_lines(authority),
        "issue_date": chinese_date(certificate.issued_at),
        "revoked": certificate.status == CertificateStatus.REVOKED,
        "revoked_on": chinese_date(getattr(certificate, "revoked_at", None)),
        "verify_url": url,
        "qr_data_uri": qr_png_data_uri(url),
    }


def render_certificate_html(
    certificate, *, title: str | None = None, authority: str | None = None, base_url: str | None = None
) -> str:
    # An official certificate is a Chinese document whatever language the person printing it reads
    # the site in, so labels that come from translated choices (the kind) are taken in Chinese.
    with translation.override("zh-hans"):
        context = certificate_context(certificate, title=title, authority=authority, base_url=base_url)
        return render_to_string("resumption/certificate_pdf.html", context)


def render_certificate_pdf(
    certificate, *, title: str | None = None, authority: str | None = None, base_url: str | None = None
) -> bytes:
    """The certificate as an A4 PDF with the CJK fonts embedded (subset) by WeasyPrint."""
    # Imported here: WeasyPrint loads Pango and fontconfig, which only PDF requests need to pay for.
    from weasyprint import HTML

    html = render_certificate_html(certificate, title=title, authority=authority, base_url=base_url)
    return HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()


def _data_only_fetcher():
    """Only the inline QR image may load: rendering never reaches the network or the file system,
    whatever text a firm put in its name."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # current WeasyPrint: class-based fetchers
        return urls.URLFetcher(allowed_protocols={"data"})

    def fetch(url, *args, **kwargs):  # older WeasyPrint: a plain function
        if not url.startswith("data:"):
            raise ValueError(f"certificate PDF may not load {url!r}")
        return urls.default_url_fetcher(url, *args, **kwargs)

    return fetch


def certificate_filename(certificate) -> str:
    """An ASCII file name (browsers disagree on non-ASCII Content-Disposition) unique per certificate."""
    digits = "".join(ch for ch in certificate.number if ch.isdigit())
    return f"fugong-certificate-{digits or certificate.pk}.pdf"

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fugong.policy.selectors import policy_for
from fugong.policy.services import apply_preset
from fugong.resumption import services
from fugong.resumption.approval import services as approval
from fugong.resumption.attachments import services as attachments
from fugong.resumption.selectors import required_documents, required_sections

PRESET_START = dt.date(2020, 1, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="材料.pdf", body=b""):
    return SimpleUploadedFile(name, PDF + body, content_type="application/pdf")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return settings.MEDIA_ROOT


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs on-commit callbacks (the notifications) as the test's own transaction never commits."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


def use_preset(world, key):
    return apply_preset(world.county, key, effective_from=PRESET_START)


@pytest.fixture
def n0(world):
    return use_preset(world, "N0")


@pytest.fixture
def n1(world):
    return use_preset(world, "N1")


@pytest.fixture
def n2(world):
    return use_preset(world, "N2")


def complete_content(firm, **overrides):
    content = {
        "kind": "first_resumption",
        "planned_start": "2026-03-02 08:00",
        "reason": "订单交付，防控措施已落实",
        "scope_lines": ["织造一车间", "整经车间"],
        "resumption_mode": "closed_in_plant",
        "staff_summary": {
            "total": 100,
            "by_district": {"诸暨市": 90, "越城区": 10},
            "by_control_status": {"precaution": 10, "none": 90},
            "by_commute": {"closed_in_plant": 100},
        },
    }
    content.update(overrides)
    return content


def fill(user, firm, kind="first_resumption", **overrides):
    """A draft of ``firm`` with everything the policy in force requires: sections, documents, commitments."""
    policy = policy_for(firm.town)
    params = policy.parameters
    content = complete_content(firm, kind=kind, **overrides)
    content["plan_sections"] = {
        s: f"{s} 的具体措施，落实到车间班组和责任人" for s in required_sections(params)
    }
    app = services.create_draft(user, firm, content)
    for doc in required_documents(params):
        attachments.add_attachment(user, app, doc, pdf(f"{doc}.pdf", doc.encode()))
    codes = [c.code for c in params.commitments or ()]
    if codes:
        services.affirm_commitments(user, app, codes, firm.legal_representative)
    app.refresh_from_db()
    return app


def submitted(user, firm, **kw):
    app = fill(user, firm, **kw)
    return approval.submit(user, app, app.version)

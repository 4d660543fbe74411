"""Issue 10 item 6 on the resumption pages: a revision diff reads as labelled fields with old and new
values (never a dict), and the priority score is shown only to reviewers, explained by its factors."""

import pytest
from django.urls import reverse

from fugong.resumption import services
from fugong.resumption.approval import services as approval
from fugong.resumption.selectors import diff_content
from tests.resumption.conftest import submitted

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"resumption:{name}", args=args)


def test_diff_names_each_staff_figure_and_shows_choices_by_name():
    before = {
        "kind": "first_resumption",
        "resumption_mode": "closed_in_plant",
        "scope_lines": ["织造一车间"],
        "staff_summary": {"total": 5, "by_commute": {"closed_in_plant": 5}, "buses": {"count": 1}},
    }
    after = {
        "kind": "first_resumption",
        "resumption_mode": "orderly_travel",
        "scope_lines": ["织造一车间", "整经车间"],
        "staff_summary": {"total": 6, "by_commute": {"closed_in_plant": 6}, "buses": {"count": 2}},
    }
    rows = {r["field"]: r for r in diff_content(before, after)}
    mode = rows["resumption_mode"]
    assert (mode["before_text"], mode["after_text"]) == ("封闭驻厂", "有序出行")
    assert mode["after"] == "orderly_travel"  # the API keeps the stored value
    assert rows["scope_lines"]["after_text"] == "织造一车间、整经车间"
    commute = rows["staff_summary.by_commute.closed_in_plant"]
    assert commute["label"].endswith("按通勤方式 · 封闭驻厂")
    assert (commute["before"], commute["after"]) == (5, 6)
    assert rows["staff_summary.buses.count"]["label"].endswith("班车数")
    for row in rows.values():
        assert not isinstance(row["before_text"], (dict, list))
        assert not isinstance(row["after_text"], (dict, list))


def test_revision_diff_page_shows_labels_not_dicts(client, world, n0, on_commit):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    on_commit(approval.decide, u["town_a"], app, "return", "请核对通勤人数", "town_check")
    app.refresh_from_db()
    summary = dict(app.staff_summary)
    summary["by_control_status"] = {"precaution": 20, "none": 80}
    app = services.update_draft(u["ent_a"], app, {"staff_summary": summary}, app.version)
    approval.resubmit(u["ent_a"], app, app.version)

    client.force_login(u["town_a"])
    html = client.get(url("review", app.pk)).content.decode()
    assert 'data-testid="revision-diff"' in html
    assert "按居住地管控状态 · 防范区" in html and "不在管控区域" in html
    assert "{&#x27;" not in html and "{'" not in html and "precaution" not in html


def test_firm_officer_sees_no_priority_score(client, world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    client.force_login(u["ent_a"])
    for page in (url("detail", app.pk), url("index")):
        html = client.get(page).content.decode()
        assert "优先分" not in html and 'data-testid="priority-score"' not in html
        assert str(app.priority_score) not in html or app.priority_score == 0


def test_reviewer_sees_the_score_with_its_factors(client, world, n0):
    u = world.users
    app = submitted(u["ent_a"], world.firm_a)
    app.refresh_from_db()
    assert app.priority_reasons, "the N0 world should give the firm at least one factor"
    client.force_login(u["town_a"])
    detail = client.get(url("review", app.pk)).content.decode()
    assert 'data-testid="priority-score"' in detail
    for reason in app.priority_reasons:
        assert reason["label"] in detail and str(reason["points"]) in detail
    listing = client.get(url("index")).content.decode()
    assert 'data-testid="priority-factors"' in listing
    assert app.priority_reasons[0]["label"] in listing

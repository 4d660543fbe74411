"""Every error answers a Chinese page in the layout with a way back (JSON under /api/), and a scope
refusal cannot be told apart from a missing object."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from fugong.core import errors

MAIN = re.compile(r"<main[^>]*>(.*)</main>", re.S)


def _main(response) -> str:
    return MAIN.search(response.content.decode())[1]


def _assert_error_page(response, status, heading):
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert '<html lang="zh-hans"' in html
    assert f'data-status="{status}"' in html and heading in html
    # a way back: the previous page and home
    assert 'data-testid="error-back"' in html and "返回上一页" in html
    assert 'data-testid="error-home"' in html and "返回首页" in html
    # Django's bare English pages are gone
    for english in ("Not Found", "Forbidden", "Server Error", "Bad Request", "CSRF verification failed"):
        assert english not in html, english
    return html


def test_foreign_firm_is_the_same_404_as_a_missing_one(client, world):
    client.force_login(world.users["outsider"])
    foreign = client.get(reverse("enterprises:detail", args=[world.firm_a.pk]))
    html = _assert_error_page(foreign, 404, "找不到您要的页面")
    assert world.firm_a.name not in html
    assert "不在您的管辖范围内" in html
    # inside the layout: the outsider's menu and name are there
    assert "企业档案" in html and 'data-testid="whoami"' in html
    missing = client.get(reverse("enterprises:detail", args=[999_999]))
    assert missing.status_code == 404
    assert _main(foreign) == _main(missing)


def test_unknown_address_is_the_404_page(client, world):
    client.force_login(world.users["town_a"])
    _assert_error_page(client.get("/no-such-page/"), 404, "找不到您要的页面")


def test_anonymous_404_has_the_layout_without_a_menu(client, db):
    html = _assert_error_page(client.get("/no-such-page/"), 404, "找不到您要的页面")
    assert 'data-testid="whoami"' not in html


def test_forbidden_page(client, world):
    client.force_login(world.users["ent_a"])  # a firm's officer has no audit log
    html = _assert_error_page(client.get(reverse("audit:list")), 403, "您没有权限访问此页面")
    assert "请联系本级专班的系统管理员" in html


def test_back_link_follows_a_referer_from_this_site_only(client, world):
    client.force_login(world.users["ent_a"])
    own = client.get(reverse("audit:list"), HTTP_REFERER="http://testserver/enterprises/")
    assert 'href="http://testserver/enterprises/"' in own.content.decode()
    foreign = client.get(reverse("audit:list"), HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in foreign.content.decode()


@pytest.mark.urls("tests.core_pages.urls")
def test_server_error_page(client, world):
    client.raise_request_exception = False
    client.force_login(world.users["town_a"])
    html = _assert_error_page(client.get("/test-errors/boom/"), 500, "服务器出错了")
    assert "boom" not in html and "Traceback" not in html


@pytest.mark.urls("tests.core_pages.urls")
def test_server_error_page_needs_no_database(client, db, django_db_blocker):
    """The database is gone: the view fails on it, and the 500 page must not reach for it either."""
    client.raise_request_exception = False
    with django_db_blocker.block():
        response = client.get("/test-errors/db-down/")
    _assert_error_page(response, 500, "服务器出错了")


def test_server_error_view_makes_no_query(rf, db, django_assert_num_queries):
    request = rf.get("/somewhere/")
    with django_assert_num_queries(0):
        response = errors.server_error(request)
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()


def test_server_error_falls_back_to_plain_chinese(rf, monkeypatch):
    def broken(name, *args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = errors.server_error(rf.get("/"))
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()


@pytest.mark.urls("tests.core_pages.urls")
def test_bad_request_page(client, world):
    client.force_login(world.users["town_a"])
    _assert_error_page(client.get("/test-errors/bad/"), 400, "请求有误")


def test_csrf_failure_page(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["town_a"])
    response = client.post(reverse("accounts:profile"), {"full_name": "赵敏", "phone": ""})
    html = _assert_error_page(response, 403, "页面已过期，提交未成功")
    assert "刷新页面后重新填写提交" in html
    world.users["town_a"].refresh_from_db()
    assert world.users["town_a"].full_name == "town_a"  # nothing saved


def test_error_pages_in_english(client, world):
    client.force_login(world.users["outsider"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(reverse("enterprises:detail", args=[world.firm_a.pk]))
    assert response.status_code == 404
    assert '<html lang="en"' in response.content.decode()


# The API: the one JSON shape, in Chinese -----------------------------------------------------------


def _api_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()["error"]
    assert re.search(r"[\u4e00-\u9fff]", body["message"]), body
    if code:
        assert body["code"] == code
    return body


def test_api_foreign_object_is_a_chinese_404(api_client, world):
    api_client.force_authenticate(world.users["outsider"])
    foreign = _api_error(api_client.get(f"/api/v1/enterprises/{world.firm_a.pk}/"), 404)
    missing = _api_error(api_client.get("/api/v1/enterprises/999999/"), 404)
    assert foreign == missing


def test_api_unknown_address_is_a_chinese_404(api_client, world):
    api_client.force_authenticate(world.users["town_a"])
    body = _api_error(api_client.get("/api/v1/no-such-endpoint/"), 404, "not_found")
    assert body["message"] == errors.not_found_message()


def test_api_forbidden_and_not_allowed_in_chinese(api_client, world):
    api_client.force_authenticate(world.users["ent_a"])
    _api_error(api_client.get("/api/v1/audit-entries/"), 403)
    api_client.force_authenticate(world.users["task_force"])
    _api_error(api_client.delete("/api/v1/audit-entries/"), 405)


def test_api_anonymous_in_chinese(api_client, db):
    _api_error(api_client.get("/api/v1/enterprises/"), 403)


def test_api_csrf_failure_in_chinese(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["task_force"])
    body = _api_error(client.post("/api/v1/audit-entries/verify/"), 403)
    assert "CSRF" not in body["message"]


@pytest.mark.urls("tests.core_pages.urls")
def test_api_server_error_is_chinese_json(api_client, world):
    api_client.raise_request_exception = False
    api_client.force_authenticate(world.users["town_a"])
    _api_error(api_client.get("/api/v1/test-errors/boom/"), 500, "server_error")

import pytest

from tests.conftest import EXPECTED_FIRMS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "who",
    [
        "task_force",
        "dept_industry",
        "town_a",
        "grid_a",
        "inspector",
        "ent_a",
        "gate_a",
        "employee_a",
        "outsider",
    ],
)
def test_each_role_logs_in_and_sees_its_scope(world, page, login, screenshot, who):
    user = world.users[who]
    login(user.username)
    assert page.get_by_test_id("whoami").inner_text() == user.display_name
    screenshot(f"home-{who}")
    if user.enterprise_id:
        assert page.get_by_test_id("firm-count").count() == 0
        card = page.get_by_test_id("own-firm")
        assert user.enterprise.name in card.inner_text()
        # Only roles that may open the file get the link to it.
        assert card.get_by_role("button").count() == (1 if EXPECTED_FIRMS[who] else 0)
    else:
        assert page.get_by_test_id("firm-count").inner_text() == str(len(EXPECTED_FIRMS[who]))


def test_wrong_password_shows_chinese_error(world, page, login):
    login("town_a", "wrong-password")
    assert "用户名或密码不正确" in page.content()

from django.urls import reverse

from fugong.audit.models import AuditEntry


def test_profile_page_for_everyone_logged_in(client, world):
    client.force_login(world.users["employee_a"])
    response = client.get(reverse("accounts:profile"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "我的账户" in html and "员工" in html and world.firm_a.name in html
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_anonymous_profile_goes_to_login(client, db):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_profile_update_is_audited_and_validated(client, world):
    user = world.users["town_a"]
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"full_name": "赵敏", "phone": "0575-87012345"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.full_name == "赵敏" and user.phone == "0575-87012345"
    entry = AuditEntry.objects.get(action="accounts.user.profile_update")
    assert entry.before == {"full_name": "town_a", "phone": ""}
    bad = client.post(reverse("accounts:profile"), {"full_name": "赵敏", "phone": "abc"})
    assert bad.status_code == 400 and "手机号格式不正确" in bad.content.decode()


def test_password_change(client, world):
    user = world.users["town_b"]
    client.force_login(user)
    page = client.get(reverse("accounts:password_change"))
    assert page.status_code == 200 and "旧密码" in page.content.decode()

    wrong = client.post(
        reverse("accounts:password_change"),
        {"old_password": "nope", "new_password1": "Shaoxing-2021!", "new_password2": "Shaoxing-2021!"},
    )
    assert wrong.status_code == 200 and "旧密码不正确" in wrong.content.decode()

    common = client.post(
        reverse("accounts:password_change"),
        {"old_password": "pass-12345", "new_password1": "password", "new_password2": "password"},
    )
    assert "这个密码太常见了" in common.content.decode()

    done = client.post(
        reverse("accounts:password_change"),
        {"old_password": "pass-12345", "new_password1": "Shaoxing-2021!", "new_password2": "Shaoxing-2021!"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("accounts:profile")
    user.refresh_from_db()
    assert user.check_password("Shaoxing-2021!")
    assert client.get(reverse("accounts:profile")).status_code == 200  # still logged in
    entry = AuditEntry.objects.get(action="accounts.user.password_change")
    assert entry.actor == user and entry.before is None and entry.after is None

from functools import cache

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fugong.accounts.roles import can
from fugong.resumption.notifications import unread_count

# The sidebar's groups, in the order shown; items without a group sit on top (首页, 我的消息).
NAV_GROUPS = [
    ("enterprise", _("企业与复工")),
    ("workforce", _("人员与返岗")),
    ("monitoring", _("日常监测")),
    ("workplace", _("厂区防控")),
    # Inspections, service tickets and surveys (SPEC §9) land here as they are built.
    ("supervision", _("督查与服务")),
    ("reports", _("统计报表")),
    ("system", _("系统")),
]

# At most this many entries show as a row of tabs on a phone instead of behind the menu button.
COMPACT_MENU = 4

# (label, url name, capability, group); the shell shows each user only what their role may do.
NAV_ITEMS = [
    (_("首页"), "home", None, None),
    # The messages of the review workflow: the firm and the reviewers get them.
    (_("我的消息"), "resumption:notifications", "resumption.pages", None),
    (_("企业档案"), "enterprises:list", "enterprise.view", "enterprise"),
    (_("复工申请"), "resumption:index", "resumption.pages", "enterprise"),
    # The town receives the returner lists; the firm files them (same words, each role its own page).
    (_("返岗报备"), "workforce:returns", "workforce.arrivals", "workforce"),
    (_("返岗报备"), "workforce:prereport", "workforce.prereport", "workforce"),
    (_("卡口登记"), "workforce:checkpoint", "workforce.checkpoint", "workforce"),
    # The firm keeps its roster; the town reads the firms' rosters in its scope.
    (_("员工档案"), "workforce:roster", "workforce.status", "workforce"),
    (_("隔离观察"), "workforce:isolation", "workforce.isolation", "workforce"),
    (_("我的健康"), "workforce:me", "workforce.self", "workforce"),
    (_("健康监测"), "monitoring:alerts", "monitoring.alerts", "monitoring"),
    (_("核酸抗原"), "monitoring:tests", "monitoring.tests.view", "monitoring"),
    # The firm's officer hands out check-in links, the QR poster and device tokens.
    (_("打卡链接"), "monitoring:links", "monitoring.links", "monitoring"),
    # The gate keeper's phone page; officers read the firms' gate records.
    (_("疫情处置"), "incidents:board", "incidents.view", "monitoring"),
    (_("门岗登记"), "operations:gate", "gate.record", "monitoring"),
    (_("门岗登记"), "operations:records", "gate.oversee", "monitoring"),
    (_("消杀记录"), "disinfection:index", "disinfection.view", "workplace"),
    (_("防疫物资"), "supplies:index", "supplies.view", "workplace"),
    (_("物资需求"), "supplies:demands", "supplies.demand.handle", "workplace"),
    (_("住宿就餐通勤"), "arrangements:index", "arrangements.view", "workplace"),
    (_("聚集活动"), "gatherings:index", "gatherings.view", "workplace"),
    (_("合规检查"), "compliance:index", "compliance.view", "workplace"),
    (_("风险排序"), "compliance:risk", "compliance.risk", "supervision"),
    (_("责任倒查"), "incidents:reviews", "incidents.review", "supervision"),
    (_("摸排调查"), "surveys:index", "surveys.view", "supervision"),
    (_("摸排调查"), "surveys:mine", "surveys.answer", "supervision"),
    (_("每日汇总"), "reports:daily", "reports.view", "reports"),
    (_("处置时效"), "incidents:timing", "incidents.report", "reports"),
    (_("防控政策"), "policy:index", "policy.view", "system"),
    (_("行政区划"), "regions:tree", "region.view", "system"),
    (_("用户管理"), "accounts:users", "user.manage", "system"),
    (_("审计日志"), "audit:list", "audit.view", "system"),
    # Only roles that call the API (firms' systems, the bureaus' data exchange) get its documentation.
    (_("接口文档"), "api-docs", "api.docs", "system"),
]


def _current(path: str, urls: list[str]) -> str | None:
    """The menu URL the page belongs to: the longest one the path starts with (home only for itself)."""
    matching = [url for url in urls if path == url or (url != "/" and path.startswith(url))]
    return max(matching, key=len, default=None)


def visible_items(user) -> list[dict]:
    """The menu entries the user's role may use, in menu order: {label, url, group, name}."""
    items = []
    for label, name, capability, group in NAV_ITEMS:
        if capability is not None and not can(user, capability):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app that is not wired yet simply has no menu entry
            continue
        items.append({"label": label, "url": url, "group": group, "name": name})
    return items


def unread_counter(request):
    """The user's unread-message count as a callable, counted at most once per request and only when
    something shows it (the menu's badge, the home page's to-do list), not for htmx fragments."""
    counter = getattr(request, "_fugong_unread", None)
    if counter is None:
        user = request.user
        counter = request._fugong_unread = cache(lambda: unread_count(user))
    return counter


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_groups": [], "nav_compact": False}
    items = visible_items(user)
    current = _current(request.path, [item["url"] for item in items])
    for item in items:
        item["active"] = item["url"] == current
        if item["name"] == "resumption:notifications":
            item["badge"] = unread_counter(request)
    groups = [{"key": None, "label": "", "items": [i for i in items if i["group"] is None]}]
    for key, label in NAV_GROUPS:
        members = [i for i in items if i["group"] == key]
        if members:
            groups.append({"key": key, "label": label, "items": members})
    # A role with a handful of entries (an employee, a gate keeper) gets them as tabs on a phone, no drawer.
    return {"nav_items": items, "nav_groups": groups, "nav_compact": len(items) <= COMPACT_MENU}

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fugong.accounts.roles import can

# (label, url name, capability); the shell shows each user only what their role may do.
NAV_ITEMS = [
    (_("首页"), "home", None),
    (_("企业档案"), "enterprises:list", "enterprise.view"),
    (_("行政区划"), "regions:tree", "region.view"),
    (_("防控政策"), "policy:index", "policy.view"),
    (_("复工申请"), "resumption:index", "resumption.pages"),
    # The town receives the returner lists; the firm files them (same words, each role its own page).
    (_("返岗报备"), "workforce:returns", "workforce.arrivals"),
    (_("返岗报备"), "workforce:prereport", "workforce.prereport"),
    (_("卡口登记"), "workforce:checkpoint", "workforce.checkpoint"),
    # The firm keeps its roster; the town reads the firms' rosters in its scope.
    (_("员工档案"), "workforce:roster", "workforce.status"),
    (_("隔离观察"), "workforce:isolation", "workforce.isolation"),
    (_("我的健康"), "workforce:me", "workforce.self"),
    (_("健康监测"), "monitoring:alerts", "monitoring.alerts"),
    (_("核酸抗原"), "monitoring:tests", "monitoring.tests.view"),
    # The firm's officer hands out check-in links, the QR poster and device tokens.
    (_("打卡链接"), "monitoring:links", "monitoring.links"),
    # The gate keeper's phone page; officers read the firms' gate records.
    (_("门岗登记"), "operations:gate", "gate.record"),
    (_("门岗登记"), "operations:records", "gate.oversee"),
    (_("每日汇总"), "reports:daily", "reports.view"),
    (_("用户管理"), "accounts:users", "user.manage"),
    (_("审计日志"), "audit:list", "audit.view"),
    (_("接口文档"), "api-docs", "api.docs"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, name, capability in NAV_ITEMS:
        if capability is not None and not can(user, capability):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # an app that is not wired yet simply has no menu entry
            continue
        items.append(
            {
                "label": label,
                "url": url,
                "active": request.path == url or (url != "/" and request.path.startswith(url)),
            }
        )
    return {"nav_items": items}

"""Words, not codes: the audit log's actions and object types as people say them.

The log stores codes (``resumption.pass``, ``operations.employeeentry``) because they are stable and
hashed; the pages show these names instead. Object types come from the models' ``verbose_name``;
actions from the table below, then from a verb table over a model (``enterprise.zone.create`` →
新增功能分区, ``*.admin_change`` → 后台修改…), and an unknown action still reads as Chinese.
"""

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ACTIONS = {
    # Audit: the entry after which the chain is keyed (migration 0004)
    "audit.hash_upgrade": gettext_lazy("审计链启用密钥"),
    # Accounts
    "accounts.user.create": gettext_lazy("新建用户"),
    "accounts.user.activate": gettext_lazy("启用用户"),
    "accounts.user.deactivate": gettext_lazy("停用用户"),
    "accounts.user.password_change": gettext_lazy("修改密码"),
    "accounts.user.profile_update": gettext_lazy("修改个人信息"),
    "accounts.login.failed": gettext_lazy("登录失败"),
    "accounts.login.locked": gettext_lazy("登录失败过多，已锁定"),
    "accounts.login.otp_failed": gettext_lazy("两步验证码错误"),
    "accounts.otp.enrol": gettext_lazy("启用两步验证"),
    "accounts.otp.disable": gettext_lazy("停用两步验证"),
    "view_personal_data": gettext_lazy("查看未脱敏个人信息"),
    # Enterprises
    "enterprise.create": gettext_lazy("新建企业档案"),
    "enterprise.update": gettext_lazy("修改企业档案"),
    "enterprise.status": gettext_lazy("变更企业状态"),
    "enterprise.import": gettext_lazy("导入企业名录"),
    "enterprise.export": gettext_lazy("导出企业名录"),
    # Regions
    "regions.grid.create": gettext_lazy("新建网格"),
    "regions.load_divisions": gettext_lazy("载入行政区划"),
    # Policy
    "policy.create": gettext_lazy("新建防控政策"),
    "policy.export": gettext_lazy("导出防控政策"),
    "policy.notice.load": gettext_lazy("载入政策文件"),
    "policy.preset.load": gettext_lazy("载入政策预设"),
    "policy.preset.update": gettext_lazy("更新政策预设"),
    "policy.version.create": gettext_lazy("发布政策新版本"),
    "policy.risk_area.create": gettext_lazy("划定风险地区"),
    "policy.risk_area.end": gettext_lazy("解除风险地区"),
    "policy.no_return_area.create": gettext_lazy("划定不得返岗地区"),
    "policy.no_return_area.end": gettext_lazy("解除不得返岗地区"),
    # Resumption
    "resumption.create": gettext_lazy("新建复工申请"),
    "resumption.update": gettext_lazy("修改复工申请"),
    "resumption.submit": gettext_lazy("提交复工申请"),
    "resumption.resubmit": gettext_lazy("重新提交复工申请"),
    "resumption.pass": gettext_lazy("审核通过"),
    "resumption.return": gettext_lazy("退回修改"),
    "resumption.reject": gettext_lazy("不予批准"),
    "resumption.approve": gettext_lazy("批准复工"),
    "resumption.attachment.add": gettext_lazy("上传申请材料"),
    "resumption.attachment.remove": gettext_lazy("删除申请材料"),
    "resumption.commitment.affirm": gettext_lazy("签署承诺"),
    "resumption.batch.create": gettext_lazy("新建审批批次"),
    "resumption.batch.release": gettext_lazy("发布审批批次"),
    "resumption.certificate.issue": gettext_lazy("发放复工证明"),
    "resumption.certificate.revoke": gettext_lazy("撤销复工证明"),
    "resumption.early_start": gettext_lazy("准予提前复工"),
    # Workforce
    "workforce.register": gettext_lazy("登记员工"),
    "workforce.update": gettext_lazy("修改员工档案"),
    "workforce.roster_import": gettext_lazy("导入员工名册"),
    "workforce.roster_export": gettext_lazy("导出员工名册"),
    "workforce.statistics_export": gettext_lazy("导出返岗员工统计"),
    "workforce.link_account": gettext_lazy("关联员工账号"),
    "workforce.travel": gettext_lazy("登记行程"),
    "workforce.evaluate": gettext_lazy("判定返岗条件"),
    "workforce.status": gettext_lazy("变更返岗状态"),
    "workforce.release_date": gettext_lazy("确定解除观察日期"),
    "workforce.pre_report": gettext_lazy("提前报备返岗人员"),
    "workforce.arrival.record": gettext_lazy("卡口登记到达"),
    "workforce.arrival.match": gettext_lazy("匹配到达记录"),
    "workforce.arrival.resolve": gettext_lazy("处理到达记录"),
    "workforce.episode.start": gettext_lazy("开始隔离观察"),
    "workforce.episode.extend": gettext_lazy("延长隔离观察"),
    "workforce.episode.end": gettext_lazy("结束隔离观察"),
    "workforce.episode.release": gettext_lazy("解除隔离观察"),
    # Monitoring
    "monitoring.checkin.link": gettext_lazy("健康打卡（个人链接）"),
    "monitoring.checkin.qr": gettext_lazy("健康打卡（扫码）"),
    "monitoring.bulk": gettext_lazy("批量录入健康打卡"),
    "monitoring.shift_sheet_export": gettext_lazy("下载体温登记表（预填在岗人员）"),
    "monitoring.alert": gettext_lazy("发出健康预警"),
    "monitoring.alert.acknowledge": gettext_lazy("响应预警"),
    "monitoring.alert.close": gettext_lazy("关闭预警"),
    "monitoring.test": gettext_lazy("录入检测结果"),
    "monitoring.tests.bulk": gettext_lazy("批量录入检测结果"),
    "monitoring.device.issue": gettext_lazy("发放设备令牌"),
    "monitoring.device.revoke": gettext_lazy("吊销设备令牌"),
    "monitoring.link.issue": gettext_lazy("发放打卡链接"),
    "monitoring.link.issue_all": gettext_lazy("批量发放打卡链接"),
    "monitoring.link.regenerate": gettext_lazy("重新生成打卡链接"),
    "monitoring.link.revoke": gettext_lazy("收回打卡链接"),
    "monitoring.qr.locked": gettext_lazy("扫码打卡失败过多，已锁定"),
    # The gate
    "operations.entry.allow": gettext_lazy("门岗放行员工"),
    "operations.entry.refuse": gettext_lazy("门岗拒绝员工入场"),
    "operations.visitor.allow": gettext_lazy("门岗放行访客"),
    "operations.visitor.refuse": gettext_lazy("门岗拒绝访客"),
    "operations.visitor.leave": gettext_lazy("访客离开"),
    "operations.vehicle.allow": gettext_lazy("门岗放行车辆"),
    "operations.vehicle.refuse": gettext_lazy("门岗拒绝车辆"),
    # Daily reports
    "reports.confirm": gettext_lazy("确认每日汇总"),
    "reports.reopen": gettext_lazy("退回每日汇总"),
    "reports.export": gettext_lazy("导出每日汇总"),
    # Workplace operations (issue 12)
    "disinfection.record.create": gettext_lazy("登记消杀"),
    "disinfection.schedule.set": gettext_lazy("设置消杀完成时限"),
    "disinfection.schedule.clear": gettext_lazy("取消消杀完成时限"),
    "disinfection.exemption.set": gettext_lazy("登记本企业无此消杀区域"),
    "disinfection.exemption.clear": gettext_lazy("取消无此消杀区域"),
    "disinfection.export": gettext_lazy("导出消杀记录"),
    "supplies.export": gettext_lazy("导出物资出入库记录"),
    "supplies.demand.submit": gettext_lazy("提出防疫物资需求"),
    "supplies.demand.escalate": gettext_lazy("物资需求上报专班"),
    "supplies.demand.answer": gettext_lazy("答复物资需求"),
    "supplies.demand.withdraw": gettext_lazy("撤回物资需求"),
    "arrangements.assignment.replace": gettext_lazy("调整人员安排"),
    "arrangements.assignment.end": gettext_lazy("结束人员安排"),
    "arrangements.assignment.bulk_sync": gettext_lazy("按花名册同步人员安排"),
    "gatherings.gathering.record": gettext_lazy("登记聚集性活动"),
    "gatherings.gathering.approve": gettext_lazy("批准聚集性活动"),
    "gatherings.gathering.reject": gettext_lazy("不批准聚集性活动"),
    "gatherings.gathering.cancel": gettext_lazy("取消聚集性活动"),
    "compliance.answer.verify": gettext_lazy("核查企业自查结果"),
    "surveys.campaign.create": gettext_lazy("新建摸排调查"),
    "surveys.campaign.update": gettext_lazy("修改摸排调查"),
    "surveys.campaign.send": gettext_lazy("下发摸排调查"),
    "surveys.campaign.remind": gettext_lazy("催报摸排调查"),
    "surveys.campaign.close": gettext_lazy("结束摸排调查"),
    "surveys.export": gettext_lazy("导出摸排结果"),
    "surveys.response.submit": gettext_lazy("填报摸排调查"),
    "incidents.incident.open": gettext_lazy("疫情处置立案"),
    "incidents.incident.close": gettext_lazy("疫情处置结案"),
    "incidents.step.complete": gettext_lazy("完成处置步骤"),
    "incidents.step.skip": gettext_lazy("跳过处置步骤"),
    "incidents.contacts.confirm": gettext_lazy("确认密切接触者"),
    "incidents.contacts.dismiss": gettext_lazy("排除密切接触者"),
    "incidents.notice.deliver": gettext_lazy("送达隔离观察通知书"),
    "incidents.notices.pdf": gettext_lazy("导出隔离观察通知书"),
    "incidents.review.open": gettext_lazy("启动责任倒查"),
    "incidents.review.conclude": gettext_lazy("作出责任倒查结论"),
    "incidents.seal.lift": gettext_lazy("解除停工封闭"),
    "incidents.timing.export": gettext_lazy("导出处置时效"),
    "workforce.episode.place": gettext_lazy("安排隔离地点"),
    # Demo
    "demo.load_city": gettext_lazy("载入演示数据"),
}

# The last part of an action code, said of the object type it follows (``%(what)s``).
VERBS = {
    "create": gettext_lazy("新增%(what)s"),
    "update": gettext_lazy("修改%(what)s"),
    "delete": gettext_lazy("删除%(what)s"),
    "admin_create": gettext_lazy("后台新增%(what)s"),
    "admin_change": gettext_lazy("后台修改%(what)s"),
    "admin_delete": gettext_lazy("后台删除%(what)s"),
    "import": gettext_lazy("导入%(what)s"),
    "export": gettext_lazy("导出%(what)s"),
    "revoke": gettext_lazy("撤销%(what)s"),
    "issue": gettext_lazy("发放%(what)s"),
}

# Short app names in action codes ("enterprise.zone.create") and the app labels they stand for.
APP_ALIASES = {"enterprise": "enterprises", "region": "regions"}


def _model(label: str):
    """The model for ``app.model`` (or a short alias such as ``enterprise.zone``), else None."""
    if label.count(".") != 1:
        return None
    app_label, model_name = label.split(".")
    for app in (app_label, APP_ALIASES.get(app_label, app_label)):
        try:
            return apps.get_model(app, model_name)
        except (LookupError, ValueError):
            continue
    return None


def object_type_label(object_type: str) -> str:
    """``operations.employeeentry`` → 员工进出记录; empty as "—", unknown as 其他对象."""
    if not object_type:
        return "—"
    model = _model(object_type)
    if model is None:
        return _("其他对象")
    return str(model._meta.verbose_name)


def action_label(action: str) -> str:
    """``resumption.pass`` → 审核通过; composed from a verb and a model where the table has no entry."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    head, _dot, verb = action.rpartition(".")
    model = _model(head) if head else None
    if model is not None:
        what = str(model._meta.verbose_name)
        if verb in VERBS:
            return str(VERBS[verb]) % {"what": what}
        return _("%(what)s的其他操作") % {"what": what}
    return _("其他操作")


def is_known_action(action: str) -> bool:
    """Whether ``action_label`` gives this action a name of its own rather than the generic one."""
    head, _dot, verb = action.rpartition(".")
    return action in ACTIONS or (verb in VERBS and _model(head) is not None)


def action_choices(actions) -> list[tuple[str, str]]:
    """``(code, name)`` pairs for a filter, sorted by the name people read."""
    return sorted(((code, action_label(code)) for code in actions), key=lambda pair: (pair[1], pair[0]))


def object_type_choices(object_types) -> list[tuple[str, str]]:
    return sorted(
        ((code, object_type_label(code)) for code in object_types if code),
        key=lambda pair: (pair[1], pair[0]),
    )


# Keys that entries write beside a model's own fields (counts, addresses, filters …): the detail page
# names them like fields. A model field's verbose_name wins over these.
KEY_LABELS = {
    "firms_created": gettext_lazy("新建企业数"),
    "size": gettext_lazy("规模"),
    "seed": gettext_lazy("随机种子"),
    "ip": gettext_lazy("来源地址"),
    "by": gettext_lazy("依据"),
    "window_seconds": gettext_lazy("统计时长（秒）"),
    "count": gettext_lazy("数量"),
    "rows": gettext_lazy("行数"),
    "filters": gettext_lazy("筛选条件"),
    # An export (audit.services.record_export): what the file holds, within which scope.
    "what": gettext_lazy("导出内容"),
    "scope": gettext_lazy("可见范围"),
    "towns": gettext_lazy("镇街数"),
    "unmasked": gettext_lazy("含完整身份证号"),
    "names": gettext_lazy("名称"),
    "fields": gettext_lazy("字段"),
    "problems": gettext_lazy("问题"),
    "passed": gettext_lazy("是否通过"),
    "rounds_due": gettext_lazy("应完成轮次"),
    "stored": gettext_lazy("已保存"),
    "value": gettext_lazy("取值"),
    "reason": gettext_lazy("原因"),
    "note": gettext_lazy("说明"),
    "source": gettext_lazy("来源"),
    "legacy_rows": gettext_lazy("启用密钥前的记录数"),
    "legacy_head": gettext_lazy("启用密钥前的末条哈希"),
    "username": gettext_lazy("用户名"),
    "path": gettext_lazy("页面"),
    "attachment": gettext_lazy("附件"),
    "isolation": gettext_lazy("隔离"),
    "release_note": gettext_lazy("解除说明"),
}


def key_label(key: str) -> str:
    label = KEY_LABELS.get(key)
    return str(label) if label is not None else key

"""Serving a gathering's prevention plan, on its page and in the API alike. A file gone from the media
root is logged for the administrators and answered with a 404 that says what to do, not a 500."""

import logging

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def plan_response(gathering) -> FileResponse:
    if not gathering.plan:
        raise Http404(_("该活动没有上传防控方案。"))
    try:
        handle = gathering.plan.open("rb")
    except (OSError, ValueError) as exc:
        logger.error("gathering %s: plan file %r cannot be read: %s", gathering.pk, gathering.plan.name, exc)
        raise Http404(
            _("防控方案「%(name)s」的文件在服务器上找不到，错误已记录；请联系系统管理员，或请企业重新上传。")
            % {"name": gathering.plan_name}
        ) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=gathering.plan_name or "plan",
        content_type=gathering.plan_content_type or "application/octet-stream",
    )

"""Serving a stored attachment, on its page and in the API alike.

A file that has gone from the media root (a lost volume, a restore without the media, a hand-deleted
file) is the server's problem, not the reader's: it is logged as an error for the administrators and the
reader gets a 404 that says which file is missing and what to do, instead of a 500.
"""

import logging

from django.http import FileResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class AttachmentFileMissing(Exception):
    def __init__(self, attachment):
        self.attachment = attachment
        self.message = _(
            "附件「%(name)s」的文件在服务器上找不到，无法下载。错误已记录；请联系系统管理员，"
            "或请企业重新上传该材料。"
        ) % {"name": attachment.original_name}
        super().__init__(self.message)


def attachment_response(attachment) -> FileResponse:
    """The stored file as a download; ``AttachmentFileMissing`` (logged) when it cannot be read."""
    try:
        handle = attachment.file.open("rb")
    except (OSError, ValueError) as exc:  # gone, unreadable, or no file name at all
        logger.error(
            "attachment %s of application %s: stored file %r cannot be read: %s",
            attachment.pk,
            attachment.application_id,
            attachment.file.name,
            exc,
        )
        raise AttachmentFileMissing(attachment) from exc
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )

"""The documents of a resumption application (SPEC §4): what may be uploaded, and adding one to or
taking one out of an application the firm may still change."""

import hashlib
import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from fugong.audit.services import record
from fugong.resumption import selectors
from fugong.resumption.models import Attachment
from fugong.resumption.services import _check_editable, _check_own_firm, _lock, _now, _policy

ALLOWED_EXTENSIONS = ("pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx")
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
# The first bytes each allowed kind of file starts with: a renamed .exe is refused, not stored.
_MAGIC = {
    "pdf": (b"%PDF",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _extension(name: str) -> str:
    suffix = PurePath(name or "").suffix.lower().lstrip(".")
    return suffix


def validate_upload(doc_type: str, upload, types: dict[str, str]) -> tuple[str, bytes]:
    """(extension, content) of an acceptable upload; ValidationError naming the rule otherwise.
    ``types`` are the document types the policy in force names (``selectors.document_types``)."""
    errors: dict[str, list[str]] = {}
    if doc_type not in types:
        errors["doc_type"] = [_("材料类型无效，可选：%(opts)s") % {"opts": "、".join(types.values())}]
    name = getattr(upload, "name", "") or ""
    ext = _extension(name)
    if upload is None:
        errors["file"] = [_("请选择要上传的文件")]
    elif ext not in ALLOWED_EXTENSIONS:
        errors["file"] = [
            _("文件「%(name)s」的类型不允许上传，只接受：%(exts)s")
            % {"name": name, "exts": "、".join(ALLOWED_EXTENSIONS)}
        ]
    elif upload.size > MAX_ATTACHMENT_BYTES:
        errors["file"] = [
            _("文件「%(name)s」大小为%(size).1fMB，超过%(max)dMB的上限")
            % {"name": name, "size": upload.size / 1024 / 1024, "max": MAX_ATTACHMENT_BYTES // 1024 // 1024}
        ]
    elif upload.size == 0:
        errors["file"] = [_("文件「%(name)s」是空文件") % {"name": name}]
    if errors:
        raise ValidationError(errors)
    upload.seek(0)
    content = upload.read()
    if not content.startswith(_MAGIC[ext]):
        raise ValidationError(
            {
                "file": [
                    _("文件「%(name)s」的内容与扩展名.%(ext)s不符，请上传原始文件")
                    % {"name": name, "ext": ext}
                ]
            }
        )
    return ext, content


def add_attachment(actor, application, doc_type: str, upload) -> Attachment:
    """Store one document. Uploading the same file for the same type again returns the first one."""
    _check_own_firm(actor, application.enterprise)
    types = selectors.document_types(_policy(application).parameters)
    ext, content = validate_upload(doc_type, upload, types)
    digest = hashlib.sha256(content).hexdigest()
    original = PurePath(upload.name).name[:255]
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        same = locked.attachments.filter(doc_type=doc_type, sha256=digest, removed_at__isnull=True).first()
        if same is not None:
            return same
        attachment = Attachment(
            application=locked,
            doc_type=doc_type,
            doc_type_name=types[doc_type],
            original_name=original,
            size=len(content),
            content_type=_CONTENT_TYPES[ext],
            sha256=digest,
            uploaded_by=actor,
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{ext}", ContentFile(content), save=False)
        attachment.save()
        record(
            actor,
            "resumption.attachment.add",
            locked,
            after={
                "attachment": attachment.pk,
                "doc_type": doc_type,
                "name": original,
                "size": len(content),
                "sha256": digest,
            },
        )
    return attachment


def remove_attachment(actor, attachment) -> Attachment:
    """Take a document out of the application; the file stays for the revisions that cite it."""
    application = attachment.application
    _check_own_firm(actor, application.enterprise)
    with transaction.atomic():
        locked = _lock(application)
        _check_editable(locked)
        current = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if current.removed_at is not None:
            return current
        current.removed_at = _now()
        current.save(update_fields=["removed_at"])
        record(
            actor,
            "resumption.attachment.remove",
            locked,
            before={"attachment": current.pk, "doc_type": current.doc_type, "name": current.original_name},
        )
    return current

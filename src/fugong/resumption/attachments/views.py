"""The documents page of a resumption application: the firm uploads and removes, everyone in scope
downloads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.roles import can, require
from fugong.resumption import selectors
from fugong.resumption.attachments import services
from fugong.resumption.downloads import AttachmentFileMissing, attachment_response
from fugong.resumption.forms import AttachmentsForm
from fugong.resumption.models import Attachment
from fugong.resumption.views import _application, _own_application, _policy


def _store_all(user, application, form) -> list[Attachment] | None:
    """Every file of the form, or none: a refusal of any one takes back those stored before it."""
    stored: list[Attachment] = []
    current = ""
    try:
        with transaction.atomic():
            for code, upload in form.uploads():
                current = code
                stored.append(services.add_attachment(user, application, code, upload))
    except ValidationError as exc:
        for attachment in stored:
            if not Attachment.objects.filter(pk=attachment.pk).exists():
                attachment.file.delete(save=False)
        form.add_service_errors(current, exc)
        return None
    return stored


@login_required
def attachments(request, pk: int):
    user = request.user
    application = _application(user, pk)
    is_applicant = can(user, "resumption.apply")
    policy = _policy(application)
    types = selectors.document_types(policy.parameters) if policy else {}
    posted = request.method == "POST"
    form = (
        AttachmentsForm(request.POST if posted else None, request.FILES if posted else None, types=types)
        if is_applicant
        else None
    )
    if request.method == "POST":
        require(user, "resumption.apply")
        stored = _store_all(user, application, form) if form.is_valid() else None
        if stored is not None:
            messages.success(
                request,
                _("已上传%(n)d份材料：%(names)s")
                % {
                    "n": len(stored),
                    "names": "、".join(f"{a.get_doc_type_display()}（{a.original_name}）" for a in stored),
                },
            )
            target = reverse("resumption:attachments", args=[application.pk])
            if request.headers.get("x-requested-with") == "XMLHttpRequest":
                # upload.js sent it: it goes to the page itself, where the message waits.
                return JsonResponse({"redirect": target})
            return redirect(target)
    rows = list(selectors.active_attachments(application).select_related("uploaded_by"))
    present = {a.doc_type for a in rows}
    required = selectors.required_documents(policy.parameters) if policy else []
    context = {
        "application": application,
        "firm": application.enterprise,
        "form": form,
        "editable": is_applicant and application.is_editable,
        "rows": rows,
        "required": [(d, types.get(d, d), d in present) for d in required],
        "required_codes": set(required) - present,
        "required_source": policy.cite("required_application_documents") if required else "",
        "missing_count": sum(1 for d in required if d not in present),
        "max_bytes": services.MAX_ATTACHMENT_BYTES,
        "extensions": services.ALLOWED_EXTENSIONS,
    }
    return render(
        request, "resumption/attachments.html", context, status=400 if form and form.errors else 200
    )


@login_required
@require_POST
def remove_attachment(request, pk: int, attachment_id: int):
    user = request.user
    application = _own_application(user, pk)
    attachment = application.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        services.remove_attachment(user, attachment)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已移除：%(name)s") % {"name": attachment.original_name})
    return redirect("resumption:attachments", pk=application.pk)


@login_required
def download_attachment(request, pk: int, attachment_id: int):
    application = _application(request.user, pk)
    # Removed files too: an earlier revision was reviewed with them and still lists them.
    attachment = Attachment.objects.filter(application=application, pk=attachment_id).first()
    if attachment is None:
        raise Http404
    try:
        return attachment_response(attachment)
    except AttachmentFileMissing as exc:
        context = {"application": application, "message": exc.message}
        return render(request, "resumption/attachment_missing.html", context, status=404)

"""The notices (隔离观察通知书) and responsibility review (责任倒查) pages. Thin: every read goes through
``visible_to`` (a foreign object is a 404), every change through one service call. The verify page is
public: whoever holds the token printed on the notice sees the masked name, status and period only."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from fugong.accounts.roles import can, require
from fugong.audit.services import record_export
from fugong.core.scoping import get_visible_or_404
from fugong.incidents import reviews
from fugong.incidents.models import Contact, ContactStatus, Incident, IncidentStatus
from fugong.incidents.notices import services as notices
from fugong.monitoring.access.services import mask_name


def _url(name, *args) -> str:
    """A link to another part's page; empty until that part defines it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


# -- notices --------------------------------------------------------------------------------------------


@login_required
def notice_list(request, pk: int):
    user = request.user
    require(user, "incidents.view")
    incident = get_visible_or_404(Incident.objects.select_related("enterprise"), user, pk=pk)
    contacts = list(notices.printable(Contact.objects.filter(incident=incident)))
    rows = [
        {
            "contact": c,
            "person": notices.person_of(c),
            "reasons": notices.reasons_text(c),
            "start": notices.period(c)[0],
            "end": notices.period(c)[1],
            "delivery": notices.DeliveryMethod(c.notice_delivery).label if c.notice_delivery else "",
        }
        for c in contacts
    ]
    context = {
        "incident": incident,
        "rows": rows,
        "summary": notices.delivery_summary(incident),
        "may_deliver": can(user, "incidents.handle") and incident.status == IncidentStatus.OPEN,
        "methods": notices.DeliveryMethod.choices,
        "detail_url": _url("incidents:detail", incident.pk),
        "contacts_url": _url("incidents:contacts", incident.pk),
    }
    return render(request, "incidents/notices_list.html", context)


@login_required
@require_POST
def notice_deliver(request, pk: int):
    user = request.user
    require(user, "incidents.handle")
    incident = get_visible_or_404(Incident, user, pk=pk)
    ids = [int(v) for v in request.POST.getlist("contact") if v.isdigit()]
    chosen = list(Contact.objects.visible_to(user).filter(incident=incident, pk__in=ids))
    try:
        done = notices.record_delivery(user, chosen, request.POST.get("method", ""))
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("已记录%(n)d人的送达情况。") % {"n": len(done)})
    return redirect("incidents:notices", pk=incident.pk)


@login_required
@require_safe
def notice_pdf(request, pk: int):
    contact = get_object_or_404(
        Contact.objects.select_related("incident__enterprise__town", "employee", "visitor", "episode"),
        pk=pk,
        status=ContactStatus.CONFIRMED,
    )
    if not notices.may_read_notice(request.user, contact):
        raise Http404
    pdf = notices.render_notices_pdf([contact], base_url=_base_url(request))
    return _pdf(pdf, f"fugong-notice-{contact.pk}.pdf")


@login_required
@require_safe
def notices_pdf(request, pk: int):
    user = request.user
    require(user, "incidents.view")
    incident = get_visible_or_404(Incident, user, pk=pk)
    contacts = list(notices.printable(Contact.objects.visible_to(user).filter(incident=incident)))
    if not contacts:
        messages.error(request, _("尚无已确认的密切接触者，没有可打印的通知书。"))
        return redirect("incidents:notices", pk=incident.pk)
    pdf = notices.render_notices_pdf(contacts, base_url=_base_url(request))
    # The merged file lists named people: downloading it is logged like any export of people.
    record_export(
        user, "incidents.notices.pdf", _("隔离观察通知书"), None, len(contacts), target=incident.enterprise
    )
    return _pdf(pdf, f"fugong-notices-{incident.pk}.pdf")


# never_cache: a release or withdrawal must show at the next scan.
@never_cache
@require_safe
def notice_verify(request, token: str):
    contact = notices.find_by_token(token)
    if contact is None:
        response = render(request, "incidents/notices_verify.html", {"found": False}, status=404)
    else:
        person = notices.person_of(contact)
        status = notices.public_status(contact)
        start, end = notices.period(contact)
        context = {
            "found": True,
            "masked_name": mask_name(person.name if person else ""),
            "status": status,
            "status_label": notices.PublicStatus(status).label,
            "start": start,
            "end": end,
            "checked_at": timezone.localtime(),
        }
        response = render(request, "incidents/notices_verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# -- responsibility reviews -----------------------------------------------------------------------------


class OpenReviewForm(forms.Form):
    incident = forms.ModelChoiceField(queryset=Incident.objects.none(), label=gettext_lazy("疫情处置事件"))
    subjects = forms.CharField(label=gettext_lazy("被倒查对象"), max_length=500)
    grounds = forms.CharField(
        label=gettext_lazy("启动原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    found_outside_isolation = forms.BooleanField(
        label=gettext_lazy("确认：该确诊病例系在居家隔离或集中隔离以外发现"), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incident"].queryset = Incident.objects.visible_to(user).select_related("enterprise")
        self.fields["incident"].label_from_instance = lambda i: (
            f"{i.enterprise.name} · {timezone.localtime(i.opened_at):%Y年%m月%d日}"
        )


class ConcludeForm(forms.Form):
    findings = forms.CharField(label=gettext_lazy("调查情况"), widget=forms.Textarea(attrs={"rows": 5}))
    outcome = forms.CharField(
        label=gettext_lazy("处理结论"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


def _add_errors(form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for name, items in exc.message_dict.items():
        target = name if name in form.fields and not form.fields[name].widget.is_hidden else None
        for message in items:
            if target:
                message = message.removeprefix(f"{form.fields[name].label}：")
            form.add_error(target, message)


@login_required
def review_list(request):
    user = request.user
    if not (can(user, "incidents.view") or can(user, "incidents.review")):
        raise PermissionDenied
    may_open = can(user, "incidents.review")
    form = None
    if may_open:
        form = OpenReviewForm(request.POST or None, user=user)
        if request.method == "POST":
            form.is_valid()
            incident = form.cleaned_data.get("incident")
            if incident is None:
                form.add_error(None, _("疫情处置事件：请选择"))
            else:
                try:
                    review = reviews.open_review(
                        user,
                        incident,
                        subjects=form.data.get("subjects", ""),
                        grounds=form.data.get("grounds", ""),
                        found_outside_isolation=bool(form.cleaned_data.get("found_outside_isolation")),
                    )
                except PermissionDenied as exc:
                    raise Http404 from exc
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    messages.success(request, _("已启动责任倒查。"))
                    return redirect("incidents:review", pk=review.pk)
    elif request.method == "POST":
        raise PermissionDenied
    rows = list(reviews.visible(user)[:200])
    context = {"rows": rows, "form": form, "may_open": may_open}
    return render(
        request, "incidents/reviews_list.html", context, status=400 if form and form.errors else 200
    )


@login_required
def review_detail(request, pk: int):
    user = request.user
    if not (can(user, "incidents.view") or can(user, "incidents.review")):
        raise PermissionDenied
    review = get_visible_or_404(reviews.visible(user), user, pk=pk)
    may_conclude = can(user, "incidents.review") and review.status == "open"
    form = None
    if may_conclude:
        form = ConcludeForm(request.POST or None, initial={"version": review.version})
        if request.method == "POST":
            form.is_valid()
            try:
                reviews.conclude(
                    user,
                    review,
                    findings=form.data.get("findings", ""),
                    outcome=form.data.get("outcome", ""),
                    expected_version=form.data.get("version"),
                )
            except reviews.ReviewConflict as exc:
                messages.error(request, exc.message)
                return redirect("incidents:review", pk=pk)
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("已作出责任倒查结论。"))
                return redirect("incidents:review", pk=pk)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "review": review,
        "form": form,
        "incident_url": _url("incidents:detail", review.incident_id),
    }
    return render(
        request, "incidents/reviews_detail.html", context, status=400 if form and form.errors else 200
    )

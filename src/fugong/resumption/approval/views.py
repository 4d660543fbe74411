"""The reviewers' and the task force's acts from the application page: a decision on the active step
(confirmed after being told what it will do), early start, and the certificate's PDF and revocation."""

from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fugong.accounts.roles import require
from fugong.core.scoping import get_visible_or_404
from fugong.enterprises.models import EnterpriseStatus
from fugong.policy.parameters import participant_label
from fugong.resumption import selectors
from fugong.resumption.approval import services
from fugong.resumption.certificates import certificate_filename, render_certificate_pdf
from fugong.resumption.forms import DecisionForm, ReasonForm
from fugong.resumption.models import Decision, ReviewStep
from fugong.resumption.services import ResumptionConflict
from fugong.resumption.views import _acting_tokens, _application, _back, _detail_context


def _consequence(application, step, tokens, decision) -> str:
    """What the decision will do, in the words the confirmation shows before it is sent."""
    if decision == Decision.RETURN:
        return _("退回后申请回到企业修改，本次审核到此结束；企业修改后重新提交，将重新进入审核。")
    if decision == Decision.REJECT:
        return _("不予批准后本申请即办结，企业不能再修改或重新提交本申请，须另行提出新的申请。")
    others = [t for t in step.pending_participants if t not in tokens[:1]]
    if step.mode == "all" and others:
        return _("本环节为联合审核：您通过后，尚待%(rest)s审核。") % {
            "rest": "、".join(participant_label(t) for t in others)
        }
    following = (
        ReviewStep.objects.filter(
            application=application, revision=application.revision, order__gt=step.order
        )
        .order_by("order")
        .first()
    )
    if following is not None:
        return _("通过后申请进入「%(next)s」环节。") % {"next": following.name}
    target = EnterpriseStatus(services._target_status(application)).label
    return _("这是最后一个审核环节：通过后申请即获批准，系统签发复工证明，企业状态变为「%(status)s」。") % {
        "status": target
    }


@login_required
@require_POST
def decide(request, pk: int):
    user = request.user
    application = _application(user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid() and request.POST.get("back"):
        # Back from the confirmation to the review page, with what the reviewer wrote.
        fresh = DecisionForm(
            initial={
                "expected_step_key": form.cleaned_data["expected_step_key"],
                "reasons": form.cleaned_data["reasons"],
            }
        )
        return render(
            request, "resumption/detail.html", _detail_context(request, application, decision_form=fresh)
        )
    step, tokens = _acting_tokens(user, application)
    if form.is_valid() and not form.cleaned_data["confirm"] and step is not None and tokens:
        if step.key != form.cleaned_data["expected_step_key"]:
            messages.error(
                request,
                services._conflict_on_step(application, form.cleaned_data["expected_step_key"]).message,
            )
            return _back(application)
        decision = form.cleaned_data["decision"]
        context = {
            "application": application,
            "firm": application.enterprise,
            "step": step,
            "decision": decision,
            "decision_label": Decision(decision).label,
            "reasons": form.cleaned_data["reasons"],
            "consequence": _consequence(application, step, tokens, decision),
            "expected_step_key": step.key,
        }
        return render(request, "resumption/confirm_decision.html", context)
    if form.is_valid():
        try:
            services.decide(
                user,
                application,
                form.cleaned_data["decision"],
                form.cleaned_data["reasons"],
                form.cleaned_data["expected_step_key"],
            )
        except ResumptionConflict as exc:
            messages.error(request, exc.message)
            return _back(application)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            label = Decision(form.cleaned_data["decision"]).label
            messages.success(request, _("已提交审核意见：%(decision)s") % {"decision": label})
            # The reviewer's own queue is where the next firm waits.
            return redirect("resumption:index")
    application.refresh_from_db()
    context = _detail_context(request, application, decision_form=form)
    return render(request, "resumption/detail.html", context, status=400)


@login_required
@require_POST
def early_start(request, pk: int):
    user = request.user
    require(user, "resumption.early_start")
    application = _application(user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.grant_early_start(user, application, form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("已批准提前复工。"))
            return _back(application)
    context = _detail_context(request, application, early_start_form=form)
    return render(request, "resumption/detail.html", context, status=400)


@login_required
def certificate_pdf(request, pk: int):
    user = request.user
    require(user, "resumption.view")
    certificate = get_visible_or_404(selectors.certificates_visible_to(user), user, pk=pk)
    return FileResponse(
        BytesIO(render_certificate_pdf(certificate, base_url=request.build_absolute_uri("/"))),
        as_attachment=False,
        filename=certificate_filename(certificate),
        content_type="application/pdf",
    )


@login_required
@require_POST
def revoke_certificate(request, pk: int):
    user = request.user
    require(user, "resumption.certificate.revoke")
    certificate = get_visible_or_404(selectors.certificates_visible_to(user), user, pk=pk)
    application = certificate.application
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.revoke_certificate(user, certificate, form.cleaned_data["reason"])
        except ResumptionConflict as exc:
            messages.error(request, exc.message)
            return _back(application, "certificate")
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("复工证明%(number)s已撤销。") % {"number": certificate.number})
            return _back(application, "certificate")
    context = _detail_context(request, application, revoke_form=form)
    return render(request, "resumption/detail.html", context, status=400)

"""Writing nucleic and antigen results (SPEC §6 "Tests": the policy's test cadence, and its buffer zone
that a negative nucleic result ends).

- A sample is (employee, kind, sampled_at). Sending it again — a retry, the lab's Excel after its system —
  answers the stored row with ``created=False``; the same sample with the other result is refused: a
  correction is a separate workflow (not yet open), not an overwrite.
- A positive result raises a ``positive_test`` alert in the same transaction (isolation where the status
  allows, notices to the firm and its town on commit).
- A negative nucleic result releases a person waiting in the buffer zone when the policy on the sample
  day says the buffer zone ends with a negative nucleic test.
- Who records: the firm's officer for anyone of the firm, the employee only their own antigen self-test,
  a lab system's device token only for its own firm.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fugong.accounts.roles import can
from fugong.audit.services import record
from fugong.core import crypto
from fugong.core.dates import format_date, format_datetime
from fugong.enterprises.models import Enterprise
from fugong.monitoring.models import AlertKind, DeviceKind, TestKind, TestOutcome, TestResult, TestSource
from fugong.monitoring.services import MAX_BATCH, BulkResult, _message, raise_alert
from fugong.policy.selectors import PolicyResolver
from fugong.workforce.models import Employee, EmployeeStatus, EpisodeKind, IsolationEpisode

LAB_MAX = TestResult._meta.get_field("lab").max_length
MAX_AGE_DAYS = 30  # how far back a sampling time may lie

KIND_WORDS = {
    "nucleic": TestKind.NUCLEIC,
    "核酸": TestKind.NUCLEIC,
    "核酸检测": TestKind.NUCLEIC,
    "antigen": TestKind.ANTIGEN,
    "抗原": TestKind.ANTIGEN,
    "抗原检测": TestKind.ANTIGEN,
    "抗原试剂": TestKind.ANTIGEN,
}
RESULT_WORDS = {
    "negative": TestOutcome.NEGATIVE,
    "阴性": TestOutcome.NEGATIVE,
    "positive": TestOutcome.POSITIVE,
    "阳性": TestOutcome.POSITIVE,
}


# -- parsing ---------------------------------------------------------------------------------------------
def parse_kind(value) -> str:
    key = str(value or "").strip().lower()
    if not key:
        raise ValidationError({"kind": [_("「检测类型」不能为空，须为核酸或抗原")]})
    if key not in KIND_WORDS:
        raise ValidationError(
            {"kind": [_("「检测类型」无效：%(v)s，须为核酸或抗原") % {"v": str(value)[:20]}]}
        )
    return KIND_WORDS[key]


def parse_result(value) -> str:
    key = str(value or "").strip().lower()
    if not key:
        raise ValidationError({"result": [_("「检测结果」不能为空，须为阴性或阳性")]})
    if key not in RESULT_WORDS:
        raise ValidationError(
            {"result": [_("「检测结果」无效：%(v)s，须为阴性或阳性") % {"v": str(value)[:20]}]}
        )
    return RESULT_WORDS[key]


def _moment(value, name: str, label: str) -> dt.datetime | None:
    """A date and time as people and lab systems write it: ISO 8601, 2022-04-10 08:30, 2022/4/10 8:30,
    2022年4月10日 8:30, or a datetime (an Excel cell). Naive times are Beijing time."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        raise ValidationError({name: [_("「%(f)s」须含时分，如2022-04-10 08:30") % {"f": label}]})
    else:
        text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*", r"\1-\2-\3 ", str(value).strip())
        text = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3", text.strip())
        if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", text):
            # A day alone would make 00:00 a sample time, and the same sample sent with its time a second row.
            raise ValidationError({name: [_("「%(f)s」须含时分，如2022-04-10 08:30") % {"f": label}]})
        try:
            moment = parse_datetime(text)
        except ValueError:
            moment = None
        if moment is None:
            raise ValidationError({name: [_("「%(f)s」格式无效，如2022-04-10 08:30") % {"f": label}]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({name: [_("「%(f)s」不能晚于现在") % {"f": label}]})
    return moment


def parse_sampled_at(value) -> dt.datetime:
    moment = _moment(value, "sampled_at", _("采样时间"))
    if moment is None:
        raise ValidationError({"sampled_at": [_("「采样时间」不能为空，如2022-04-10 08:30")]})
    if moment < timezone.now() - dt.timedelta(days=MAX_AGE_DAYS):
        # A year typed wrong (2021 for 2022) would otherwise file a positive under a long-past day. The
        # report time needs no bound of its own: it may not be earlier than the sample.
        raise ValidationError({"sampled_at": [_("「采样时间」不能早于%(n)s天前") % {"n": MAX_AGE_DAYS}]})
    # Reports give the sampling time to the minute: the lab's sheet (08:30) and its system (08:30:12)
    # then name the same sample.
    return moment.replace(second=0, microsecond=0)


def parse_reported_at(value, sampled_at: dt.datetime | None) -> dt.datetime | None:
    moment = _moment(value, "reported_at", _("报告时间"))
    if moment is not None and sampled_at is not None and moment < sampled_at:
        raise ValidationError({"reported_at": [_("「报告时间」不能早于采样时间")]})
    return moment


def parse_lab(value, kind: str | None) -> str:
    text = " ".join(str(value or "").split())
    if len(text) > LAB_MAX:
        raise ValidationError({"lab": [_("「检测机构」不能超过%(n)s个字") % {"n": LAB_MAX}]})
    if not text and kind == TestKind.NUCLEIC:
        raise ValidationError({"lab": [_("「检测机构」不能为空：核酸检测结果须注明出具报告的检测机构")]})
    return text


def parse_values(raw: dict) -> dict:
    """All of a result's fields at once, so that every bad field is named together."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for name, parser in (("kind", parse_kind), ("sampled_at", parse_sampled_at), ("result", parse_result)):
        try:
            values[name] = parser(raw.get(name))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    for name, parse in (
        ("lab", lambda: parse_lab(raw.get("lab"), values.get("kind"))),
        ("reported_at", lambda: parse_reported_at(raw.get("reported_at"), values.get("sampled_at"))),
    ):
        try:
            values[name] = parse()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return values


def _label(kind: str, result: str) -> str:
    # A format of its own, so that English can put a space between the two words.
    return _("%(kind)s%(result)s") % {"kind": TestKind(kind).label, "result": TestOutcome(result).label}


def _conflict(row: TestResult) -> str:
    return _(
        "该样本（%(kind)s，%(at)s采样）已登记为%(result)s，不能改为另一结果；更正检测结果须走单独的更正流程"
        "（暂未开放），请与检测机构核实"
    ) % {
        "kind": row.get_kind_display(),
        "at": format_datetime(row.sampled_at),
        "result": row.get_result_display(),
    }


# -- who may record ----------------------------------------------------------------------------------------
def _check_device_kind(device) -> None:
    # A temperature gate's token must not isolate people with a positive or release them with a negative.
    if device.kind != DeviceKind.LAB_SYSTEM:
        raise PermissionDenied(_("该设备类型不能上传检测结果"))


def _check_recorder(actor, employee, kind, device=None) -> None:
    if device is not None:
        _check_device_kind(device)
        if device.enterprise_id != employee.enterprise_id or not device.is_active:
            raise PermissionDenied(_("该设备不属于该员工所在企业或已停用。"))
        return
    if actor is None:
        return
    if can(actor, "monitoring.checkin.self") and employee.user_id == actor.pk:
        if kind == TestKind.NUCLEIC:
            raise PermissionDenied(_("本人只能登记抗原自测结果；核酸检测结果由企业或检测机构录入。"))
        return
    if (
        can(actor, "monitoring.tests.record")
        and Employee.objects.visible_to(actor).filter(pk=employee.pk).exists()
    ):
        return
    raise PermissionDenied(_("您没有执行该操作的权限。"))


def _check_firm(actor, enterprise, device=None) -> None:
    if device is not None:
        _check_device_kind(device)
        if device.enterprise_id != enterprise.pk or not device.is_active:
            raise PermissionDenied(_("该设备不属于该企业或已停用。"))
        return
    if actor is None:
        return
    if not can(actor, "monitoring.tests.record"):
        raise PermissionDenied(_("您没有执行该操作的权限。"))
    if not Enterprise.objects.visible_to(actor).filter(pk=enterprise.pk).exists():
        raise PermissionDenied(_("该企业不在您的管辖范围内。"))


# -- effects of a stored result ----------------------------------------------------------------------------
def _release_buffer(actor, employee, row: TestResult, policy) -> str:
    """Release a person waiting in the buffer zone on a negative nucleic result where the policy asks
    for one (``buffer_zone_requires_negative_nucleic``); answers what happened ("" when nothing applies)."""
    from fugong.workforce.episodes import release_episode

    if row.kind != TestKind.NUCLEIC or row.result != TestOutcome.NEGATIVE:
        return ""
    if policy is None or not policy.parameters.buffer_zone_requires_negative_nucleic:
        return ""
    employee.refresh_from_db(fields=["status"])
    if employee.status != EmployeeStatus.BUFFER:
        return ""
    episode = (
        IsolationEpisode.objects.filter(employee=employee, kind=EpisodeKind.BUFFER, released_at__isnull=True)
        .order_by("-started_on", "-pk")
        .first()
    )
    if episode is None:
        return ""
    if row.sample_day < episode.started_on:
        return _("采样早于进入缓冲区（%(d)s），未解除缓冲区") % {"d": format_date(episode.started_on)}
    # The rule, not the recorder, releases: a lab's device or a firm clerk carries the policy out.
    releaser = actor if actor is not None and can(actor, "workforce.isolation") else None
    try:
        with transaction.atomic():
            release_episode(
                releaser,
                episode,
                _("%(label)s（%(lab)s），依政策自动解除缓冲区")
                % {"label": _label(row.kind, row.result), "lab": row.lab or "-"},
                nucleic_negative_at=row.sampled_at,
            )
    except (ValidationError, PermissionDenied) as exc:
        messages = getattr(exc, "messages", None) or [str(exc)]
        return (_("未能解除缓冲区：%(why)s") % {"why": "；".join(messages)})[:300]
    employee.refresh_from_db(fields=["status"])
    return _("已解除缓冲区，现为「%(s)s」") % {"s": employee.get_status_display()}


def _effects(actor, employee, row: TestResult, policy) -> str:
    """What a stored result sets off, inside the caller's transaction; answers a sentence for the user."""
    if row.result == TestOutcome.POSITIVE:
        alert = raise_alert(
            actor, employee, AlertKind.POSITIVE_TEST, _label(row.kind, row.result), test=row, policy=policy
        )
        row.alert = alert
        return _("已发出阳性预警。%(iso)s") % {"iso": alert.isolation_note}
    return _release_buffer(actor, employee, row, policy)


CLIENT_KEY_MAX = TestResult._meta.get_field("client_key").max_length


def stored_client_key(enterprise_id, key) -> str | None:
    """The submission key as stored: prefixed by the firm, since labs and firms pick keys on their own
    (a sample barcode) and the column is unique across all firms. Truncated the same way on every path
    so a retry finds its row."""
    key = str(key or "").strip()
    return f"{enterprise_id}:{key}"[:CLIENT_KEY_MAX] if key else None


def _same(row: TestResult, employee, kind, sampled_at, result) -> bool:
    return (
        row.employee_id == employee.pk
        and row.kind == kind
        and row.sampled_at == sampled_at
        and row.result == result
    )


# -- single result -----------------------------------------------------------------------------------------
def record_test(
    actor,
    employee,
    *,
    kind,
    sampled_at,
    result,
    lab="",
    reported_at=None,
    source,
    client_key=None,
    device=None,
) -> tuple[TestResult, bool]:
    """Store one result; answers (row, created). ``row.effect`` says what it set off (an alert, the
    buffer zone released) and ``row.released`` whether the person left the buffer zone."""
    # Who may record comes before what is wrong with the input: an outsider learns nothing from errors.
    _check_recorder(actor, employee, KIND_WORDS.get(str(kind or "").strip().lower()), device)
    if source not in TestSource.values:
        raise ValidationError({"source": [_("「来源」无效")]})
    values = parse_values(
        {"kind": kind, "sampled_at": sampled_at, "result": result, "lab": lab, "reported_at": reported_at}
    )
    kind, moment, result = values["kind"], values["sampled_at"], values["result"]
    client_key = stored_client_key(employee.enterprise_id, client_key)
    if client_key:
        existing = TestResult.objects.filter(client_key=client_key).first()
        if existing is not None:
            if _same(existing, employee, kind, moment, result):
                return _replayed(existing), False
            raise ValidationError({"client_key": [_("该提交编号已用于另一条检测记录")]})
    existing = TestResult.objects.filter(employee=employee, kind=kind, sampled_at=moment).first()
    if existing is not None:
        if existing.result == result:
            return _replayed(existing), False
        raise ValidationError({"result": [_conflict(existing)]})
    day = timezone.localdate(moment)
    policy = PolicyResolver().find(employee.enterprise.town, day)
    try:
        with transaction.atomic():
            row = TestResult.objects.create(
                employee=employee,
                enterprise_id=employee.enterprise_id,
                kind=kind,
                sampled_at=moment,
                sample_day=day,
                result=result,
                lab=values["lab"],
                reported_at=values["reported_at"],
                source=source,
                recorded_by=actor if getattr(actor, "pk", None) else None,
                device=device,
                client_key=client_key,
                policy_version_id=policy.version_id if policy else None,
            )
            record(
                actor,
                "monitoring.test",
                row,
                after={
                    "employee": employee.pk,
                    "kind": kind,
                    "sampled_at": moment,
                    "result": result,
                    "lab": row.lab,
                    "source": source,
                    "device": device.pk if device else None,
                },
            )
            row.effect = _effects(actor, employee, row, policy)
            row.released = row.effect.startswith(_("已解除缓冲区"))
    except IntegrityError:
        # A concurrent retry stored the sample first: answer its row, or refuse the other result.
        existing = TestResult.objects.filter(employee=employee, kind=kind, sampled_at=moment).first()
        if existing is None and client_key:
            existing = TestResult.objects.filter(client_key=client_key).first()
        if existing is not None and _same(existing, employee, kind, moment, result):
            return _replayed(existing), False
        if existing is not None:
            raise ValidationError({"result": [_conflict(existing)]}) from None
        raise ValidationError({"client_key": [_("该提交编号已用于另一条检测记录")]}) from None
    return row, True


def _replayed(row: TestResult) -> TestResult:
    row.effect = _("已存在，未重复保存")
    row.released = False
    return row


# -- bulk: a lab's Excel or system -------------------------------------------------------------------------
@dataclass
class TestRowResult:
    __test__ = False  # not a pytest class, despite the name

    index: int
    status: str  # stored / duplicate / error
    message: str = ""
    id: int | None = None
    employee: int | None = None
    kind: str = ""
    result: str = ""
    positive: bool = False
    released: bool = False
    fields: dict = field(default_factory=dict)


def _person(raw: dict, people: dict, by_index: dict):
    if raw.get("employee") not in (None, ""):
        try:
            return people.get(int(raw["employee"]))
        except (TypeError, ValueError):
            return None
    number = str(raw.get("id_number") or "").strip().upper()
    if not number:
        raise ValidationError({"employee": [_("须提供「员工」编号或「身份证号」")]})
    return by_index.get(crypto.blind_index(number))


def record_tests_bulk(actor, enterprise, rows, *, source, device=None) -> BulkResult:
    """Validate every row, store all good ones in one transaction and answer per row. Rows: dicts with
    ``employee`` (id) or ``id_number`` (matched within the firm), optional ``name`` (checked against the
    file), ``kind``, ``sampled_at``, ``result``, ``lab``, ``reported_at``, ``client_key``. A repeat of the
    batch stores nothing new. A ``device`` (``actor=None``) posts only for its own firm."""
    _check_firm(actor, enterprise, device)
    if source not in TestSource.values:
        raise ValidationError({"source": [_("「来源」无效")]})
    rows = list(rows)
    if len(rows) > MAX_BATCH:
        raise ValidationError({"records": [_("一次最多提交%(n)s条记录") % {"n": MAX_BATCH}]})
    people = {e.pk: e for e in Employee.objects.filter(enterprise=enterprise)}
    by_index = {e.id_number_index: e for e in people.values()}
    resolver = PolicyResolver()
    results: list[TestRowResult] = []
    parsed = []  # (result, person, values, key)
    for index, raw in enumerate(rows):
        result = TestRowResult(index=index, status="error")
        results.append(result)
        try:
            if not isinstance(raw, dict):
                raise ValidationError({"non_field_errors": [_("每条记录须为对象")]})
            person = _person(raw, people, by_index)
            if person is None:
                raise ValidationError({"employee": [_("本企业没有该员工")]})
            result.employee = person.pk
            name = " ".join(str(raw.get("name") or "").split())
            errors = {}
            if name and name != person.name:
                errors["name"] = [_("「姓名」与身份证号登记的员工（%(n)s）不一致") % {"n": person.name}]
            try:
                values = parse_values(raw)
            except ValidationError as exc:
                errors.update(exc.message_dict)
            if errors:
                raise ValidationError(errors)
            result.kind, result.result = values["kind"], values["result"]
            key = stored_client_key(enterprise.pk, raw.get("client_key"))
            parsed.append((result, person, values, key))
        except ValidationError as exc:
            result.message, result.fields = _message(exc)
    existing: dict[tuple, TestResult] = {}
    if parsed:
        for row in TestResult.objects.filter(
            employee_id__in={p[1].pk for p in parsed},
            sample_day__in={timezone.localdate(p[2]["sampled_at"]) for p in parsed},
        ):
            existing[(row.employee_id, row.kind, row.sampled_at)] = row
    keys = [p[3] for p in parsed if p[3]]
    by_key = {r.client_key: r for r in TestResult.objects.filter(client_key__in=keys)} if keys else {}
    pending: dict[tuple, tuple[str, int]] = {}
    pending_keys: set[str] = set()
    to_create: list[tuple[TestRowResult, TestResult, object]] = []
    stored_already = _("已存在，未重复保存")
    for result, person, values, key in parsed:
        kind, moment, outcome = values["kind"], values["sampled_at"], values["result"]
        natural = (person.pk, kind, moment)
        if key and key in by_key:
            row = by_key[key]
            if _same(row, person, kind, moment, outcome):
                result.status, result.id, result.message = "duplicate", row.pk, stored_already
            else:
                result.message = _("该提交编号已用于另一条检测记录")
                result.fields = {"client_key": [result.message]}
            continue
        if natural in existing:
            row = existing[natural]
            if row.result == outcome:
                result.status, result.id, result.message = "duplicate", row.pk, stored_already
            else:
                result.message = _conflict(row)
                result.fields = {"result": [result.message]}
            continue
        if natural in pending or (key and key in pending_keys):
            first = pending.get(natural)
            if first is not None and first[0] == outcome:
                result.status, result.message = "duplicate", _("与本批第%(i)s条重复") % {"i": first[1] + 1}
            else:
                result.message = _("与本批第%(i)s条冲突") % {"i": (first[1] + 1) if first else "?"}
                result.fields = {"result" if first else "client_key": [result.message]}
            continue
        pending[natural] = (outcome, result.index)
        if key:
            pending_keys.add(key)
        day = timezone.localdate(moment)
        policy = resolver.find(enterprise.town, day)
        row = TestResult(
            employee=person,
            enterprise=enterprise,
            kind=kind,
            sampled_at=moment,
            sample_day=day,
            result=outcome,
            lab=values["lab"],
            reported_at=values["reported_at"],
            source=source,
            recorded_by=actor if getattr(actor, "pk", None) else None,
            device=device,
            client_key=key,
            policy_version_id=policy.version_id if policy else None,
        )
        to_create.append((result, row, policy))
    if not to_create:
        return BulkResult(results)
    try:
        with transaction.atomic():
            created = TestResult.objects.bulk_create([r for _res, r, _p in to_create], batch_size=1000)
            for (result, _row, policy), row in zip(to_create, created, strict=True):
                result.status, result.id = "stored", row.pk
                effect = ""
                if row.result == TestOutcome.POSITIVE or row.employee.status == EmployeeStatus.BUFFER:
                    effect = _effects(actor, row.employee, row, policy)
                result.positive = row.result == TestOutcome.POSITIVE
                result.released = effect.startswith(_("已解除缓冲区"))
                result.message = _("已保存") + (f"；{effect}" if effect else "")
            # One entry names every stored row: a lab's 5,000-line sheet is one act of the firm.
            record(
                actor,
                "monitoring.tests.bulk",
                enterprise,
                after={
                    "source": source,
                    "device": device.pk if device else None,
                    "rows": len(rows),
                    "stored": len(created),
                    "ids": [row.pk for row in created],
                    "positive": [row.pk for row in created if row.result == TestOutcome.POSITIVE],
                },
            )
    except IntegrityError:
        for result, _row, _p in to_create:
            result.status, result.id, result.positive, result.released = "error", None, False, False
            result.message = _("与同时提交的记录冲突，请重试")
    return BulkResult(results)

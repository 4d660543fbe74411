"""``evaluate_many`` decides a roster exactly as ``reevaluate`` does person by person, in few queries."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fugong.audit.models import AuditEntry
from fugong.audit.services import verify_chain
from fugong.policy.models import NoReturnArea
from fugong.workforce import bulk_evaluation, decisions, services, travel
from fugong.workforce.bulk_evaluation import evaluate_many
from fugong.workforce.models import (
    Employee,
    EmployeeStatus,
    EmployeeStatusChange,
    EpisodeKind,
    IsolationEpisode,
)
from tests.workforce.conftest import days_ago, make_employee, no_return_area, returner, risk_area, use_preset

S = EmployeeStatus
NOTE = "导入员工名册后判定返岗"
_VOLATILE = {"updated_at", "decided_at", "status_changed_at", "created_at", "version"}


def _traveller(world, code, place, days, contacts=()):
    person = make_employee(world.firm_a, residence_region=world.town_a.code)
    stops = [{"region_code": code, "place": place, "from_date": days_ago(days), "to_date": days_ago(days)}]
    travel.set_travel(None, person, stops, list(contacts))
    return person


def _population(world, policy):
    """People of every kind the rules tell apart, in every status the decision can move them from."""
    risk_area(policy, "330681104", "店口镇", "medium", valid_from=days_ago(30))
    risk_area(policy, "110101", "东城区", "high", valid_from=days_ago(30))
    if not NoReturnArea.objects.filter(policy=policy, region_code="42").exists():  # N0 lists it already
        no_return_area(policy, "42", "湖北省")
    firm = world.firm_a
    people = [
        make_employee(firm, residence_region=world.town_a.code),  # local
        _traveller(world, "330681104001", "店口镇某村", 4),  # medium-risk stop
        _traveller(world, "330681001", "暨阳街道", 4),  # harmless stop
        returner(firm, "420100", "武汉市", back_days_ago=3),  # no-return area
        returner(firm, "110101", "东城区", back_days_ago=2),  # high-risk, outside the city
        returner(firm, "320500", "苏州市", back_days_ago=1),  # outside the city only
        make_employee(
            firm,
            left_locality=True,
            left_on=days_ago(9),
            destination="上海市浦东新区",
            destination_code="310115",
            return_from="上海市浦东新区",
            return_from_code="310115",
            return_date=days_ago(9),
            expected_return_date=days_ago(9),
        ),
        _traveller(
            world,
            "330681001",
            "暨阳街道",
            5,
            contacts=[{"contact_date": days_ago(5), "description": "同事确诊", "with_case": True}],
        ),  # close contact
        make_employee(firm, residence_control="sealed"),
        make_employee(firm, residence_control="controlled"),
        make_employee(firm, residence_control="precaution"),
        make_employee(firm, has_fever=True),
        make_employee(firm, other_symptoms="咳嗽"),
        make_employee(firm, health_code="yellow"),
        make_employee(firm, health_code="red"),
        returner(firm, "330681104", "店口镇", back_days_ago=2, has_fever=True),
        returner(firm, "330681104", "店口镇", back_days_ago=20),  # outside the look-back window
        # Index 17 and 18 are scattered to "arrived" and "at work": a yellow code opens an episode under
        # every policy that says what a yellow code means.
        make_employee(firm, health_code="yellow", return_date=days_ago(1)),
        make_employee(firm, residence_control="controlled", return_date=days_ago(1)),
    ]
    return people


_STATUSES = [S.REGISTERED, S.ARRIVED, S.AT_WORK, S.EXPECTED, S.BARRED, S.ON_LEAVE, S.LEFT, S.BUFFER]


def _unsettle(world, people):
    """Wipe the decisions and scatter the statuses, so the evaluation has everything to write: decision
    fields, status moves, new episodes (arrived → isolation/buffer), barred people coming back."""
    for index, person in enumerate(people):
        Employee.objects.filter(pk=person.pk).update(
            decision="", decision_reason="", decision_policy_version_id=None, release_date=None
        )
        status = _STATUSES[index % len(_STATUSES)]
        Employee.objects.filter(pk=person.pk).update(status=status)
        if index % 3 == 0:
            # Every third one keeps a decision that is stale rather than empty.
            Employee.objects.filter(pk=person.pk).update(decision="may_return", decision_reason="旧判定")
    # Someone already in an isolation episode that the new decision must extend or end.
    isolated = people[1]
    Employee.objects.filter(pk=isolated.pk).update(status=S.ISOLATING, return_date=days_ago(4))
    IsolationEpisode.objects.create(
        employee=isolated, kind=EpisodeKind.ISOLATION, started_on=days_ago(4), planned_end=days_ago(1)
    )


def _picture(ids, audit_from):
    employees = []
    for row in Employee.objects.filter(pk__in=ids).order_by("pk").values():
        employees.append({k: v for k, v in row.items() if k not in _VOLATILE})
    episodes = [
        (
            e.employee_id,
            e.kind,
            e.started_on,
            e.planned_end,
            e.released_at is not None,
            e.release_note,
            e.reason,
        )
        for e in IsolationEpisode.objects.filter(employee_id__in=ids).order_by(
            "employee_id", "started_on", "kind"
        )
    ]
    history = [
        (c.employee_id, c.from_status, c.to_status, c.reason, c.actor_id)
        for c in EmployeeStatusChange.objects.filter(employee_id__in=ids).order_by("employee_id", "id")
    ]
    audit = [
        (
            a.action,
            a.object_type,
            "episode" if a.object_type.endswith("isolationepisode") else a.object_id,
            a.object_repr,
            a.before,
            a.after,
            a.note,
            a.actor_label,
        )
        for a in AuditEntry.objects.filter(id__gt=audit_from).order_by("id")
    ]
    return {"employees": employees, "episodes": episodes, "history": history, "audit": audit}


class _Rollback(Exception):
    pass


def _one_by_one(ids, audit_from):
    try:
        with transaction.atomic():
            done = sum(services.reevaluate(pk, note=NOTE) is not None for pk in ids)
            picture = _picture(ids, audit_from)
            raise _Rollback
    except _Rollback:
        pass
    return done, picture


@pytest.mark.parametrize("preset", ["N0", "N1", "N2", "N3", "N4"])
def test_evaluate_many_writes_exactly_what_reevaluate_writes_person_by_person(world, preset, monkeypatch):
    policy = use_preset(world, preset)
    people = _population(world, policy)
    _unsettle(world, people)
    pks = [p.pk for p in people]
    # Input order is not pk order, one id is listed twice, one no longer exists.
    ids = pks[::2] + pks[1::2] + [pks[3], 10**9]
    audit_from = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    expected_done, expected = _one_by_one(ids, audit_from)
    assert Employee.objects.get(pk=pks[0]).decision in ("", "may_return")  # rolled back

    # Both ways through evaluate_many are taken: written in bulk, and through the service's own steps.
    paths = {"bulk": 0, "single": 0}
    bulk_store, single_store = bulk_evaluation._store, decisions._store_evaluation

    def counted(name, fn):
        def run(*args, **kwargs):
            paths[name] += 1
            return fn(*args, **kwargs)

        return run

    monkeypatch.setattr(bulk_evaluation, "_store", counted("bulk", bulk_store))
    monkeypatch.setattr(decisions, "_store_evaluation", counted("single", single_store))

    # Small chunks, so that several chunks and the duplicate across them are covered too.
    done = evaluate_many(ids, note=NOTE, chunk=7)
    assert paths["bulk"] >= 8 and paths["single"] >= 3, paths
    got = _picture(ids, audit_from)

    assert done == expected_done == len(people) + 1  # the duplicate counts twice, as before
    assert got["employees"] == expected["employees"]
    assert got["episodes"] == expected["episodes"]
    assert got["history"] == expected["history"]
    assert got["audit"] == expected["audit"]
    # The comparison means something: decisions, status moves and episodes were all written.
    actions = {row[0] for row in got["audit"]}
    assert {"workforce.evaluate", "workforce.status"} <= actions
    if preset in ("N0", "N1", "N2"):  # the others set no return rule that isolates or buffers anyone
        assert "workforce.episode.start" in actions
        assert len(got["history"]) >= 3
    else:  # the barred people among the scattered statuses come back
        assert len(got["history"]) >= 2
    assert verify_chain().ok


def test_evaluate_many_leaves_unchanged_people_alone(world):
    policy = use_preset(world, "N0")
    people = _population(world, policy)
    audit_from = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    before = _picture([p.pk for p in people], audit_from)
    # Already decided at registration with the areas above in force: nothing to write.
    assert evaluate_many([p.pk for p in people], note=NOTE) == len(people)
    assert _picture([p.pk for p in people], audit_from) == before
    assert not AuditEntry.objects.filter(id__gt=audit_from).exists()


def _queries_for(world, policy, count):
    firm = world.firm_a
    ids = []
    for index in range(count):
        if index % 2:
            person = returner(firm, "330681104", "店口镇", back_days_ago=2)
        else:
            person = make_employee(firm, residence_region=world.town_a.code, health_code="red")
        ids.append(person.pk)
    # As a roster import leaves them: registered, not yet decided.
    Employee.objects.filter(pk__in=ids).update(
        decision="", decision_reason="", release_date=None, status=S.REGISTERED
    )
    with CaptureQueriesContext(connection) as queries:
        assert evaluate_many(ids, note=NOTE) == count
    assert Employee.objects.filter(pk__in=ids, decision="").count() == 0
    assert Employee.objects.filter(pk__in=ids, status=S.BARRED).count() == count // 2
    return len(queries)


def test_evaluate_many_does_not_query_per_person(world):
    policy = use_preset(world, "N0")
    risk_area(policy, "330681104", "店口镇", "medium", valid_from=days_ago(30))
    few = _queries_for(world, policy, 10)
    many = _queries_for(world, policy, 100)
    # reevaluate needs ~10 queries a person; here 90 more people cost a few more batched statements.
    assert many - few <= 12, (few, many)
    assert verify_chain().ok


def test_a_failing_chunk_falls_back_to_one_transaction_per_person(world, monkeypatch):
    policy = use_preset(world, "N0")
    people = _population(world, policy)
    _unsettle(world, people)
    from fugong.workforce import bulk_evaluation

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bulk_evaluation, "_load_areas", broken)
    assert evaluate_many([p.pk for p in people], note=NOTE) == len(people)
    assert Employee.objects.filter(pk__in=[p.pk for p in people], decision="").count() == 0
    assert verify_chain().ok


def test_the_arrival_day_survives_in_the_decision(world):
    """A returner decided in bulk gets the same release date as the rules give (arrival + 14 days)."""
    policy = use_preset(world, "N0")
    risk_area(policy, "110101", "东城区", "high", valid_from=days_ago(30))
    person = returner(world.firm_a, "110101", "东城区", back_days_ago=2)
    Employee.objects.filter(pk=person.pk).update(decision="", release_date=None)
    evaluate_many([person.pk], note=NOTE)
    person.refresh_from_db()
    assert person.decision == "isolate"
    assert person.release_date == days_ago(2) + dt.timedelta(days=14)


def test_record_many_appends_what_record_would_and_keeps_the_chain(world):
    from django.core.management import call_command

    from fugong.audit.services import pending, record, record_many

    firm = world.firm_a
    actor = world.users["ent_a"]
    record(actor, "test.first", firm, after={"n": 0})
    start = AuditEntry.objects.order_by("-id").first().pk
    items = [
        pending(
            None, "test.bulk", firm, before={"n": n}, after={"n": n + 1, "day": days_ago(n)}, note=f"第{n}条"
        )
        for n in range(5)
    ] + [pending(actor, "test.bulk.actor", None, after={"x": "是"})]
    record_many(items)
    record(None, "test.last", firm, before={"day": days_ago(1)})
    rows = list(AuditEntry.objects.filter(id__gt=start).order_by("id"))
    assert [r.action for r in rows] == ["test.bulk"] * 5 + ["test.bulk.actor", "test.last"]
    assert rows[0].object_type == "enterprises.enterprise" and rows[0].object_id == str(firm.pk)
    assert rows[0].object_repr == str(firm)[:200] and rows[0].actor_label == "system"
    assert rows[2].before == {"n": 2} and rows[2].after == {"n": 3, "day": days_ago(2).isoformat()}
    assert rows[2].note == "第2条"
    assert rows[5].actor_id == actor.pk and rows[5].actor_label == actor.username and rows[5].object_id == ""
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert later.prev_hash == earlier.entry_hash
    assert all(r.entry_hash == r.compute_hash() for r in rows)
    assert verify_chain().ok
    call_command("verify_audit", verbosity=0)
    assert record_many([]) == []

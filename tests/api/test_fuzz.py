"""Every operation of the OpenAPI schema, fuzzed by Schemathesis through WSGI: no input answers 5xx.

Each operation of the schema that /api/schema/ serves gets a few generated requests, inside the schema
(positive) and outside it (negative: wrong types, missing fields, odd query strings), each sent as a
firm officer and as the county task force. Path ids name existing rows half of the time (inside and
outside the caller's scope), so that the object endpoints get past their 404. Every operation that takes
a JSON body also gets each JSON value that is not an object (a list, a number, a string, null) on a row
the caller may see. Only the status is judged (Schemathesis' ``not_a_server_error``): any 4xx is a fine
answer to nonsense. An attachment whose file is gone from the media root is among the rows.

Seeded (``derandomize``) and bounded (a few examples per operation, a deadline per example), so a run is
the same every time and stays within about a minute on SQLite. A failure lists every 5xx with the
request (as curl) and the server's traceback.
"""

import datetime as dt
import json
import traceback

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception, request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.feedback import NO_FEEDBACK

from tests.test_scope_walk import furnished  # noqa: F401  (one row of everything in each firm)

EXAMPLES_PER_OPERATION = 5
# One example (a request per role) slower than this is a failure of its own: a hang or a runaway query.
DEADLINE = dt.timedelta(seconds=10)
ROLES = ("ent_a", "task_force")  # a firm officer, the county task force
# JSON that is not an object, where every view of the API reads an object.
WRONG_SHAPES = ([None, None], [], 1, "x", None)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def api_schema():
    """The schema /api/schema/ serves (generated public, so the same for every reader), made without a
    request so that no user is needed yet; the cases then go to the app through WSGI."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    schema.app = WSGIHandler()
    return schema


@pytest.fixture
def in_process(settings, tmp_path):
    """Requests go through the WSGI handler in this thread, inside the test's transaction: the handler
    must not close the connection between requests (Django's test client does the same), and a 500's
    traceback is kept for the report."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    errors: list[str] = []

    def keep(sender, request=None, **kwargs):
        errors.append(traceback.format_exc())

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    got_request_exception.connect(keep)
    try:
        yield errors
    finally:
        got_request_exception.disconnect(keep)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _attachments(world) -> list[int]:
    """A draft application of firm_a with two attachments: one whose file is stored, one whose file has
    gone from the media root."""
    from fugong.resumption import services
    from fugong.resumption.attachments import services as attachments

    officer = world.users["ent_a"]
    application = services.create_draft(
        officer, world.firm_a, {"kind": "first_resumption", "reason": "订单交付"}
    )
    kept, lost = (
        attachments.add_attachment(
            officer,
            application,
            "other",
            SimpleUploadedFile(name, PDF + name.encode(), content_type="application/pdf"),
        )
        for name in ("在.pdf", "丢.pdf")
    )
    lost.file.storage.delete(lost.file.name)
    return [kept.pk, lost.pk]


def _existing(path: str, attachment_ids: list[int], user=None) -> dict[str, list]:
    """For each path parameter, values that name existing rows, read from the model of the viewset the
    path resolves to: any rows (in and outside a caller's scope), or those ``user`` may see."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    sample = path
    for name in names:
        sample = sample.replace(f"{{{name}}}", "1" if name.endswith("id") else "x")
    try:
        view = getattr(resolve(sample).func, "cls", None)
    except Resolver404:
        return {}
    queryset = getattr(view, "queryset", None)
    values: dict[str, list] = {}
    for name in names:
        if name == "attachment_id":
            values[name] = attachment_ids
        elif queryset is not None:
            rows = queryset.model.objects.all()
            if user is not None and hasattr(rows, "visible_to"):
                rows = rows.visible_to(user)
            field = "pk" if name == "id" else getattr(view, "lookup_field", "pk")
            found = list(rows.order_by("pk").values_list(field, flat=True)[:4])
            if found:
                values[name] = found
    return values


def _strategy(operation):
    modes = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
    # No feedback from constants found in the schema: it costs more to generate than the requests do.
    return st.one_of(*(operation.as_strategy(mode, feedback=NO_FEEDBACK) for mode in modes))


class Fuzz:
    def __init__(self, world, errors: list[str]):
        self.attachment_ids = _attachments(world)
        self.users = {who: world.users[who] for who in ROLES}
        self.headers = {
            who: {"Authorization": f"Token {Token.objects.create(user=user).key}"}
            for who, user in self.users.items()
        }
        self.errors = errors
        self.failures: list[str] = []
        self.sent: dict[str, set[str]] = {}

    def send(self, case, who):
        headers = self.headers[who]
        self.errors.clear()
        # Each request starts from the same rows, and a failed one cannot break the test's transaction.
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        self.sent.setdefault(case.operation.label, set()).add(who)
        try:
            case.validate_response(response, checks=[not_a_server_error], headers=headers)
        except FailureGroup as exc:
            self.failures.append(
                f"{case.operation.label} as {who}: {response.status_code}\n"
                f"  {case.as_curl_command(headers=headers)}\n"
                f"  {''.join(self.errors[-1:]) or exc}"
            )

    def generated(self, operation):
        """A few cases Schemathesis makes from the schema, each sent by every role."""
        strategy = _strategy(operation)
        existing = _existing(operation.path, self.attachment_ids)

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            database=None,
            deadline=DEADLINE,
            phases=[Phase.explicit, Phase.generate],  # every 5xx is reported as found, not shrunk
            suppress_health_check=list(HealthCheck),
        )
        @given(data=st.data())
        def run(data):
            case = data.draw(strategy)
            if existing and data.draw(st.booleans()):
                for name, values in existing.items():
                    case.path_parameters[name] = data.draw(st.sampled_from(values))
            for who in ROLES:
                self.send(case, who)

        run()

    def wrong_shapes(self, operation):
        """Where the operation takes a JSON body: each JSON value that is not an object, on a row the role
        may see (the bodies that once crashed the views reading named fields)."""
        if "application/json" not in operation.definition.raw.get("requestBody", {}).get("content", {}):
            return
        for who, user in self.users.items():
            existing = _existing(operation.path, self.attachment_ids, user)
            names = [part[1:-1] for part in operation.path.split("/") if part.startswith("{")]
            path_parameters = {name: existing.get(name, [0])[0] for name in names}
            for body in WRONG_SHAPES:
                case = operation.Case(
                    path_parameters=path_parameters, body=body, media_type="application/json"
                )
                self.send(case, who)


def test_no_input_answers_a_server_error(api_schema, furnished, in_process):  # noqa: F811
    fuzz = Fuzz(furnished, in_process)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        fuzz.generated(operation)
        fuzz.wrong_shapes(operation)

    # Every operation of the schema was tried, by both roles.
    assert len(operations) > 150
    assert {operation.label for operation in operations} == set(fuzz.sent)
    assert all(roles == set(ROLES) for roles in fuzz.sent.values())
    assert not fuzz.failures, f"{len(fuzz.failures)} requests answered 5xx:\n\n" + "\n\n".join(fuzz.failures)

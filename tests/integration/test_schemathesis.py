"""schemathesis against /api/v1/openapi.json through the WSGI app: no server error, no response off the schema."""
import contextvars

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.auth import services as accounts
from app.clock import utcnow
from app.extensions import db
from app.questions import services

# Small enough that the whole run takes seconds on two busy cores, large enough to reach every documented answer.
POSITIVE_EXAMPLES = 12
NEGATIVE_EXAMPLES = 8
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _community(make):
    """Some threads, an accepted answer and a flag, so ids 1..n exist and most paths reach their 200/201."""
    asker, helper = make.user("asker"), make.user("helper")
    for number in range(3):
        question = make.question(asker, title=f"How do I pair the X200 with two phones, case {number}?",
                                 tags=["x200", "bluetooth"])
        answer = make.answer(question, helper)
        make.comment(question, helper, answer=answer)
    services.accept_answer(asker, answer, now=utcnow())


def _run(operation, mode, examples, headers):
    """Generate `examples` cases for one operation and check every response (each request in a fresh context)."""
    # The in-process WSGI client does not decompress; real clients get zstd, brotli or gzip.
    headers = {**headers, "Accept-Encoding": "identity"}
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        contextvars.Context().run(case.call_and_validate, headers=headers, checks=CHECKS)
        db.session.rollback()

    run()


def test_every_operation_answers_within_its_schema(app, make):
    _community(make)
    admin = make.user("apiadmin", role="admin")
    headers = {"Authorization": f"Bearer {accounts.create_api_token(admin, now=utcnow())}"}
    schema = contextvars.Context().run(schemathesis.openapi.from_wsgi, "/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        _run(operation, schemathesis.GenerationMode.POSITIVE, POSITIVE_EXAMPLES, headers)
        _run(operation, schemathesis.GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES, headers)


def test_writes_without_a_token_answer_401_within_the_schema(app, make):
    _community(make)
    schema = contextvars.Context().run(schemathesis.openapi.from_wsgi, "/api/v1/openapi.json", app)
    secured = [result.ok() for result in schema.get_all_operations() if result.ok().definition.raw.get("security")]
    assert secured
    for operation in secured:
        _run(operation, schemathesis.GenerationMode.POSITIVE, 3, {})


def test_ids_beyond_the_database_range_are_refused_not_overflowed(client, make):
    """What schemathesis found on PostgreSQL: a question_id past 32 bits was a 500 (integer out of range)."""
    for question_id in (2**31, 2**63, -1, 0):
        response = client.post("/api/v1/suggest/opened", json={"draft": "0" * 16, "question_id": question_id})
        assert response.status_code == 422 and response.json["error"]["code"] == "invalid"

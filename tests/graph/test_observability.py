"""Request ids and structured logs: every request gets an id, echoed in `X-Request-Id`, written on
its JSON access log line and on the log line of an unexpected error, whose masked answer carries it."""

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from graph.observability import StructuredFormatter, structured_handler
from resolvers import courses
from tests.conftest import Api
from tests.factories import make_course, make_portal

CATALOG = "query Catalog { courses(first: 5) { nodes { title } } }"
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the service's loggers write, formatted as `LOG_FORMAT=json` formats it."""
    stream = io.StringIO()
    handler = structured_handler(stream, as_json=True)
    loggers = [logging.getLogger(name) for name in ("coursegraph.access", "coursegraph.errors")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def records(stream: io.StringIO, logger: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == logger]


async def test_a_request_is_logged_as_one_json_line_with_the_id_it_was_answered_with(
    api: Api, session: AsyncSession, log_lines: io.StringIO, count_sql: Any
) -> None:
    acme = await make_portal(session, slug="acme")
    await make_course(session, acme, title="One")
    admin = api.acting_in("acme")
    await admin.data("{ __typename }")  # the API key is issued before counting
    log_lines.truncate(0)
    log_lines.seek(0)
    with count_sql() as sql:
        response = await admin.post(CATALOG)
    assert response.json()["data"]["courses"]["nodes"] == [{"title": "One"}]
    request_id = response.headers["x-request-id"]
    assert GENERATED.fullmatch(request_id)
    [line] = records(log_lines, "coursegraph.access")
    assert line["request_id"] == request_id
    assert line["level"] == "INFO"
    assert {key: line[key] for key in ("method", "path", "status", "operation", "client")} == {
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operation": "Catalog",
        "client": "127.0.0.1",
    }
    assert line["sql_statements"] == sql.count > 0
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("req-7f3a.42:edge/1", True), ("has space", False), ("<script>", False), ("x" * 129, False)],
)
async def test_a_sane_incoming_request_id_is_kept_and_any_other_replaced(
    http: httpx.AsyncClient, log_lines: io.StringIO, sent: str, kept: bool
) -> None:
    response = await http.get("/healthz", headers={"X-Request-Id": sent})
    answered = response.headers["x-request-id"]
    assert (answered == sent) is kept
    if not kept:
        assert GENERATED.fullmatch(answered)
    [line] = records(log_lines, "coursegraph.access")
    assert (line["request_id"], line["path"], line["status"]) == (answered, "/healthz", 200)


async def test_an_unexpected_error_names_the_request_in_its_answer_and_its_log_line(
    api: Api, session: AsyncSession, log_lines: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("password=hunter2")

    monkeypatch.setattr(courses, "create_category", broken)
    await make_portal(session, slug="acme")
    response = await api.acting_in("acme").post(
        'mutation { categoryCreate(input: {name: "Math"}) { errors { code } } }', **{"X-Request-Id": "support-42"}
    )
    assert response.headers["x-request-id"] == "support-42"
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "support-42"}
    assert "hunter2" not in response.text
    [logged] = records(log_lines, "coursegraph.errors")
    assert logged["request_id"] == "support-42" and logged["level"] == "ERROR"
    assert "RuntimeError: password=hunter2" in logged["exception"]


def test_text_logs_put_the_request_id_and_the_fields_after_the_message() -> None:
    record = logging.LogRecord("coursegraph.access", logging.INFO, __file__, 1, "GET %s", ("/healthz",), None)
    record.request_id, record.status = "abc", 200
    line = StructuredFormatter(as_json=False).format(record)
    assert line.endswith(" INFO coursegraph.access GET /healthz request_id=abc status=200")

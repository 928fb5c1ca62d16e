"""Property tests against the served OpenAPI schema (schemathesis): for a few dozen generated requests per
operation — valid and invalid parameters, odd strings, huge numbers — the API never answers 500, and every answer
matches the schema it declares. The app runs in-process on a populated SQLite archive; the crawl endpoint has a
token configured, so generated requests (which cannot know it) are refused and start nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from conftest import TOKEN, populate, settings_for
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from newsharvest.web import create_app
from storage.db import create_engine_for, session_factory
from storage.migrate import upgrade

EXAMPLES_PER_OPERATION = 30


@pytest.fixture
def api_schema(sqlite_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = create_engine_for(sqlite_url)
    upgrade(engine)
    with session_factory(engine)() as session:
        populate(session)
    engine.dispose()
    return schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(settings_for(sqlite_url, tmp_path, NEWSHARVEST_API_TOKEN=TOKEN))
    )


@pytest.mark.timeout(180)
def test_no_server_errors_and_answers_match_the_schema(api_schema) -> None:  # type: ignore[no-untyped-def]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 11  # every route of the API is in the schema
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            statuses.append(case.call_and_validate(checks=[not_a_server_error, response_schema_conformance]).status_code)

        check()
    assert len(statuses) >= 10 * len(operations)  # examples were really sent
    assert {200, 404, 422, 401} <= set(statuses)  # found things, missed things, refused bad input and the tokenless

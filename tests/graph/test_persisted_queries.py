"""Persisted queries: Apollo's APQ round trip (miss → register → hit) and the production allow-list."""

import hashlib
import json
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from graph.persisted import load_manifest
from models.settings import Settings
from tests.conftest import FrozenClock, serving
from tests.factories import make_portal

CATALOG = "query Catalog { courses(first: 5) { nodes { title } } }"
OTHER = "query Other { __typename }"
REDIS_URL = "redis://127.0.0.1:6379/0"
PORTAL = {"X-Portal": "acme"}


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def by_hash(query: str, *, sending: bool = False) -> dict[str, Any]:
    """A request naming `query` by its hash, and sending its text too when registering it."""
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}}
    return {**body, "query": query} if sending else body


def codes(response: httpx.Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json().get("errors", [])]


@pytest.fixture
async def portal(session: AsyncSession) -> None:
    await make_portal(session, slug="acme")


async def test_a_hash_miss_then_registration_then_hits_by_post_and_get(http: httpx.AsyncClient, portal: None) -> None:
    missed = await http.post("/graphql", json=by_hash(CATALOG), headers=PORTAL)
    assert missed.status_code == 200
    assert codes(missed) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert missed.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    registered = await http.post("/graphql", json=by_hash(CATALOG, sending=True), headers=PORTAL)
    assert registered.json()["data"] == {"courses": {"nodes": []}}
    hit = await http.post("/graphql", json=by_hash(CATALOG), headers=PORTAL)
    assert hit.json()["data"] == {"courses": {"nodes": []}}
    extensions = json.dumps(by_hash(CATALOG)["extensions"])
    got = await http.get("/graphql", params={"extensions": extensions}, headers=PORTAL)
    assert got.status_code == 200 and got.json()["data"] == {"courses": {"nodes": []}}


async def test_a_miss_is_a_request_error_for_graphql_response_clients(http: httpx.AsyncClient) -> None:
    accept = {"accept": "application/graphql-response+json"}
    missed = await http.post("/graphql", json=by_hash(OTHER), headers=accept)
    assert missed.status_code == 400
    assert missed.headers["content-type"].startswith("application/graphql-response+json")
    assert codes(missed) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    ("extensions", "message"),
    [
        ({"persistedQuery": {"version": 2, "sha256Hash": sha(OTHER)}}, "Unsupported persisted query version"),
        ({"persistedQuery": {"version": 1, "sha256Hash": "XYZ"}}, "sha256Hash must be 64"),
        ({"persistedQuery": {"version": 1, "sha256Hash": sha(CATALOG)}}, "provided sha does not match query"),
    ],
)
async def test_a_wrong_version_hash_or_mismatch_is_refused_and_nothing_is_stored(
    http: httpx.AsyncClient, extensions: dict[str, Any], message: str
) -> None:
    refused = await http.post("/graphql", json={"query": OTHER, "extensions": extensions})
    assert codes(refused) == ["BAD_REQUEST"]
    assert refused.json()["errors"][0]["message"].startswith(message)
    assert codes(await http.post("/graphql", json=by_hash(OTHER))) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_with_redis_a_query_registered_on_one_worker_runs_on_another(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock
) -> None:
    await a_query_registered_on_one_worker_runs_on_another(settings, engine, clock, redis_url=REDIS_URL)


@pytest.mark.postgres_only
async def test_without_redis_postgresql_keeps_the_queries_every_worker_shares(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock
) -> None:
    """Issue 11: with PostgreSQL and no Redis, PostgreSQL keeps them; unused for the TTL, forgotten."""
    await a_query_registered_on_one_worker_runs_on_another(settings, engine, clock, redis_url=None)
    clock.advance(seconds=settings.persisted_query_ttl_seconds + 1)
    kept = "query Kept { __typename }"
    async with serving(settings, engine, clock) as registering:
        await registering.post("/graphql", json=by_hash(kept, sending=True))  # forgets what went unused
    async with serving(settings, engine, clock) as newcomer:
        assert codes(await newcomer.post("/graphql", json=by_hash(OTHER))) == ["PERSISTED_QUERY_NOT_FOUND"]
        assert (await newcomer.post("/graphql", json=by_hash(kept))).json()["data"] == {"__typename": "Query"}


async def a_query_registered_on_one_worker_runs_on_another(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, *, redis_url: str | None
) -> None:
    shared = {"redis_url": redis_url, "redis_namespace": f"test-{uuid4().hex}"}
    async with (
        serving(settings, engine, clock, **shared) as first,
        serving(settings, engine, clock, **shared) as second,
    ):
        assert codes(await second.post("/graphql", json=by_hash(OTHER))) == ["PERSISTED_QUERY_NOT_FOUND"]
        await first.post("/graphql", json=by_hash(OTHER, sending=True))
        hit = await second.post("/graphql", json=by_hash(OTHER))
    assert hit.json()["data"] == {"__typename": "Query"}


async def test_switched_off_the_service_says_so(settings: Settings, engine: AsyncEngine, clock: FrozenClock) -> None:
    async with serving(settings, engine, clock, persisted_queries="off") as http:
        refused = await http.post("/graphql", json=by_hash(OTHER, sending=True))
        plain = await http.post("/graphql", json={"query": OTHER})
    assert codes(refused) == ["PERSISTED_QUERY_NOT_SUPPORTED"]
    assert plain.json()["data"] == {"__typename": "Query"}


def apollo_manifest(tmp_path: Path, *queries: str) -> str:
    operations = [{"id": sha(q), "name": q.split()[1], "type": "query", "body": q} for q in queries]
    path = tmp_path / "persisted-query-manifest.json"
    path.write_text(json.dumps({"format": "apollo-persisted-query-manifest", "version": 1, "operations": operations}))
    return str(path)


async def test_in_allowlist_mode_only_registered_operations_run(
    settings: Settings, engine: AsyncEngine, clock: FrozenClock, tmp_path: Path, portal: None
) -> None:
    manifest = apollo_manifest(tmp_path, CATALOG)
    async with serving(
        settings, engine, clock, persisted_queries="allowlist", persisted_queries_manifest=manifest
    ) as http:
        by_its_hash = await http.post("/graphql", json=by_hash(CATALOG), headers=PORTAL)
        in_full = await http.post("/graphql", json={"query": CATALOG}, headers=PORTAL)
        unknown = await http.post("/graphql", json={"query": OTHER})
        registering = await http.post("/graphql", json=by_hash(OTHER, sending=True))
    assert by_its_hash.json()["data"] == in_full.json()["data"] == {"courses": {"nodes": []}}
    assert codes(unknown) == codes(registering) == ["PERSISTED_QUERY_NOT_ALLOWED"]


def test_a_manifest_whose_hash_does_not_match_its_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "relay.json"
    path.write_text(json.dumps({sha(OTHER): OTHER}))
    assert load_manifest(str(path)) == {sha(OTHER): OTHER}
    path.write_text(json.dumps({sha(OTHER): CATALOG}))
    with pytest.raises(ValueError, match="does not match"):
        load_manifest(str(path))

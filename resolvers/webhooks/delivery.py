"""The delivery worker: outbox events fan out to one delivery per subscribed webhook, then due
deliveries are claimed, POSTed (contract §9 body and signed headers) and settled.

At least once, with a stable event id: a delivery is claimed (status DELIVERING, one more
attempt, `next_attempt_at` pushed to the end of a lease) and committed before the POST, and its
outcome is committed after. A worker that dies in between leaves a claim whose lease runs out;
the next pass claims it again and repeats only that delivery. A 2xx settles it; anything else is
retried after an exponential backoff until `max_attempts`, then FAILED. On PostgreSQL claims use
`FOR UPDATE SKIP LOCKED`, so any number of workers share the work without sending a delivery
twice; on SQLite (which renders no row locks) run one worker process.

`deliver_due` is one pass with an injected clock: tests call it; `run_worker` (the service's
background task, `coursegraph deliver`) calls it in a loop.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from sqlalchemy import Update, case, literal, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models.base import Clock
from models.enrollments import OutboxEvent
from models.session import INSERT, Db, now, session_factory
from models.settings import Settings
from models.webhooks import Webhook, WebhookDelivery, WebhookDeliveryStatus
from resolvers.webhooks.signing import signed_headers

log = logging.getLogger("coursegraph.webhooks")
DUE = (WebhookDeliveryStatus.PENDING, WebhookDeliveryStatus.DELIVERING)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryPolicy:
    """Settings of the worker (models/settings.py `webhook_*`)."""

    timeout_seconds: float = 10.0
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    backoff_cap_seconds: float = 6 * 3600.0
    lease_seconds: float = 120.0
    batch_size: int = 50

    @classmethod
    def of(cls, settings: Settings) -> "DeliveryPolicy":
        return cls(
            timeout_seconds=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
            backoff_seconds=settings.webhook_backoff_seconds,
            backoff_cap_seconds=settings.webhook_backoff_cap_seconds,
            lease_seconds=settings.webhook_lease_seconds,
            batch_size=settings.webhook_batch_size,
        )

    def backoff(self, attempts: int) -> timedelta:
        """30 s, 60 s, 120 s … after the 1st, 2nd, 3rd failed attempt, capped."""
        return timedelta(seconds=min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.backoff_cap_seconds))


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker holds until `claim_id` is settled or its lease runs out."""

    delivery_id: UUID
    claim_id: UUID
    attempts: int
    url: str
    secret: str
    event: str
    event_id: UUID
    body: bytes


@dataclass(frozen=True, slots=True)
class Outcome:
    claim: Claim
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(slots=True)
class DeliveryPass:
    """What one pass did: events fanned out, deliveries claimed, and how they ended."""

    events: int = 0
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    outcomes: list[Outcome] = field(default_factory=list)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_body(event: Any) -> bytes:
    """Contract §9 envelope, encoded once: the bytes signed are the bytes sent."""
    envelope = {
        "id": str(event.id),
        "event": event.event,
        "occurredAt": _iso(event.occurred_at),
        "portalId": str(event.portal_id),
        "data": event.data,
    }
    return json.dumps(envelope, separators=(",", ":")).encode()


async def fan_out(session: AsyncSession, *, limit: int) -> int:
    """Undispatched outbox events become one delivery per active webhook of their portal that
    subscribes to them; `OutboxEvent.delivered_at` marks an event handed over. Idempotent (one
    delivery per webhook and event), so two workers racing here do no harm."""
    at = now(session)
    events = list(
        await session.execute(
            select(OutboxEvent.id, OutboxEvent.portal_id, OutboxEvent.event)
            .where(OutboxEvent.delivered_at.is_(None))
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not events:
        return 0
    portals = {event.portal_id for event in events}
    hooks = list(
        await session.execute(
            select(Webhook.id, Webhook.portal_id, Webhook.events).where(
                Webhook.portal_id.in_(portals), Webhook.is_active
            )
        )
    )
    rows = [
        {
            "id": uuid4(),
            "portal_id": event.portal_id,
            "webhook_id": hook.id,
            "event_id": event.id,
            "event": event.event,
            "status": WebhookDeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
            "updated_at": at,
        }
        for event in events
        for hook in hooks
        if hook.portal_id == event.portal_id and event.event in hook.events
    ]
    if rows:
        insert = INSERT[session.bind.dialect.name](WebhookDelivery.__table__)
        await session.execute(insert.on_conflict_do_nothing(index_elements=["webhook_id", "event_id"]), rows)
    await session.execute(
        update(OutboxEvent).where(OutboxEvent.id.in_([event.id for event in events])).values(delivered_at=at)
    )
    return len(events)


def _update_each(changes: Mapping[UUID, Mapping[str, Any]], at: datetime) -> Update:
    """One UPDATE giving each delivery its own values: every column changed is a CASE on the id,
    and a delivery that does not change it keeps its own. Statements stay one per batch."""
    table = WebhookDelivery.__table__
    names = {name for change in changes.values() for name in change}
    values = {
        name: case(
            {id_: literal(change[name], table.c[name].type) for id_, change in changes.items() if name in change},
            value=table.c.id,
            else_=table.c[name],
        )
        for name in names
    }
    return update(table).values(values | {"updated_at": at})


async def claim_due(session: AsyncSession, *, policy: DeliveryPolicy) -> list[Claim]:
    """Due deliveries of active webhooks, locked past other workers (SKIP LOCKED), each given a
    new claim and a lease. One whose lease ran out after its last attempt is FAILED instead.
    Two statements whatever the batch: the locking read (with the webhook and the event) and
    one UPDATE."""
    at = now(session)
    due = list(
        await session.execute(
            select(WebhookDelivery.id, WebhookDelivery.attempts, Webhook.url, Webhook.secret, OutboxEvent)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.status.in_(DUE), WebhookDelivery.next_attempt_at <= at, Webhook.is_active)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(policy.batch_size)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
    )
    if not due:
        return []
    claims, changes = [], {}
    for row in due:
        if row.attempts >= policy.max_attempts:
            changes[row.id] = {
                "status": WebhookDeliveryStatus.FAILED,
                "claim_id": None,
                "last_error": "The worker stopped during the last attempt.",
            }
            continue
        event = row.OutboxEvent
        claim = Claim(row.id, uuid4(), row.attempts + 1, row.url, row.secret, event.event, event.id, event_body(event))
        changes[row.id] = {
            "status": WebhookDeliveryStatus.DELIVERING,
            "claim_id": claim.claim_id,
            "attempts": claim.attempts,
            "next_attempt_at": at + timedelta(seconds=policy.lease_seconds),
        }
        claims.append(claim)
    await session.execute(_update_each(changes, at).where(WebhookDelivery.id.in_(changes)))
    return claims


async def post(client: httpx.AsyncClient, claim: Claim, at: datetime) -> Outcome:
    """One attempt. Any answer but 2xx (redirects are not followed) and any failure to get one
    (refused, timed out, a URL the client cannot use) is a failed attempt, never a failed pass."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "CourseGraph-Webhooks/1",
        "X-CourseGraph-Event": claim.event,
        "X-CourseGraph-Event-Id": str(claim.event_id),
        **signed_headers(claim.secret, at, claim.body),
    }
    try:
        response = await client.post(claim.url, content=claim.body, headers=headers)
    except Exception as error:  # whatever went wrong is this attempt's error
        return Outcome(claim, None, f"{type(error).__name__}: {error}"[:500])
    error = None if response.is_success else f"HTTP {response.status_code}"
    return Outcome(claim, response.status_code, error)


async def settle(session: AsyncSession, outcomes: Sequence[Outcome], *, policy: DeliveryPolicy) -> None:
    """Only the claim that is still current is settled: a worker that outlived its lease
    (another worker claimed the delivery since) changes nothing. One UPDATE for the batch."""
    if not outcomes:
        return
    at = now(session)
    changes: dict[UUID, dict[str, Any]] = {}
    for outcome in outcomes:
        claim = outcome.claim
        change: dict[str, Any] = {
            "claim_id": None,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if outcome.succeeded:
            change |= {"status": WebhookDeliveryStatus.DELIVERED, "delivered_at": at}
        elif claim.attempts >= policy.max_attempts:
            change |= {"status": WebhookDeliveryStatus.FAILED}
        else:
            change |= {"status": WebhookDeliveryStatus.PENDING, "next_attempt_at": at + policy.backoff(claim.attempts)}
        changes[claim.delivery_id] = change
    current = tuple_(WebhookDelivery.id, WebhookDelivery.claim_id).in_(
        [(outcome.claim.delivery_id, outcome.claim.claim_id) for outcome in outcomes]
    )
    await session.execute(_update_each(changes, at).where(current))


async def deliver_due(
    engine: AsyncEngine,
    clock: Clock,
    *,
    policy: DeliveryPolicy | None = None,
    client: httpx.AsyncClient | None = None,
) -> DeliveryPass:
    """One pass: fan out every waiting event, then claim, send and settle one batch of due
    deliveries. Each step is its own transaction; the POSTs run outside any."""
    policy = policy or DeliveryPolicy()
    db = Db(session_factory(engine, clock))
    done = DeliveryPass()
    try:
        while (count := await db.transaction(fan_out, limit=policy.batch_size)) > 0:
            done.events += count
        claims = await db.transaction(claim_due, policy=policy)
        if claims:
            own = client is None
            http = client or httpx.AsyncClient(timeout=policy.timeout_seconds)
            try:
                done.outcomes = list(await asyncio.gather(*(post(http, claim, clock()) for claim in claims)))
            finally:
                if own:
                    await http.aclose()
            await db.transaction(settle, done.outcomes, policy=policy)
    finally:
        await db.close()
    done.claimed = len(claims)
    done.delivered = sum(outcome.succeeded for outcome in done.outcomes)
    done.failed = sum(not o.succeeded and o.claim.attempts >= policy.max_attempts for o in done.outcomes)
    done.retrying = done.claimed - done.delivered - done.failed
    return done


async def run_worker(
    engine: AsyncEngine,
    clock: Clock,
    *,
    policy: DeliveryPolicy,
    poll_seconds: float,
    stop: asyncio.Event | None = None,
) -> None:
    """The background loop: a pause, then passes until one finds less than a batch due. It
    starts with the pause, so a process that stops at once sends nothing. A failing pass
    (database away) is logged and tried again: the outbox keeps every event meanwhile.
    `stop` ends it between passes: a pass under way finishes, so no claim waits out its lease."""
    stop = stop or asyncio.Event()
    async with httpx.AsyncClient(timeout=policy.timeout_seconds) as client:
        busy = False
        while not stop.is_set():
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_seconds)
                if stop.is_set():
                    return
            try:
                done = await deliver_due(engine, clock, policy=policy, client=client)
            except Exception:  # the loop must outlive any one pass
                log.exception("webhook delivery pass failed")
                done = DeliveryPass()
            busy = done.claimed >= policy.batch_size

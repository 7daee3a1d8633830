"""Webhook subscriptions per portal (003 § Webhooks, contract §7–§9), admins only (policy.py):
webhookCreate, webhookUpdate, webhookDelete, webhookDeliveryRetry and the lists behind
`webhooks` and `Webhook.deliveries`."""

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.session import now
from models.webhooks import Webhook, WebhookDelivery, WebhookDeliveryStatus, WebhookEvent
from resolvers.auth import Actor, acting_portal, visible_row
from resolvers.errors import Checks, Failure, Path, error_codes

WebhookErrorCode = error_codes("WebhookErrorCode")
EVENTS = tuple(event.value for event in WebhookEvent)
SECRET_PREFIX = "whsec_"
MIN_SECRET, MAX_SECRET = 16, 200
MAX_DESCRIPTION = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookChange:
    """What webhookCreate sets and webhookUpdate may change; None leaves a field as it is."""

    url: str | None = None
    events: Sequence[str] | None = None
    secret: str | None = None
    description: str | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class WebhookCreated:
    webhook: Webhook
    secret: str

    @property
    def audit_target(self) -> Webhook:
        return self.webhook


def _check(change: WebhookChange, *, creating: bool) -> None:
    """Event names exactly as 003 spells them on the wire (`assigment_*` included)."""
    checks = Checks()
    checks.url(("url",), change.url, required=creating)
    if change.events is not None or creating:
        if not change.events:
            checks.add(("events",), "Name at least one event.", "REQUIRED")
        for index, event in enumerate(change.events or ()):
            if event not in EVENTS:
                checks.add(("events", str(index)), f"{event!r} is not one of {', '.join(EVENTS)}.", "INVALID")
    if change.secret is not None and not MIN_SECRET <= len(change.secret) <= MAX_SECRET:
        checks.add(("secret",), f"A secret has {MIN_SECRET} to {MAX_SECRET} characters.", "INVALID")
    checks.text(("description",), change.description, max_length=MAX_DESCRIPTION)
    checks.done()


def _events(events: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(events))  # in the order given, once each


async def create_webhook(session: AsyncSession, *, actor: Actor, change: WebhookChange) -> WebhookCreated:
    """The secret is generated unless given, shown once in the payload, then never again."""
    portal_id = acting_portal(actor)
    _check(change, creating=True)
    secret = change.secret or f"{SECRET_PREFIX}{secrets.token_urlsafe(32)}"
    webhook = Webhook(
        portal_id=portal_id,
        url=change.url or "",
        events=_events(change.events or ()),
        secret=secret,
        description=None if change.description is None else change.description.strip() or None,
        is_active=True if change.is_active is None else change.is_active,
    )
    session.add(webhook)
    await session.flush()
    return WebhookCreated(webhook, secret)


async def update_webhook(session: AsyncSession, *, actor: Actor, webhook_id: UUID, change: WebhookChange) -> Webhook:
    """A new secret signs every delivery from now on, those already due included."""
    webhook = await visible_row(session, Webhook, webhook_id, actor=actor, field="webhookId", manage=True)
    _check(change, creating=False)
    if change.url is not None:
        webhook.url = change.url
    if change.events is not None:
        webhook.events = _events(change.events)
    if change.secret is not None:
        webhook.secret = change.secret
    if change.description is not None:
        webhook.description = change.description.strip() or None
    if change.is_active is not None:
        webhook.is_active = change.is_active
    await session.flush()
    return webhook


async def delete_webhook(session: AsyncSession, *, actor: Actor, webhook_id: UUID) -> Webhook:
    """Its deliveries go with it, pending ones included."""
    webhook = await visible_row(session, Webhook, webhook_id, actor=actor, field="webhookId", manage=True)
    await session.delete(webhook)
    await session.flush()
    return webhook


async def retry_delivery(session: AsyncSession, *, actor: Actor, webhook_delivery_id: UUID) -> WebhookDelivery:
    """Due again now, with a fresh count of attempts (history keeps the last error). A delivery
    a worker holds right now is left to it."""
    field: Path = ("webhookDeliveryId",)
    delivery = await visible_row(session, WebhookDelivery, webhook_delivery_id, actor=actor, field=field[0])
    at = now(session)
    if delivery.status is WebhookDeliveryStatus.DELIVERING and delivery.next_attempt_at > at:
        raise Failure.one(field, "A worker is delivering it right now.", "NOT_ALLOWED_IN_STATE")
    delivery.status, delivery.next_attempt_at = WebhookDeliveryStatus.PENDING, at
    delivery.attempts, delivery.claim_id = 0, None
    await session.flush()
    return delivery


def webhooks_query(actor: Actor) -> Select[Any]:
    return select(Webhook.__table__).where(actor.visible(Webhook))


def deliveries_query(actor: Actor, status: WebhookDeliveryStatus | None) -> Select[Any]:
    stmt = select(WebhookDelivery.__table__).where(actor.visible(WebhookDelivery))
    return stmt if status is None else stmt.where(WebhookDelivery.status == status)

"""Webhooks and their delivery history as the graph shows them (admins only, policy.py). The
secret is never a field: it was shown once, by webhookCreate."""

import json
from datetime import datetime
from typing import Annotated, Any, Self
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from graph.context import Info
from graph.enums import described
from graph.node import Node, make_id, register
from graph.pagination import Connection, Listed, Paged, order_input
from models.enrollments import OutboxEvent
from models.webhooks import Webhook, WebhookDelivery
from models.webhooks import WebhookDeliveryStatus as DeliveryStatus
from resolvers.webhooks import subscriptions
from resolvers.webhooks.delivery import event_body

WebhookDeliveryStatus = described(
    strawberry.enum(
        DeliveryStatus,
        description="PENDING: waiting for its (next) attempt; DELIVERING: a worker holds it; DELIVERED: a 2xx "
        "answer came back; FAILED: every attempt failed (webhookDeliveryRetry starts over).",
    ),
    {
        "PENDING": "Waiting for its first or next attempt.",
        "DELIVERING": "A worker is sending it now.",
        "DELIVERED": "The receiver answered 2xx.",
        "FAILED": "Every attempt failed; webhookDeliveryRetry starts over.",
    },
)
WebhookOrder = order_input("WebhookOrder", {"CREATED_AT": "created_at", "URL": "url"})
WebhookDeliveryOrder = order_input(
    "WebhookDeliveryOrder", {"CREATED_AT": "created_at", "NEXT_ATTEMPT_AT": "next_attempt_at"}
)


@strawberry.type(name="WebhookDelivery", description="One event sent (or to be sent) to one webhook.")
class WebhookDeliveryType(Node):
    event: str = strawberry.field(description="The event's name as sent in X-CourseGraph-Event.")
    event_id: str = strawberry.field(
        description="The event's id, sent in X-CourseGraph-Event-Id and as `id` of the body: the same on "
        "every attempt, so receivers dedupe on it."
    )
    status: WebhookDeliveryStatus = strawberry.field(description="Where the delivery stands.")  # type: ignore[valid-type]
    attempts: int = strawberry.field(description="Attempts made so far.")
    last_status_code: int | None = strawberry.field(description="The HTTP status of the last answer, if any.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed; null after a success.")
    next_attempt_at: datetime | None = strawberry.field(description="When it is due next; null once settled.")
    delivered_at: datetime | None = strawberry.field(description="When a 2xx answer came back.")
    created_at: datetime = strawberry.field(description="When the event was fanned out to this webhook.")
    webhook_id: strawberry.Private[UUID]
    event_row_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        settled = row.status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)
        return cls(
            id=make_id("WebhookDelivery", row.id),
            event=row.event,
            event_id=str(row.event_id),
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            next_attempt_at=None if settled else row.next_attempt_at,
            delivered_at=row.delivered_at,
            created_at=row.created_at,
            webhook_id=row.webhook_id,
            event_row_id=row.event_id,
        )

    @strawberry.field(description="The body POSTed: `{ id, event, occurredAt, portalId, data }` (contract §9).")
    async def payload(self, info: Info) -> JSON | None:
        row = await info.context.loaders.row(OutboxEvent, self.event_row_id)
        return None if row is None else json.loads(event_body(row))

    @strawberry.field(description="The webhook it is sent to.")
    async def webhook(self, info: Info) -> "WebhookType | None":
        row = await info.context.loaders.row(Webhook, self.webhook_id)
        return None if row is None else WebhookType.from_row(row)


@strawberry.type(name="Webhook", description="A portal's subscription to events, POSTed signed to `url`.")
class WebhookType(Node):
    url: str = strawberry.field(description="Where events are POSTed.")
    events: list[str] = strawberry.field(description="Event names as 003 spells them (`assigment_*` included).")
    description: str | None = strawberry.field(description="What the webhook is for, as its admins wrote it.")
    is_active: bool = strawberry.field(description="An inactive webhook gets nothing; its deliveries wait.")
    created_at: datetime = strawberry.field(description="When it was created.")
    row_id: strawberry.Private[UUID]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Webhook", row.id),
            url=row.url,
            events=list(row.events or ()),
            description=row.description,
            is_active=row.is_active,
            created_at=row.created_at,
            row_id=row.id,
        )

    @strawberry.field(
        description="The delivery history, newest last by default.", extensions=[Paged(WebhookDeliveryOrder)]
    )
    async def deliveries(
        self,
        info: Info,
        status: Annotated[
            WebhookDeliveryStatus | None,  # type: ignore[valid-type]
            strawberry.argument(description="Only deliveries in this status."),
        ] = None,
    ) -> Connection[WebhookDeliveryType]:
        actor = await info.context.actor()
        return Listed(  # type: ignore[return-value]
            subscriptions.deliveries_query,
            (actor, status),
            WebhookDeliveryType.from_row,
            partition="webhook_id",
            parent=self.row_id,
        )


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="Webhooks of the acting portal and its sub-portals (admins).", extensions=[Paged(WebhookOrder)]
    )
    async def webhooks(self, info: Info) -> Connection[WebhookType]:
        actor = await info.context.actor()
        return Listed(subscriptions.webhooks_query, (actor,), WebhookType.from_row)  # type: ignore[return-value]


register("Webhook", Webhook, WebhookType.from_row)
register("WebhookDelivery", WebhookDelivery, WebhookDeliveryType.from_row)

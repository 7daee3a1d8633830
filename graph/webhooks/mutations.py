"""webhookCreate, webhookUpdate, webhookDelete, webhookDeliveryRetry (admins)."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.errors import error_type
from graph.mutation import payload_type, perform
from graph.node import input_id
from graph.webhooks.types import WebhookDeliveryType, WebhookType
from resolvers.errors import Problem
from resolvers.webhooks import subscriptions
from resolvers.webhooks.subscriptions import WebhookChange

WebhookError = error_type("WebhookError", subscriptions.WebhookErrorCode)
EVENTS_HELP = f"Event names, exactly as 003 spells them: {', '.join(subscriptions.EVENTS)}."
SECRET_HELP = (
    f"{subscriptions.MIN_SECRET}–{subscriptions.MAX_SECRET} characters that sign every delivery "
    "(X-CourseGraph-Signature)."
)


@strawberry.input(description="A new webhook of the acting portal.")
class WebhookCreateInput:
    url: str = strawberry.field(description="Where events are POSTed (http or https).")
    events: list[str] = strawberry.field(description=EVENTS_HELP)
    secret: str | None = strawberry.field(default=None, description=f"{SECRET_HELP} Generated when left out.")
    description: str | None = strawberry.field(default=None, description="What the webhook is for.")
    is_active: bool | None = strawberry.field(default=None, description="Default true.")


@strawberry.input(description="What to change of a webhook; fields left out stay as they are.")
class WebhookUpdateInput:
    webhook_id: strawberry.ID = strawberry.field(description="The webhook to change.")
    url: str | None = strawberry.field(default=None, description="Where events are POSTed from now on.")
    events: list[str] | None = strawberry.field(default=None, description=EVENTS_HELP)
    secret: str | None = strawberry.field(default=None, description=f"A new secret: {SECRET_HELP}")
    description: str | None = strawberry.field(default=None, description="What the webhook is for.")
    is_active: bool | None = strawberry.field(default=None, description="False pauses deliveries; true resumes them.")


@strawberry.input(description="The webhook to delete.")
class WebhookDeleteInput:
    webhook_id: strawberry.ID = strawberry.field(description="A webhook of the acting portal (or below it).")


@strawberry.input(description="The delivery to send again.")
class WebhookDeliveryRetryInput:
    webhook_delivery_id: strawberry.ID = strawberry.field(description="A delivery of one of your webhooks.")


@strawberry.type(description="The new webhook; `secret` is shown now and never again.")
class WebhookCreatePayload:
    webhook: WebhookType | None = strawberry.field(default=None, description="The new webhook; null when refused.")
    secret: str | None = strawberry.field(
        default=None, description="Verify deliveries with it: HMAC-SHA256 of `<timestamp>.<raw body>`."
    )
    errors: list[WebhookError] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="Why the input was refused; empty on success."
    )

    @classmethod
    def of(cls, created: subscriptions.WebhookCreated) -> "WebhookCreatePayload":
        return cls(webhook=WebhookType.from_row(created.webhook), secret=created.secret)

    @classmethod
    def failed(cls, problems: list[Problem]) -> "WebhookCreatePayload":
        return cls(errors=WebhookError.of(problems))


WebhookPayload = payload_type("WebhookPayload", "webhook", WebhookType, WebhookError)
WebhookDeliveryPayload = payload_type("WebhookDeliveryPayload", "webhookDelivery", WebhookDeliveryType, WebhookError)


def _webhook_id(value: strawberry.ID) -> dict[str, object]:
    return {"webhook_id": input_id(value, "Webhook", field=("webhookId",))}


def _change(input_: WebhookCreateInput | WebhookUpdateInput) -> WebhookChange:
    return WebhookChange(
        url=input_.url,
        events=input_.events,
        secret=input_.secret,
        description=input_.description,
        is_active=input_.is_active,
    )


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Subscribe a URL to events of the acting portal (admins).")
    async def webhook_create(
        self,
        info: Info,
        input_: Annotated[
            WebhookCreateInput, strawberry.argument(name="input", description="The URL, events and optional secret.")
        ],
    ) -> WebhookCreatePayload:
        change = _change(input_)
        return await perform(info, WebhookCreatePayload, subscriptions.create_webhook, lambda: {"change": change})

    @strawberry.mutation(description="Change a webhook's URL, events, secret, description or activity.")
    async def webhook_update(
        self,
        info: Info,
        input_: Annotated[
            WebhookUpdateInput, strawberry.argument(name="input", description="The webhook and the fields to change.")
        ],
    ) -> WebhookPayload:  # type: ignore[valid-type]
        change = _change(input_)
        return await perform(
            info,
            WebhookPayload,
            subscriptions.update_webhook,
            lambda: {**_webhook_id(input_.webhook_id), "change": change},
        )

    @strawberry.mutation(description="Delete a webhook with its deliveries, pending ones included.")
    async def webhook_delete(
        self,
        info: Info,
        input_: Annotated[WebhookDeleteInput, strawberry.argument(name="input", description="The webhook to delete.")],
    ) -> WebhookPayload:  # type: ignore[valid-type]
        return await perform(info, WebhookPayload, subscriptions.delete_webhook, lambda: _webhook_id(input_.webhook_id))

    @strawberry.mutation(description="Send a delivery again now, with a fresh count of attempts.")
    async def webhook_delivery_retry(
        self,
        info: Info,
        input_: Annotated[
            WebhookDeliveryRetryInput, strawberry.argument(name="input", description="The delivery to send again.")
        ],
    ) -> WebhookDeliveryPayload:  # type: ignore[valid-type]
        return await perform(
            info,
            WebhookDeliveryPayload,
            subscriptions.retry_delivery,
            lambda: {
                "webhook_delivery_id": input_id(
                    input_.webhook_delivery_id, "WebhookDelivery", field=("webhookDeliveryId",)
                )
            },
        )

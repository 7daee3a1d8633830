"""Outbound webhooks (contract §9, 003 § Webhooks) and the 77media Courses API (seed 001):
subscriptions, one delivery per outbox event and subscriber, launch registrations, completions."""

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from models.base import Identified, TenantOwned, Timestamped, UtcDateTime, str_enum


class WebhookEvent(StrEnum):
    """003 § Webhook Event Lookup, spelled as on the wire (`assigment_*` included, DOMAIN Q14)."""

    NEW_ACCOUNT_CREATED = "new_account_created"
    COURSE_ENROLLED = "course_enrolled"
    QUIZ_SUBMISSION = "quiz_submission"
    ASSIGMENT_SUBMISSION = "assigment_submission"
    ASSIGMENT_EVALUATION = "assigment_evaluation"
    ASSIGMENT_REJECTION = "assigment_rejection"
    DISCUSSION_SUBMISSION = "discussion_submission"
    NEW_ORDER = "new_order"
    FAILED_ORDER = "failed_order"
    REFUNDED_ORDER = "refunded_order"
    PENDING_PAYMENT = "pending_payment"
    NEW_ANNOUNCEMENT = "new_announcement"
    COURSE_COMPLETED = "course_completed"


class WebhookDeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    FAILED = "failed"


class Webhook(Identified, TenantOwned, Timestamped, table=True):
    """A portal's subscription. `secret` signs every delivery, so it is kept as given (a digest
    could not sign); the API shows it once, at creation."""

    __table_args__ = (Index("ix_webhook_portal_id_created_at_id", "portal_id", "created_at", "id"),)
    url: str = Field(max_length=2048)
    description: str | None = Field(default=None, max_length=500)
    events: list[str] = Field(default_factory=list, sa_type=JSON)
    secret: str = Field(max_length=200)
    is_active: bool = Field(default=True)


class WebhookDelivery(Identified, TenantOwned, Timestamped, table=True):
    """One outbox event for one webhook. Due when PENDING (or DELIVERING with its lease over, a
    worker that died) and `next_attempt_at` has come; `claim_id` names the claim whose outcome
    may still be recorded, so a worker whose lease ran out cannot overwrite a later one."""

    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhookdelivery_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhookdelivery_webhook_id_created_at_id", "webhook_id", "created_at", "id"),
    )
    webhook_id: UUID = Field(foreign_key="webhook.id", ondelete="CASCADE")
    event_id: UUID = Field(foreign_key="outboxevent.id", index=True, ondelete="CASCADE")
    event: str = Field(max_length=60)
    status: WebhookDeliveryStatus = Field(
        default=WebhookDeliveryStatus.PENDING, sa_type=str_enum(WebhookDeliveryStatus)
    )
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UtcDateTime)
    claim_id: UUID | None = Field(default=None)
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, max_length=500)
    delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class IntegrationSecret(Identified, TenantOwned, Timestamped, table=True):
    """A portal's shared secret with an external system (`courses_api`: seed 001 completions),
    kept as given to verify signatures."""

    __table_args__ = (UniqueConstraint("portal_id", "provider"),)
    provider: str = Field(max_length=40)
    secret: str = Field(max_length=200)


class ExternalRegistration(Identified, TenantOwned, Timestamped, table=True):
    """Seed 001 `reg`: one per learner and EXTERNAL module, made at the first launch and reused
    by every later one (the provider resumes where the learner left off). `id` is the UUID sent;
    `enrollment_id` is the enrollment of the last launch, which completion reports count toward
    (none once that enrollment is removed, until the learner launches again)."""

    __table_args__ = (UniqueConstraint("user_id", "module_id"),)
    user_id: UUID = Field(foreign_key="user.id", ondelete="CASCADE")
    module_id: UUID = Field(foreign_key="module.id", index=True, ondelete="CASCADE")
    enrollment_id: UUID | None = Field(default=None, foreign_key="enrollment.id", index=True, ondelete="SET NULL")
    launches: int = Field(default=0)
    last_launched_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ExternalCompletion(Identified, TenantOwned, Timestamped, table=True):
    """A completion report received for a registration: one per (registration, status), so a
    report sent again changes nothing."""

    __table_args__ = (UniqueConstraint("registration_id", "status"),)
    registration_id: UUID = Field(foreign_key="externalregistration.id", ondelete="CASCADE")
    status: str = Field(max_length=20)
    score: float | None = Field(default=None)
    completed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    body: dict[str, object] = Field(default_factory=dict, sa_type=JSON)

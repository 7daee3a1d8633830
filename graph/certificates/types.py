"""Certificates (R28) and the templates they are drawn from (DOMAIN 2.4)."""

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Self
from uuid import UUID

import strawberry

from graph.context import Info
from graph.enums import CertificateFieldKey, described
from graph.links import OfCourse, OfUser, linked
from graph.node import Node, make_id, register
from graph.pagination import order_input
from models.certificates import Certificate, CertificateTemplate
from models.enrollments import Enrollment
from models.learning_paths import LearningPath, LearningPathEnrollment
from resolvers import certificates
from resolvers.batches import Children

if TYPE_CHECKING:
    from graph.enrollments.types import EnrollmentType
    from graph.learning_paths.types import LearningPathEnrollmentType, LearningPathType

CertificateOrder = order_input("CertificateOrder", {"CREATED_AT": "created_at", "ISSUED_AT": "issued_at"})
CertificateTemplateOrder = order_input("CertificateTemplateOrder", {"CREATED_AT": "created_at", "NAME": "name"})


@strawberry.enum(description="Whether a certificate is valid now (R28, Q21).")
class CertificateStatus(Enum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


described(
    CertificateStatus,
    {
        "ACTIVE": "Valid now.",
        "EXPIRED": "Past its expiry (and any grace period).",
        "REVOKED": "Withdrawn; no longer valid.",
    },
)


@strawberry.type(description="One field placed on a certificate template (003 § Field Keys Lookup).")
class CertificateField:
    key: CertificateFieldKey = strawberry.field(description="What the field prints.")
    value: str | None = strawberry.field(description="The text of a CUSTOM_TEXT field.")
    font_size: int = strawberry.field(description="In points.")
    font_family: str = strawberry.field(description="A font family name, e.g. `Arial`.")
    font_color: str = strawberry.field(description="A CSS colour, e.g. `#000000`.")
    top: int = strawberry.field(description="Distance from the top edge, in pixels of the background.")
    left: int = strawberry.field(description="Distance from the left edge, in pixels of the background.")
    align_center: bool = strawberry.field(description="Centred on `left` instead of starting there.")
    width: int | None = strawberry.field(description="Box width in pixels; null: as wide as the text.")
    height: int | None = strawberry.field(description="Box height in pixels; null: as high as the text.")


@strawberry.type(name="CertificateTemplate", description="The design certificates of a course are drawn from.")
class CertificateTemplateType(Node):
    name: str = strawberry.field(description="The template's name.")
    width: int = strawberry.field(description="Pixels.")
    height: int = strawberry.field(description="Pixels.")
    background_url: str | None = strawberry.field(description="The background image; null: plain.")
    fields: list[CertificateField] = strawberry.field(description="What is printed where.")
    created_at: datetime = strawberry.field(description="When it was created (UTC).")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("CertificateTemplate", row.id),
            name=row.name,
            width=row.width,
            height=row.height,
            background_url=row.background_url,
            fields=[CertificateField(**{**item, "key": CertificateFieldKey(item["key"])}) for item in row.fields],
            created_at=row.created_at,
        )


@strawberry.type(description="What completing a course or learning path earns (R28, R27).")
class Certifies:
    certificate_expires_after: int | None = strawberry.field(
        description="Days a certificate is valid; null: never expires."
    )
    certificate_expires_after_grace_period: int | None = strawberry.field(
        description="Days after expiry in which the learner may recertify (Q21)."
    )
    certificate_template_id: strawberry.Private[UUID | None]

    @strawberry.field(description="Certificates are drawn from it; null: none are issued.")
    async def certificate_template(self, info: Info) -> CertificateTemplateType | None:
        return await template_of(info, self.certificate_template_id)


@strawberry.type(
    name="Certificate", description="A certificate issued to a learner for a course (R28) or a learning path (R27)."
)
class CertificateType(Node, OfUser, OfCourse):
    code: str = strawberry.field(description="The verification code, unique across the service.")
    issued_at: datetime = strawberry.field(description="When it was issued (UTC).")
    expires_at: datetime | None = strawberry.field(description="Null is never.")
    revoked_at: datetime | None = strawberry.field(description="Set when the enrollment's access was revoked.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=make_id("Certificate", row.id),
            code=row.code,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            row=row,
        )

    @strawberry.field(description="Whether it is valid now, read against the service's clock.")
    def status(self, info: Info) -> CertificateStatus:
        return CertificateStatus(certificates.status_of(self.row, info.context.db.now()))

    @strawberry.field(description="From expiry until the course's grace period ends (Q21).")
    def can_recertify(self, info: Info) -> bool:
        return certificates.can_recertify(self.row, info.context.db.now())

    @strawberry.field(description="Null once the enrollment was removed.")
    async def enrollment(
        self, info: Info
    ) -> Annotated["EnrollmentType", strawberry.lazy("graph.enrollments.types")] | None:
        from graph.enrollments.types import EnrollmentType

        return await linked(info, Enrollment, self.row.enrollment_id, EnrollmentType.from_row)

    @strawberry.field(description="The learning path it certifies; null for a course's certificate.")
    async def learning_path(
        self, info: Info
    ) -> Annotated["LearningPathType", strawberry.lazy("graph.learning_paths.types")] | None:
        from graph.learning_paths.types import LearningPathType

        return await linked(info, LearningPath, self.row.learning_path_id, LearningPathType.from_row)

    @strawberry.field(description="The path enrollment that earned it; null for a course's certificate.")
    async def learning_path_enrollment(
        self, info: Info
    ) -> Annotated["LearningPathEnrollmentType", strawberry.lazy("graph.learning_paths.types")] | None:
        from graph.learning_paths.types import LearningPathEnrollmentType

        return await linked(
            info, LearningPathEnrollment, self.row.learning_path_enrollment_id, LearningPathEnrollmentType.from_row
        )

    @strawberry.field(description="The template it is printed with; null when it has none or it is hidden.")
    async def template(self, info: Info) -> CertificateTemplateType | None:
        return await template_of(info, self.row.template_id)


async def latest_certificate(info: Info, owner: str, owner_id: UUID) -> CertificateType | None:
    """The certificate an enrollment or path enrollment holds now (or last held: revoked ones stay)."""
    actor = await info.context.actor()
    spec = Children(certificates.held_certificates_query, (actor, owner), owner, ("issued_at", "id"))
    rows = await info.context.loaders.children.load((owner_id, spec))
    return CertificateType.from_row(max(rows, key=lambda r: (r.revoked_at is None, r.issued_at))) if rows else None


async def template_of(info: Info, template_id: UUID | None) -> CertificateTemplateType | None:
    if template_id is None:
        return None
    row = await info.context.loaders.row(CertificateTemplate, template_id)
    return None if row is None else CertificateTemplateType.from_row(row)


register("Certificate", Certificate, CertificateType.from_row)
register("CertificateTemplate", CertificateTemplate, CertificateTemplateType.from_row)

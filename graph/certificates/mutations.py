"""certificateTemplateCreate, and the certificate settings courses and learning paths share."""

from typing import Annotated, Any

import strawberry

from graph.certificates.types import CertificateTemplateType
from graph.context import Info
from graph.enums import CertificateFieldKey
from graph.errors import error_type
from graph.mutation import payload_type, perform
from graph.node import input_id
from resolvers import certificates

CertificateError = error_type("CertificateError", certificates.CertificateErrorCode)


@strawberry.input(description="What completing a course or learning path earns; left out: unchanged.")
class CertifyingInput:
    certificate_template_id: strawberry.ID | None = strawberry.field(
        default=None, description="A template of the same portal: completing (and passing) issues a certificate."
    )
    certificate_expires_after: int | None = strawberry.field(default=None, description="Days; left out: never.")
    certificate_expires_after_grace_period: int | None = strawberry.field(
        default=None, description="Days after expiry to recertify."
    )

    def certifying(self) -> dict[str, Any]:
        """The settings as resolver fields, the template id decoded."""
        template = self.certificate_template_id
        return {
            "certificate_template_id": None
            if template is None
            else input_id(template, "CertificateTemplate", field=("certificateTemplateId",)),
            "certificate_expires_after": self.certificate_expires_after,
            "certificate_expires_after_grace_period": self.certificate_expires_after_grace_period,
        }


@strawberry.input(description="A field placed on the page; `left`/`top` in pixels from the top left corner.")
class CertificateFieldInput:
    key: CertificateFieldKey = strawberry.field(description="What the field prints.")  # type: ignore[valid-type]
    top: int = strawberry.field(description="Distance from the top edge, in pixels.")
    left: int = strawberry.field(description="Distance from the left edge, in pixels.")
    value: str | None = strawberry.field(default=None, description="Required for CUSTOM_TEXT.")
    font_size: int = strawberry.field(default=16, description="In points; 16 when left out.")
    font_family: str = strawberry.field(default="Arial", description="A font family name; Arial when left out.")
    font_color: str = strawberry.field(default="#000000", description="#RRGGBB.")
    align_center: bool = strawberry.field(default=False, description="Centre the text on `left`.")
    width: int | None = strawberry.field(default=None, description="Box width in pixels.")
    height: int | None = strawberry.field(default=None, description="Box height in pixels.")

    def to_field(self) -> certificates.TemplateField:
        return certificates.TemplateField(
            key=self.key,
            top=self.top,
            left=self.left,
            value=self.value,
            font_size=self.font_size,
            font_family=self.font_family,
            font_color=self.font_color,
            align_center=self.align_center,
            width=self.width,
            height=self.height,
        )


@strawberry.input(description="A certificate template in the acting portal (DOMAIN 2.4).")
class CertificateTemplateCreateInput:
    name: str = strawberry.field(description="The template's name.")
    width: int = strawberry.field(description="Pixels, 1..10000.")
    height: int = strawberry.field(description="Pixels, 1..10000.")
    fields: list[CertificateFieldInput] = strawberry.field(description="At least one.")
    background_url: str | None = strawberry.field(default=None, description="A background image.")

    def to_command(self) -> certificates.TemplateCreate:
        return certificates.TemplateCreate(
            name=self.name,
            width=self.width,
            height=self.height,
            background_url=self.background_url,
            fields=[item.to_field() for item in self.fields],
        )


CertificateTemplatePayload = payload_type(
    "CertificateTemplatePayload", "certificateTemplate", CertificateTemplateType, CertificateError
)


@strawberry.type
class CertificateMutation:
    @strawberry.mutation(description="Design a certificate template in the acting portal.")
    async def certificate_template_create(
        self,
        info: Info,
        input_: Annotated[
            CertificateTemplateCreateInput,
            strawberry.argument(name="input", description="The template's name, background and fields."),
        ],
    ) -> CertificateTemplatePayload:  # type: ignore[valid-type]
        return await perform(
            info, CertificateTemplatePayload, certificates.create_template, lambda: {"command": input_.to_command()}
        )

"""certificateTemplates."""

import strawberry

from graph.certificates.types import CertificateTemplateOrder, CertificateTemplateType
from graph.context import Info
from graph.pagination import Connection, Listed, Paged
from resolvers import certificates


@strawberry.type
class CertificateQuery:
    @strawberry.field(
        description="Certificate templates: admins their portals', other members the acting portal's.",
        extensions=[Paged(CertificateTemplateOrder)],
    )
    async def certificate_templates(self, info: Info) -> Connection[CertificateTemplateType]:
        actor = await info.context.actor()
        return Listed(certificates.templates_query, (actor,), CertificateTemplateType.from_row)  # type: ignore[return-value]

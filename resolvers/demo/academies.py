"""The three demo academies, in the order they are created."""

from collections.abc import Iterator

from resolvers.demo.contoso import CONTOSO
from resolvers.demo.fabrikam import FABRIKAM
from resolvers.demo.northwind import NORTHWIND
from resolvers.demo.specs import PortalSpec

DEMO_PORTALS = (NORTHWIND, CONTOSO, FABRIKAM)


def every_portal() -> Iterator[PortalSpec]:
    """Parents before their sub-portals, as they must be created."""
    for root in DEMO_PORTALS:
        yield root
        yield from root.sub_portals

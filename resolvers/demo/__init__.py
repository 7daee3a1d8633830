"""The demo academy `coursegraph demo` loads: three academies to explore in GraphiQL."""

from resolvers.demo.academies import DEMO_PORTALS, every_portal
from resolvers.demo.loader import DemoOutcome, DemoSize, Progress, demo_is_loaded, demo_size, load_demo
from resolvers.demo.specs import DEMO_PASSWORD, PortalSpec

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PORTALS",
    "DemoOutcome",
    "DemoSize",
    "PortalSpec",
    "Progress",
    "demo_is_loaded",
    "demo_size",
    "every_portal",
    "load_demo",
]

"""Which provider a portal's new sessions use (a setting, overridden per portal slug), and the
provider an existing session was made with."""

from dataclasses import dataclass

from models.settings import Settings
from resolvers.live_sessions.liveminutes import LiveMinutes
from resolvers.live_sessions.providers import BUILTIN, LIVEMINUTES, BuiltinProvider, Provider, ProviderFailed


@dataclass(frozen=True, slots=True)
class Providers:
    """Built per request from the settings; providers hold no state between calls."""

    settings: Settings

    def name_for(self, portal_slug: str) -> str:
        return self.settings.live_session_providers.get(portal_slug, self.settings.live_session_provider)

    def named(self, name: str) -> Provider:
        if name == LIVEMINUTES:
            return LiveMinutes.from_settings(self.settings)
        if name == BUILTIN:
            return BuiltinProvider(self.settings.classroom_url)
        raise ProviderFailed(f"No live-session provider named {name!r} is configured.")

"""The tenants the auth suites share: "acme" with an admin, an instructor and a learner (all with
PASSWORD) and a sub-portal "acme-branch"; "globex", unrelated, with its own admin."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from models.portals import Portal
from models.users import Role, User
from resolvers.users import hash_password
from tests.conftest import Api, FrozenClock
from tests.factories import make_portal, make_user

PASSWORD = "correct horse battery staple"
PASSWORD_HASH = hash_password(PASSWORD)


@dataclass
class Tenants:
    api: Api
    session: AsyncSession
    clock: FrozenClock
    acme: Portal
    branch: Portal
    globex: Portal
    admin: User
    instructor: User
    learner: User
    globex_admin: User

    @property
    def admin_api(self) -> Api:
        return self.api.signed_in(self.admin)


async def build_tenants(api: Api, session: AsyncSession, clock: FrozenClock) -> Tenants:
    acme = await make_portal(session, slug="acme")
    branch = await make_portal(session, slug="acme-branch", parent=acme)
    globex = await make_portal(session, slug="globex")

    async def member(portal: Portal, role: Role, email: str) -> User:
        return await make_user(session, portal, role=role, email=email, password_hash=PASSWORD_HASH)

    return Tenants(
        api,
        session,
        clock,
        acme,
        branch,
        globex,
        await member(acme, Role.ADMIN, "admin@acme.test"),
        await member(acme, Role.INSTRUCTOR, "instructor@acme.test"),
        await member(acme, Role.LEARNER, "learner@acme.test"),
        await member(globex, Role.ADMIN, "admin@globex.test"),
    )

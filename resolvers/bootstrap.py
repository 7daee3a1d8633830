"""How an operator bootstraps an academy from the command line: a portal and its first admin.

It runs as the operator of the whole service (no portal to act in yet) and goes through the same
resolver functions as the API, so the portal and the account pass the same checks as client input.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.portals import Portal
from models.users import Membership, Role, User
from resolvers.auth import OPERATOR, actor_in_portal
from resolvers.errors import Checks
from resolvers.portals import PortalCreate, create_portal
from resolvers.slugs import check_slug
from resolvers.users import EMAIL, MIN_PASSWORD, UserCreate, UserUpdate, create_user, hash_password, update_user


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminCreate:
    email: str
    password: str
    portal_slug: str
    portal_name: str | None = None
    full_name: str | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True, slots=True, kw_only=True)
class AdminCreated:
    portal: Portal
    user: User
    portal_created: bool
    account_created: bool
    password_set: bool


def name_from_email(email: str) -> str:
    """A readable default ("jane.doe@…" is "Jane Doe") that the admin can change later."""
    local = email.split("@")[0]
    return " ".join(part.capitalize() for part in local.replace("_", ".").replace("-", ".").split(".") if part)


def _check(command: AdminCreate) -> None:
    """Everything a command line can get wrong, refused before anything is read or written."""
    checks = Checks()
    if not EMAIL.fullmatch(command.email.strip().lower()):
        checks.add(("email",), f"{command.email!r} is not an email address.", "INVALID")
    if len(command.password) < MIN_PASSWORD:
        checks.add(("password",), f"The password needs at least {MIN_PASSWORD} characters.", "INVALID")
    check_slug(checks, ("portal",), command.portal_slug)
    checks.done()


async def _portal(session: AsyncSession, command: AdminCreate) -> tuple[Portal, bool]:
    portal = await session.scalar(select(Portal).where(Portal.slug == command.portal_slug))
    if portal is not None:
        return portal, False
    name = command.portal_name or command.portal_slug.replace("-", " ").title()
    create = PortalCreate(name=name, slug=command.portal_slug, time_zone=command.time_zone)
    return await create_portal(session, actor=OPERATOR, command=create), True


async def create_admin(session: AsyncSession, *, command: AdminCreate) -> AdminCreated:
    """Adds an ADMIN membership, or promotes an existing member.

    An existing account keeps its password (the operator may not own it), unless it has none yet
    and so could never sign in.
    """
    _check(command)
    portal, portal_created = await _portal(session, command)
    actor = await actor_in_portal(session, portal_id=portal.id)
    assert actor is not None  # found or created above
    email = command.email.strip().lower()
    user = await session.scalar(select(User).where(User.email == email))
    account_created = user is None
    member = user is not None and await session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.portal_id == portal.id)
    )
    if user is not None and member:
        user = await update_user(session, actor=actor, command=UserUpdate(user_id=user.id, role=Role.ADMIN))
    else:
        full_name = command.full_name or name_from_email(email)
        create = UserCreate(email=email, full_name=full_name, role=Role.ADMIN, password=command.password)
        user = await create_user(session, actor=actor, command=create)
    password_set = account_created or user.password_hash is None
    if user.password_hash is None:
        user.password_hash = hash_password(command.password)
        await session.flush()
    return AdminCreated(
        portal=portal,
        user=user,
        portal_created=portal_created,
        account_created=account_created,
        password_set=password_set,
    )

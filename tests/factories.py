"""Factories: plain async functions with keyword overrides; rows are committed."""

from datetime import timedelta
from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncSession

from graph.ids import global_id
from models.base import utcnow
from models.courses import Category, Course, CourseStatus, Section
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.users import Group, Membership, Role, User


async def saved(session: AsyncSession, row: Any) -> Any:
    session.add(row)
    await session.commit()
    return row


def gid(row: Any) -> str:
    """The global ID the API shows for a row."""
    name = "Module" if isinstance(row, Module) else type(row).__name__
    return global_id(name, row.id)


async def make_portal(session: AsyncSession, *, parent: Portal | None = None, **fields: Any) -> Portal:
    slug = fields.pop("slug", f"portal-{uuid4().hex[:8]}")
    portal = Portal(name=fields.pop("name", slug.title()), slug=slug, path="", parent_id=parent and parent.id, **fields)
    portal.path = f"{parent.path if parent else ''}{portal.id.hex}/"
    return await saved(session, portal)


async def make_user(
    session: AsyncSession, portal: Portal | None = None, *, role: Role = Role.LEARNER, **fields: Any
) -> User:
    tag = uuid4().hex[:8]
    user = User(
        email=fields.pop("email", f"user-{tag}@example.com"),
        full_name=fields.pop("full_name", f"User {tag}"),
        classroom_user_id=fields.pop("classroom_user_id", tag),
        **fields,
    )
    await saved(session, user)
    if portal is not None:
        await saved(session, Membership(portal_id=portal.id, user_id=user.id, role=role))
    return user


async def make_course(session: AsyncSession, portal: Portal, **fields: Any) -> Course:
    title = fields.pop("title", f"Course {uuid4().hex[:6]}")
    fields.setdefault("status", CourseStatus.DRAFT)
    if "age" in fields:
        fields["created_at"] = utcnow() - timedelta(seconds=fields.pop("age"))
    slug = fields.pop("slug", f"course-{uuid4().hex[:8]}")
    return await saved(session, Course(portal_id=portal.id, title=title, slug=slug, **fields))


async def make_section(session: AsyncSession, course: Course, **fields: Any) -> Section:
    fields.setdefault("title", "Section")
    return await saved(session, Section(portal_id=course.portal_id, course_id=course.id, **fields))


async def make_module(session: AsyncSession, course: Course, **fields: Any) -> Module:
    fields.setdefault("kind", ModuleKind.TEXT)
    fields.setdefault("title", f"Module {uuid4().hex[:6]}")
    fields.setdefault("details", {"content": "<p>Hello</p>"} if fields["kind"] is ModuleKind.TEXT else {})
    return await saved(session, Module(portal_id=course.portal_id, course_id=course.id, **fields))


async def make_category(session: AsyncSession, portal: Portal, **fields: Any) -> Category:
    fields.setdefault("name", f"Category {uuid4().hex[:6]}")
    return await saved(session, Category(portal_id=portal.id, **fields))


async def make_group(session: AsyncSession, portal: Portal, **fields: Any) -> Group:
    fields.setdefault("name", f"Group {uuid4().hex[:6]}")
    return await saved(session, Group(portal_id=portal.id, **fields))

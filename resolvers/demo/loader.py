"""Loads the demo academy through the resolver functions the API uses.

So every row passes the same validation as client input. The caller runs it in one transaction:
all of it or nothing.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import CourseStatus
from models.modules import DripRule, Module
from models.portals import Portal
from models.users import Role
from resolvers.auth import OPERATOR, Actor, actor_in_portal
from resolvers.courses import (
    CategoryCreate,
    CourseFields,
    SectionCreate,
    archive_course,
    create_category,
    create_course,
    create_section,
    publish_course,
)
from resolvers.demo.academies import DEMO_PORTALS, every_portal
from resolvers.demo.specs import CourseSpec, PortalSpec
from resolvers.enrollments import enroll
from resolvers.errors import Failure
from resolvers.modules import ModuleFields, create_module
from resolvers.portals import PortalCreate, create_portal
from resolvers.progress import GRADED_ELSEWHERE, complete_module
from resolvers.quizzes import create_question
from resolvers.users import GroupCreate, UserCreate, add_group_members, create_group, create_user

Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The default: callers without a progress bar."""


@dataclass(frozen=True, slots=True)
class DemoSize:
    portals: int
    accounts: int
    memberships: int
    courses: int
    modules: int

    @property
    def steps(self) -> int:
        """Progress counts each portal, membership, course and module once."""
        return self.portals + self.memberships + self.courses + self.modules


@dataclass(frozen=True, slots=True)
class DemoOutcome:
    created: bool
    size: DemoSize


def demo_size() -> DemoSize:
    portals = list(every_portal())
    courses = [course for portal in portals for course in portal.courses]
    return DemoSize(
        portals=len(portals),
        accounts=len({person.email for portal in portals for person in portal.people}),
        memberships=sum(len(portal.people) for portal in portals),
        courses=len(courses),
        modules=sum(len(modules) for course in courses for _, modules in course.sections),
    )


async def demo_is_loaded(session: AsyncSession) -> bool:
    """Every demo portal exists: loaded. Only some: real data took a demo slug, so refuse."""
    slugs = [portal.slug for portal in every_portal()]
    taken = set((await session.execute(select(Portal.slug).where(Portal.slug.in_(slugs)))).scalars())
    if taken and len(taken) < len(slugs):
        names = ", ".join(sorted(taken))
        message = f"Portal slugs {names} are in use but the demo is not loaded; load it into an empty database."
        raise Failure.one(("slug",), message, "DUPLICATE")
    return bool(taken)


async def load_demo(session: AsyncSession, *, progress: Progress = no_progress) -> DemoOutcome:
    """Safe to run twice: the second run finds the demo and changes nothing."""
    size = demo_size()
    if await demo_is_loaded(session):
        return DemoOutcome(created=False, size=size)
    loader = _Loader(session, progress, size.steps)
    for root in DEMO_PORTALS:
        parent = await loader.portal(root, actor=OPERATOR, parent_id=None)
        parent_actor = await actor_in_portal(session, portal_id=parent.id)
        assert parent_actor is not None  # created just above
        for branch in root.sub_portals:
            await loader.portal(branch, actor=parent_actor, parent_id=parent.id)
    return DemoOutcome(created=True, size=size)


class _Loader:
    def __init__(self, session: AsyncSession, progress: Progress, total: int) -> None:
        self.session = session
        self.progress = progress
        self.total = total
        self.done = 0

    def step(self) -> None:
        self.done += 1
        self.progress(self.done, self.total)

    async def portal(self, spec: PortalSpec, *, actor: Actor, parent_id: UUID | None) -> Portal:
        """Created as its parent's admin would; filled as its own admin would."""
        command = PortalCreate(name=spec.name, slug=spec.slug, parent_id=parent_id, time_zone=spec.time_zone)
        portal = await create_portal(self.session, actor=actor, command=command)
        self.step()
        inside = await actor_in_portal(self.session, portal_id=portal.id)
        assert inside is not None  # created just above
        members = await self.people(spec, inside)
        await self.groups(spec, inside, members[Role.LEARNER])
        categories = await self.categories(spec, inside)
        teachers = members[Role.INSTRUCTOR] or members[Role.ADMIN]
        published = []
        for index, course in enumerate(spec.courses):
            # Every third course is co-taught, so Course.instructors shows lists, not just one name.
            lead, second = teachers[index % len(teachers)], teachers[(index + 1) % len(teachers)]
            instructors = [lead, second] if index % 3 == 0 and lead != second else [lead]
            course_id = await self.course(course, inside, [categories[name] for name in course.categories], instructors)
            if course.status is CourseStatus.PUBLISHED:
                published.append(course_id)
        await self.enrollments(inside, published, members[Role.LEARNER])
        return portal

    async def enrollments(self, actor: Actor, courses: list[UUID], learners: list[UUID]) -> None:
        """Learners take every other published course (the demo learner, listed first, every one)
        and are some way into it: learner n has completed the first n % 4 modules that a click
        completes (of those open from the start), so dashboards show every status and progress."""
        for index, course_id in enumerate(courses):
            taking = [user for n, user in enumerate(learners) if n == 0 or (n + index) % 2 == 0]
            enrolled = await enroll(self.session, actor=actor, course_id=course_id, user_ids=taking)
            clickable = [
                module.id
                for module in await self.session.scalars(
                    select(Module)
                    .where(Module.course_id == course_id, Module.drip_rule == DripRule.IMMEDIATELY)
                    .order_by(Module.position, Module.id)
                )
                if module.kind not in GRADED_ELSEWHERE
            ]
            for n, enrollment in enumerate(enrolled.enrollments):
                for module_id in clickable[: (n + index) % 4]:
                    await complete_module(self.session, actor=actor, enrollment_id=enrollment.id, module_id=module_id)

    async def people(self, spec: PortalSpec, actor: Actor) -> dict[Role, list[UUID]]:
        members: dict[Role, list[UUID]] = defaultdict(list)
        for person in spec.people:
            command = UserCreate(
                email=person.email, full_name=person.full_name, role=person.role, password=person.password
            )
            user = await create_user(self.session, actor=actor, command=command)
            members[person.role].append(user.id)
            self.step()
        return members

    async def groups(self, spec: PortalSpec, actor: Actor, learners: list[UUID]) -> None:
        """Learners are dealt round the portal's groups like cards."""
        for index, name in enumerate(spec.groups):
            group = await create_group(self.session, actor=actor, command=GroupCreate(name=name))
            members = learners[index :: len(spec.groups)]
            await add_group_members(self.session, actor=actor, group_id=group.id, user_ids=members)

    async def categories(self, spec: PortalSpec, actor: Actor) -> dict[str, UUID]:
        names = dict.fromkeys(name for course in spec.courses for name in course.categories)
        return {
            name: (await create_category(self.session, actor=actor, command=CategoryCreate(name=name))).id
            for name in names
        }

    async def course(
        self, spec: CourseSpec, actor: Actor, category_ids: list[UUID], instructor_ids: list[UUID]
    ) -> UUID:
        """Built as a draft, then published and archived as its status says, as an admin would."""
        fields = CourseFields(
            title=spec.title,
            description=spec.description,
            category_ids=category_ids,
            instructor_ids=instructor_ids,
            grading_rule=spec.grading_rule,
            duration_rule=spec.duration_rule,
            duration_days=spec.duration_days,
            duration_date=spec.duration_date,
            price=spec.price,
            shared_with_sub_portals=spec.shared_with_sub_portals,
        )
        course = await create_course(self.session, actor=actor, fields=fields)
        self.step()
        await self.curriculum(spec, actor, course.id)
        if spec.status is not CourseStatus.DRAFT:
            await publish_course(self.session, actor=actor, course_id=course.id)
        if spec.status is CourseStatus.ARCHIVED:
            await archive_course(self.session, actor=actor, course_id=course.id)
        return course.id

    async def curriculum(self, spec: CourseSpec, actor: Actor, course_id: UUID) -> None:
        for title, modules in spec.sections:
            command = SectionCreate(course_id=course_id, title=title)
            section = await create_section(self.session, actor=actor, command=command)
            for module in modules:
                fields = ModuleFields(
                    title=module.title,
                    section_id=section.id,
                    is_required=module.is_required,
                    drip=module.drip,
                    details=module.details,
                )
                created = await create_module(
                    self.session, actor=actor, course_id=course_id, kind=module.kind, fields=fields
                )
                for question in module.questions:
                    await create_question(self.session, actor=actor, module_id=created.id, fields=question)
                self.step()

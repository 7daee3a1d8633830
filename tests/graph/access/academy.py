"""One academy for the role tests (test_roles_*): a portal tree, people of every role, courses in
every state. `build_academy` is a plain function each test module wraps in its own fixture.

    acme ── east        globex (another tenant)
         └─ west

Every row's name is its key below (a course's title, a user's fullName, a group's name), so tests
compare plain sets of names. Emails are `<key>@mail.test`, a string no name contains.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, CourseInstructor, CourseStatus, Section
from models.modules import Module, ModuleKind
from models.portals import Portal
from models.users import Group, Membership, Role, User
from tests.conftest import Api

ANONYMOUS = "anonymous"
EMAIL_DOMAIN = "mail.test"

PORTALS = {"acme": None, "east": "acme", "west": "acme", "globex": None}  # slug: parent's slug
PEOPLE = {  # key: (portal, role) of the first membership
    "admin": ("acme", Role.ADMIN),
    "instructor": ("acme", Role.INSTRUCTOR),
    "colleague": ("acme", Role.INSTRUCTOR),
    "learner": ("acme", Role.LEARNER),
    "classmate": ("acme", Role.LEARNER),
    "roamer": ("acme", Role.LEARNER),
    "east-admin": ("east", Role.ADMIN),
    "east-instructor": ("east", Role.INSTRUCTOR),
    "east-learner": ("east", Role.LEARNER),
    "west-learner": ("west", Role.LEARNER),
    "globex-admin": ("globex", Role.ADMIN),
}
MORE_MEMBERSHIPS = (  # people who belong to several portals
    ("roamer", "east", Role.LEARNER),
    ("roamer", "globex", Role.ADMIN),
    ("instructor", "globex", Role.INSTRUCTOR),
)
COURSES = {  # key: (portal, status, shared with sub-portals, who teaches it)
    "published": ("acme", CourseStatus.PUBLISHED, False, "colleague"),
    "draft": ("acme", CourseStatus.DRAFT, False, "colleague"),
    "archived": ("acme", CourseStatus.ARCHIVED, False, None),
    "taught-draft": ("acme", CourseStatus.DRAFT, False, "instructor"),
    "taught-archived": ("acme", CourseStatus.ARCHIVED, False, "instructor"),
    "shared": ("acme", CourseStatus.PUBLISHED, True, "colleague"),
    "shared-draft": ("acme", CourseStatus.DRAFT, True, None),
    "east-published": ("east", CourseStatus.PUBLISHED, False, None),
    "east-draft": ("east", CourseStatus.DRAFT, False, "east-instructor"),
    "west-published": ("west", CourseStatus.PUBLISHED, False, None),
    "globex-published": ("globex", CourseStatus.PUBLISHED, True, None),
}
GROUPS = {"acme-group": "acme", "east-group": "east", "globex-group": "globex"}


@dataclass
class Academy:
    api: Api  # no credentials, no X-Portal
    session: AsyncSession
    portals: dict[str, Portal]
    people: dict[str, User]
    courses: dict[str, Course]
    sections: dict[str, Section]  # by course key
    modules: dict[str, Module]  # by course key
    groups: dict[str, Group]

    def as_(self, viewer: str, portal: str = "acme") -> Api:
        """A client acting in `portal`: a signed-in person (by key) or an anonymous visitor."""
        if viewer == ANONYMOUS:
            return self.api.anonymous(portal)
        return self.api.signed_in(self.people[viewer], portal)

    def admin_of(self, portal: str) -> Api:
        """An admin API key of `portal`: the referee that re-reads what a refused request left."""
        return self.api.acting_in(portal)


async def build_academy(api: Api, session: AsyncSession) -> Academy:
    """The rows the factories would make, in one transaction: a few hundred tests build it."""
    portals: dict[str, Portal] = {}
    for slug, parent in PORTALS.items():
        above = portals.get(parent or "")
        portal = Portal(name=slug.title(), slug=slug, path="", parent_id=above and above.id)
        portal.path = f"{above.path if above else ''}{portal.id.hex}/"
        portals[slug] = portal
    people = {key: User(email=f"{key}@{EMAIL_DOMAIN}", full_name=key, classroom_user_id=key) for key in PEOPLE}
    memberships = [(key, slug, role) for key, (slug, role) in PEOPLE.items()] + list(MORE_MEMBERSHIPS)
    courses: dict[str, Course] = {}
    sections: dict[str, Section] = {}
    modules: dict[str, Module] = {}
    teaching = []
    for key, (slug, status, shared, teacher) in COURSES.items():
        course = Course(portal_id=portals[slug].id, title=key, slug=key, status=status, shared_with_sub_portals=shared)
        courses[key] = course
        sections[key] = Section(portal_id=course.portal_id, course_id=course.id, title=f"{key} section")
        modules[key] = Module(
            portal_id=course.portal_id,
            course_id=course.id,
            section_id=sections[key].id,
            kind=ModuleKind.TEXT,
            title=f"{key} module",
            details={"content": "<p>Hello</p>"},
        )
        if teacher is not None:
            teaching.append(
                CourseInstructor(portal_id=course.portal_id, course_id=course.id, user_id=people[teacher].id)
            )
    groups = {key: Group(portal_id=portals[slug].id, name=key) for key, slug in GROUPS.items()}
    for portal in portals.values():  # parents first, one at a time: the table refers to itself
        session.add(portal)
        await session.flush()
    for rows in (
        people.values(),
        [Membership(portal_id=portals[slug].id, user_id=people[key].id, role=role) for key, slug, role in memberships],
        courses.values(),
        [*sections.values(), *groups.values()],
        [*modules.values(), *teaching],
    ):
        session.add_all(rows)
        await session.flush()
    await session.commit()
    return Academy(api, session, portals, people, courses, sections, modules, groups)


def names(nodes: list[dict[str, Any] | None], key: str = "title") -> set[str]:
    """The names of the non-null nodes of a list."""
    return {node[key] for node in nodes if node is not None}

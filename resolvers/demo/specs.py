"""The shapes the demo is written in, and how its people are generated from name pools."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from models.courses import CourseStatus, DurationRule, GradingRule
from models.users import Role
from resolvers.courses import Money
from resolvers.demo.kinds import ModuleSpec
from resolvers.slugs import slugify

PUBLISHED, DRAFT, ARCHIVED = CourseStatus.PUBLISHED, CourseStatus.DRAFT, CourseStatus.ARCHIVED
Sections = tuple[tuple[str, tuple[ModuleSpec, ...]], ...]
Names = tuple[Sequence[str], Sequence[str]]
DEMO_PASSWORD = "coursegraph-demo"


@dataclass(frozen=True, slots=True, kw_only=True)
class CourseSpec:
    title: str
    description: str
    status: CourseStatus
    categories: tuple[str, ...]
    sections: Sections
    price: Money | None = None
    grading_rule: GradingRule = GradingRule.NO_GRADING
    duration_rule: DurationRule = DurationRule.UNLIMITED
    duration_days: int | None = None
    duration_date: date | None = None
    shared_with_sub_portals: bool = False


@dataclass(frozen=True, slots=True)
class Person:
    full_name: str
    email: str
    role: Role
    password: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PortalSpec:
    name: str
    slug: str
    time_zone: str
    people: tuple[Person, ...]
    courses: tuple[CourseSpec, ...]
    groups: tuple[str, ...] = ()
    sub_portals: tuple["PortalSpec", ...] = ()


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


AVERAGE = GradingRule.AVG_ALL_MODULES
AFTER_ENROLLMENT = DurationRule.X_DAYS_AFTER_ENROLLMENT


def pool(names: str) -> tuple[str, ...]:
    """Space-separated names; a "|"-separated list where names have spaces ("de Vries")."""
    return tuple(names.split("|") if "|" in names else names.split())


CONSULTANT = Person("Priya Raman", "priya.raman@consultants.example", Role.INSTRUCTOR)


def staff(names: Names, *, domain: str, counts: tuple[int, int, int], offset: int = 0) -> tuple[Person, ...]:
    """`counts` is (admins, instructors, learners); `offset` keeps sub-portal names apart from the root's."""
    first_names, last_names = names
    roles = [Role.ADMIN] * counts[0] + [Role.INSTRUCTOR] * counts[1] + [Role.LEARNER] * counts[2]
    people = []
    for i, role in enumerate(roles):
        first = first_names[(i + offset) % len(first_names)]
        last = last_names[(7 * i + 3 * offset) % len(last_names)]
        email = f"{slugify(first).replace('-', '')}.{slugify(last).replace('-', '')}@{domain}"
        people.append(Person(f"{first} {last}", email, role))
    return tuple(people)


def academy(names: Names, slug: str) -> tuple[Person, ...]:
    """A root portal's people; its first admin, instructor and learner sign in as
    admin@, instructor@ and learner@<slug>.example with the demo password."""
    people = list(staff(names, domain=f"{slug}.example", counts=(2, 3, 20)))
    for role in Role:
        first = next(i for i, person in enumerate(people) if person.role is role and person.password is None)
        people[first] = Person(people[first].full_name, f"{role.value}@{slug}.example", role, DEMO_PASSWORD)
    return tuple(people)


def branch(names: Names, slug: str, offset: int) -> tuple[Person, ...]:
    return staff(names, domain=f"{slug}.example", counts=(1, 1, 6), offset=offset)

"""Modules of a course: creation with kind-specific fields, updates, ordering, deletion."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.courses import Course, Section
from models.modules import DripIntervalUnit, DripReference, DripRule, Module, ModuleKind
from resolvers import grades
from resolvers.auth import Actor, visible_row
from resolvers.errors import Checks, Failure, error_codes
from resolvers.module_kinds import check_details, stored

ModuleErrorCode = error_codes("ModuleErrorCode")


def modules_query(actor: Actor) -> Select[Any]:
    return select(Module.__table__).where(actor.visible(Module))


@dataclass(frozen=True, slots=True, kw_only=True)
class Drip:
    rule: DripRule
    date: datetime | None = None
    interval: int | None = None
    unit: DripIntervalUnit | None = None
    reference: DripReference | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ModuleFields:
    """None leaves a field as it is; `details` holds only the kind fields the client gave."""

    title: str | None = None
    section_id: UUID | None = None
    position: int | None = None
    is_required: bool | None = None
    drip: Drip | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def _check_drip(checks: Checks, drip: Drip | None) -> None:
    """003 § Drip Option Lookup: a fixed date needs the date, an interval needs its length."""
    if drip is None:
        return
    if drip.rule is DripRule.FIXED_DATE and drip.date is None:
        checks.add(("drip", "date"), "A FIXED_DATE drip needs date.", "REQUIRED")
    if drip.rule is DripRule.SPECIFIC_INTERVAL:
        if drip.interval is None:
            checks.add(("drip", "interval"), "A SPECIFIC_INTERVAL drip needs interval.", "REQUIRED")
        checks.at_least(("drip", "interval"), drip.interval, 0)


def _check(checks: Checks, kind: ModuleKind, fields: ModuleFields, *, creating: bool) -> None:
    checks.text(("title",), fields.title, max_length=300, required=creating)
    checks.at_least(("position",), fields.position, 0)
    _check_drip(checks, fields.drip)
    check_details(checks, kind, fields.details, creating=creating)
    checks.done()


def _apply(module: Module, fields: ModuleFields) -> None:
    if fields.title is not None:
        module.title = fields.title.strip()
    if fields.is_required is not None:
        module.is_required = fields.is_required
    if (drip := fields.drip) is not None:
        interval = drip.rule is DripRule.SPECIFIC_INTERVAL
        module.drip_rule = drip.rule
        module.drip_date = drip.date if drip.rule is DripRule.FIXED_DATE else None
        module.drip_interval = drip.interval if interval else None
        module.drip_interval_unit = (drip.unit or DripIntervalUnit.DAY) if interval else None
        module.drip_reference = (drip.reference or DripReference.REGISTRATION_DATE) if interval else None
    if fields.details:
        module.details = {**module.details, **stored(fields.details)}


async def _section_of(session: AsyncSession, course: Course, section_id: UUID | None) -> UUID | None:
    if section_id is None:
        return None
    found = await session.scalar(select(Section.id).where(Section.id == section_id, Section.course_id == course.id))
    if found is None:
        raise Failure.one(("sectionId",), "No section of this course with this id.", "NOT_FOUND")
    return found


async def _move(session: AsyncSession, module: Module, position: int | None) -> None:
    """Places the module at `position` (clamped to the end) and keeps positions 0..n-1."""
    ordered = list(
        await session.scalars(
            select(Module).where(Module.course_id == module.course_id, Module.id != module.id).order_by(Module.position)
        )
    )
    at = len(ordered) if position is None else min(position, len(ordered))
    ordered.insert(at, module)
    for index, item in enumerate(ordered):
        item.position = index


async def create_module(
    session: AsyncSession, *, actor: Actor, course_id: UUID, kind: ModuleKind, fields: ModuleFields
) -> Module:
    _check(Checks(), kind, fields, creating=True)
    course = await visible_row(session, Course, course_id, actor=actor, field="courseId", manage=True)
    module = Module(portal_id=course.portal_id, course_id=course.id, kind=kind, title="", details={})
    module.section_id = await _section_of(session, course, fields.section_id)
    _apply(module, fields)
    session.add(module)
    await _move(session, module, fields.position)
    await session.flush()
    if module.kind in grades.GRADABLE:  # unscored, it counts 0 in an AVG_ALL_MODULES grade (R20)
        await grades.recompute_course(session, course.id)
    return module


async def update_module(session: AsyncSession, *, actor: Actor, module_id: UUID, fields: ModuleFields) -> Module:
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId", manage=True)
    _check(Checks(), module.kind, fields, creating=False)
    if fields.section_id is not None:
        course = await session.get_one(Course, module.course_id)
        module.section_id = await _section_of(session, course, fields.section_id)
    _apply(module, fields)
    if fields.position is not None:
        await _move(session, module, fields.position)
    await session.flush()
    return module


async def reorder_modules(
    session: AsyncSession, *, actor: Actor, course_id: UUID, module_ids: Sequence[UUID]
) -> Course:
    """The new order must name every module of the course exactly once."""
    course = await visible_row(session, Course, course_id, actor=actor, field="courseId", manage=True)
    current = set((await session.execute(select(Module.id).where(Module.course_id == course.id))).scalars())
    unknown = Checks()  # unknown, hidden or another course's: NOT_FOUND by index (contract §3)
    for index, module_id in enumerate(module_ids):
        if module_id not in current:
            unknown.add(("moduleIds", str(index)), "No module of this course with this id.", "NOT_FOUND")
    unknown.done()
    if len(module_ids) != len(set(module_ids)) or set(module_ids) != current:
        raise Failure.one(("moduleIds",), "List every module of the course exactly once.", "INVALID")
    for position, module_id in enumerate(module_ids):
        await session.execute(update(Module).where(Module.id == module_id).values(position=position))
    return course


async def delete_module(session: AsyncSession, *, actor: Actor, module_id: UUID) -> Module:
    module = await visible_row(session, Module, module_id, actor=actor, field="moduleId", manage=True)
    await session.delete(module)
    await session.flush()
    later = select(Module).where(Module.course_id == module.course_id, Module.position > module.position)
    for sibling in await session.scalars(later):
        sibling.position -= 1
    await session.flush()
    if module.kind in grades.GRADABLE:  # it no longer counts in the course grade
        await grades.recompute_course(session, module.course_id)
    return module


async def module_count(session: AsyncSession, course_id: UUID) -> int:
    return await session.scalar(select(func.count()).where(Module.course_id == course_id)) or 0

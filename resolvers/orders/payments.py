"""What happens to an order after it is placed: payments, completion with its enrolment, cancel,
refunds and notes. Each command locks the order's row first (`SELECT … FOR UPDATE` on
PostgreSQL), so two refunds of one order run one after the other and the second sees what the
first refunded: never more is refunded than was paid."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.enrollments import Enrollment, EnrollmentSource
from models.learning_paths import LearningPathCourse
from models.orders import (
    Order,
    OrderEventType,
    OrderLine,
    OrderNote,
    OrderStatus,
    OrderTransaction,
    TransactionKind,
)
from models.session import now
from models.users import Role
from resolvers import enrollments, learning_paths
from resolvers.auth import Actor
from resolvers.courses import Money, check_money, quantize_money
from resolvers.errors import Checks, Failure, Problem, missing
from resolvers.orders import coupons
from resolvers.orders.states import move, publish, record, refuse_state, require

MAX_NOTE = 5_000


async def locked(session: AsyncSession, actor: Actor, order_id: UUID, *, manage: bool = True) -> Order:
    """The order, its row locked until commit; hidden (or, with `manage`, not the actor's to
    change) looks like missing."""
    rule = actor.manageable(Order) if manage else actor.visible(Order)
    order = await session.scalar(
        select(Order).where(Order.id == order_id, rule).with_for_update().execution_options(populate_existing=True)
    )
    if order is None:
        raise missing(("orderId",), "order")
    return order


def _seller(order: Order) -> Actor:
    """The portal acting on its own sale: a learner's paid order enrols them in courses they
    could not enrol themselves in. Scoped to the order's portal, where its products are."""
    return Actor(acting_portal_id=order.portal_id, portal_ids=frozenset({order.portal_id}), role=Role.ADMIN)


async def _sold(session: AsyncSession, order: Order) -> tuple[list[UUID], list[UUID], list[UUID]]:
    """Direct courses, learning paths, and every course reached (the paths' included): as the
    order's lines recorded them when it was placed."""
    stmt = select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)
    lines = list(await session.scalars(stmt))
    courses = list(dict.fromkeys(UUID(course) for line in lines for course in line.course_ids))
    paths = list(dict.fromkeys(UUID(path) for line in lines for path in line.learning_path_ids))
    in_paths = await session.scalars(
        select(LearningPathCourse.course_id).where(LearningPathCourse.learning_path_id.in_(paths))
    )
    return courses, paths, list(dict.fromkeys([*courses, *in_paths]))


async def _access(session: AsyncSession, user_id: UUID, course_ids: list[UUID]) -> dict[UUID, Enrollment]:
    rows = await session.scalars(
        select(Enrollment)
        .where(Enrollment.user_id == user_id, Enrollment.course_id.in_(course_ids))
        .execution_options(populate_existing=True)
    )
    return {row.course_id: row for row in rows}


def _raise_refused(problems: Sequence[Problem]) -> None:
    if problems:
        raise Failure.one(("orderId",), problems[0].message, problems[0].code)


async def _enrol(session: AsyncSession, order: Order) -> None:
    """R34: the buyer is enrolled in every course and path sold, through the enrolment
    operations themselves; access the order restores (a revoked enrollment) is granted again.
    What the buyer did not have before is remembered, for a full refund to take back."""
    seller = _seller(order)
    courses, paths, reached = await _sold(session, order)
    before = {
        course for course, row in (await _access(session, order.user_id, reached)).items() if row.revoked_at is None
    }
    try:
        for course_id in courses:
            outcome = await enrollments.enroll(
                session, actor=seller, course_id=course_id, user_ids=[order.user_id], source=EnrollmentSource.ORDER
            )
            _raise_refused(outcome.problems)
        for path_id in paths:
            done = await learning_paths.enroll_in_path(
                session, actor=seller, learning_path_id=path_id, user_ids=[order.user_id]
            )
            _raise_refused(done.problems)
    except Failure as failure:  # the course's own field means nothing to the buyer
        raise Failure.one(("orderId",), failure.problems[0].message, failure.problems[0].code) from None
    after = await _access(session, order.user_id, reached)
    revoked = [row.id for row in after.values() if row.revoked_at is not None]
    if revoked:
        await enrollments.grant(session, actor=seller, enrollment_ids=revoked)
    order.granted_enrollment_ids = [str(row.id) for course, row in after.items() if course not in before]


async def complete(session: AsyncSession, order: Order, *, actor: Actor) -> None:
    """Fully paid (or free): COMPLETED and enrolled, in the caller's transaction."""
    await move(session, order, OrderStatus.COMPLETED, actor=actor, type=OrderEventType.COMPLETED, doing="completed")
    order.completed_at = now(session)
    await _enrol(session, order)


def _amount(checks: Checks, order: Order, money: Money, path: tuple[str, ...]) -> Decimal:
    check_money(checks, path, money, positive=True)
    checks.done()
    if money.currency.upper() != order.currency:
        raise Failure.one((*path, "currency"), f"This order is in {order.currency}.", "CURRENCY_MISMATCH")
    return quantize_money(money.amount, order.currency)


async def _transaction(
    session: AsyncSession, order: Order, actor: Actor, kind: TransactionKind, amount: Decimal, **text: str | None
) -> None:
    session.add(
        OrderTransaction(
            portal_id=order.portal_id, order_id=order.id, kind=kind, amount=amount, user_id=actor.user_id, **text
        )
    )


async def mark_paid(
    session: AsyncSession, *, actor: Actor, order_id: UUID, amount: Money, reference: str | None = None
) -> Order:
    """A payment received (a gateway's or by hand): recorded; the one that pays the total
    completes the order and enrols the buyer."""
    order = await locked(session, actor, order_id)
    checks = Checks()
    checks.text(("reference",), reference, max_length=300)
    paid = _amount(checks, order, amount, ("amount",))
    require(order, OrderStatus.PENDING_PAYMENT, "paid")
    due = Decimal(order.total) - Decimal(order.paid)
    if paid > due:
        raise Failure.one(("amount", "amount"), f"Only {due} {order.currency} is due.", "PAYMENT_EXCEEDS_DUE")
    await _transaction(session, order, actor, TransactionKind.PAYMENT, paid, reference=reference)
    order.paid = Decimal(order.paid) + paid
    await record(session, order, actor=actor, type=OrderEventType.PAYMENT_RECORDED, amount=paid)
    if order.paid == Decimal(order.total):
        await complete(session, order, actor=actor)
    await session.flush()
    return order


async def _abandon(session: AsyncSession, order: Order, to: OrderStatus, *, actor: Actor, doing: str) -> None:
    """A pending order with nothing paid ends unpaid: its coupon use is freed. Money received
    is given back with a refund, after completion."""
    if order.status is OrderStatus.PENDING_PAYMENT and order.paid > 0:
        raise refuse_state(order, f"{doing} once paid in part")
    await move(session, order, to, actor=actor, type=OrderEventType(to.value.lower()), doing=doing)
    await coupons.release(session, order)
    await session.flush()


async def cancel(session: AsyncSession, *, actor: Actor, order_id: UUID) -> Order:
    """Cancelled by its buyer or an admin."""
    order = await locked(session, actor, order_id, manage=actor.role is Role.ADMIN)
    await _abandon(session, order, OrderStatus.CANCELLED, actor=actor, doing="cancelled")
    return order


async def mark_failed(session: AsyncSession, *, actor: Actor, order_id: UUID, reason: str | None = None) -> Order:
    """A payment that failed (a gateway's report, by an admin key): FAILED, `failed_order`."""
    order = await locked(session, actor, order_id)
    checks = Checks()
    checks.text(("reason",), reason, max_length=1_000)
    checks.done()
    await _abandon(session, order, OrderStatus.FAILED, actor=actor, doing="marked failed")
    await publish(session, "failed_order", order, reason=reason)
    return order


async def refund(
    session: AsyncSession, *, actor: Actor, order_id: UUID, amount: Money | None = None, reason: str | None = None
) -> Order:
    """R35: a completed order's payments given back, in part or in full (no amount: what is
    left). The refund that reaches what was paid makes it REFUNDED and revokes the access it
    granted (as enrollmentRevoke: progress kept, certificates revoked); a partial one does not."""
    order = await locked(session, actor, order_id)
    checks = Checks()
    checks.text(("reason",), reason, max_length=1_000)
    given = None if amount is None else _amount(checks, order, amount, ("amount",))
    checks.done()
    require(order, OrderStatus.COMPLETED, "refunded")
    left = Decimal(order.paid) - Decimal(order.refunded)
    given = left if given is None else given
    if given <= 0 or given > left:
        raise Failure.one(
            ("amount",), f"At most {left} {order.currency} of this order can be refunded.", "REFUND_EXCEEDS_PAID"
        )
    await _transaction(session, order, actor, TransactionKind.REFUND, given, reason=reason)
    order.refunded = Decimal(order.refunded) + given
    full = order.refunded == Decimal(order.paid)
    if not full:
        await record(session, order, actor=actor, type=OrderEventType.REFUNDED, amount=given)
    else:
        refunded = OrderStatus.REFUNDED
        await move(session, order, refunded, actor=actor, type=OrderEventType.REFUNDED, doing="refunded", amount=given)
        granted = [UUID(value) for value in order.granted_enrollment_ids]
        await enrollments.revoke(session, actor=_seller(order), enrollment_ids=granted)
    await session.flush()
    await publish(session, "refunded_order", order, refundAmount=str(given), fullRefund=full)
    return order


@dataclass(frozen=True, slots=True)
class Noted:
    order: Order
    note: OrderNote

    @property
    def audit_target(self) -> Order:
        return self.order


async def add_note(session: AsyncSession, *, actor: Actor, order_id: UUID, body: str, is_public: bool = False) -> Noted:
    """003 order note: PRIVATE for staff, PUBLIC also for the buyer."""
    order = await locked(session, actor, order_id)
    checks = Checks()
    checks.text(("body",), body, max_length=MAX_NOTE, required=True)
    checks.done()
    note = OrderNote(
        portal_id=order.portal_id, order_id=order.id, body=body.strip(), is_public=is_public, user_id=actor.user_id
    )
    session.add(note)
    await record(session, order, actor=actor, type=OrderEventType.NOTE_ADDED)
    await session.flush()
    return Noted(order, note)

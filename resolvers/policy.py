"""The one place that says which rows an actor may see and which it may change.

Every read (queries, loaders, nested fields) filters with `visible`, every input id is looked
up with `visible` and, for writes, `manageable`; a table added later gets its rule here or
`visible` raises (never leaks). Roles are per portal (contract §5):

- ADMIN: everything in the acting portal and its sub-portals.
- INSTRUCTOR: the acting portal's staff and published courses, the courses they teach (which they
  may also change) with their learners and enrollments.
- LEARNER: the acting portal's published courses, themselves, and its staff (names only).
- anonymous: a portal's published catalog.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, any_, exists, false, or_, select, true

from models.assignments import AssignmentSubmission
from models.audit import AuditEvent
from models.auth import ApiKey
from models.certificates import Certificate, CertificateTemplate
from models.courses import Category, Course, CourseCategory, CourseInstructor, CourseStatus, GradeModule, Section
from models.discussions import DiscussionEvaluation, DiscussionPost, SurveyResponse
from models.enrollments import Enrollment, ModuleProgress, OutboxEvent
from models.learning_paths import LearningPath, LearningPathCourse, LearningPathEnrollment, LearningPathStatus
from models.live_sessions import ClassroomSegment, LiveSession, LiveSessionParticipant
from models.modules import Module
from models.orders import (
    Coupon,
    CouponProduct,
    Order,
    OrderEvent,
    OrderLine,
    OrderNote,
    OrderTransaction,
    Product,
    ProductItem,
    TaxRate,
)
from models.portals import Portal
from models.quizzes import Choice, Question, QuizAttempt
from models.users import Group, GroupMember, Membership, Role, User
from models.webhooks import ExternalCompletion, ExternalRegistration, IntegrationSecret, Webhook, WebhookDelivery
from resolvers.errors import Forbidden, Unauthenticated

if TYPE_CHECKING:
    from resolvers.auth import Actor

Rule = Callable[["Actor"], ColumnElement[bool]]
STAFF = (Role.ADMIN, Role.INSTRUCTOR)


def _exists(inner: Any, *conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS over `inner`, correlated to whatever the outer query selects (joins included)."""
    return exists().where(*conditions).correlate_except(inner)


def among(column: Any, ids: Any) -> ColumnElement[bool]:
    """`column IN ids`, where `ids` is a set of values or, in a statement template
    (graph/compiled/template.py), an array parameter standing for one."""
    if isinstance(ids, ColumnElement):
        return column == any_(ids)
    return column.in_(ids)


def _in_scope(column: Any, actor: "Actor") -> ColumnElement[bool]:
    """The portals the actor sees: an admin's subtree, anyone else's acting portal."""
    return among(column, actor.portal_ids)


def _teaches(actor: "Actor") -> ColumnElement[bool]:
    return _exists(CourseInstructor, CourseInstructor.course_id == Course.id, CourseInstructor.user_id == actor.user_id)


def _course_visible(actor: "Actor") -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return _in_scope(Course.portal_id, actor)
    published = Course.status == CourseStatus.PUBLISHED
    own_portal = Course.portal_id == actor.acting_portal_id
    shared = and_(Course.shared_with_sub_portals, among(Course.portal_id, actor.ancestor_ids))
    catalog = and_(published, or_(own_portal, shared))
    if actor.role is Role.INSTRUCTOR:
        return or_(catalog, and_(own_portal, _teaches(actor)))
    if actor.user_id is not None:  # a learner keeps seeing what they are enrolled in, even archived
        mine = _exists(Enrollment, Enrollment.course_id == Course.id, Enrollment.user_id == actor.user_id)
        return or_(catalog, and_(own_portal, mine))
    return catalog


def _enrollment_visible(actor: "Actor") -> ColumnElement[bool]:
    """Admins: their portals'; instructors: their courses'; learners: their own."""
    if actor.role is Role.ADMIN:
        return _in_scope(Enrollment.portal_id, actor)
    if actor.role is Role.INSTRUCTOR:
        return or_(Enrollment.user_id == actor.user_id, _of_course(Enrollment, _course_manageable)(actor))
    if actor.user_id is not None:  # 004: a learner does not see an enrollment before its start date
        started = Enrollment.starts_at.is_(None)
        if actor.at is not None:
            started = or_(started, Enrollment.starts_at <= actor.at)
        return and_(Enrollment.user_id == actor.user_id, started)
    return false()


def _certificate_visible(actor: "Actor") -> ColumnElement[bool]:
    """As enrollments: admins their portals', instructors their own and their courses' learners',
    learners their own (also after the enrollment is removed: the certificate is theirs)."""
    if actor.role is Role.ADMIN:
        return _in_scope(Certificate.portal_id, actor)
    own = Certificate.user_id == actor.user_id if actor.user_id is not None else false()
    if actor.role is Role.INSTRUCTOR:
        return or_(own, _of_course(Certificate, _course_manageable)(actor))
    return own


def _template_visible(actor: "Actor") -> ColumnElement[bool]:
    """Admins: their portals' templates; other members: the acting portal's (a learner's
    certificate is drawn from one); visitors: none."""
    if actor.role is Role.ADMIN:
        return _in_scope(CertificateTemplate.portal_id, actor)
    if actor.role is None:
        return false()
    return CertificateTemplate.portal_id == actor.acting_portal_id


def _path_visible(actor: "Actor") -> ColumnElement[bool]:
    """Admins: their portals' paths; everyone else: the acting portal's published ones."""
    if actor.role is Role.ADMIN:
        return _in_scope(LearningPath.portal_id, actor)
    return and_(LearningPath.portal_id == actor.acting_portal_id, LearningPath.status == LearningPathStatus.PUBLISHED)


def _path_enrollment_visible(actor: "Actor") -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return _in_scope(LearningPathEnrollment.portal_id, actor)
    return LearningPathEnrollment.user_id == actor.user_id if actor.user_id is not None else false()


def _enrollment_manageable(actor: "Actor") -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return _in_scope(Enrollment.portal_id, actor)
    if actor.role is Role.INSTRUCTOR:
        return _of_course(Enrollment, _course_manageable)(actor)
    return false()


def _course_manageable(actor: "Actor") -> ColumnElement[bool]:
    if actor.role is Role.ADMIN:
        return _in_scope(Course.portal_id, actor)
    if actor.role is Role.INSTRUCTOR:
        return and_(Course.portal_id == actor.acting_portal_id, _teaches(actor))
    return false()


def _of_course(model: Any, course_rule: Rule) -> Rule:
    """Rows that belong to a course follow the course's rule."""
    return lambda actor: model.course_id.in_(select(Course.id).where(course_rule(actor)))


def _user_visible(actor: "Actor") -> ColumnElement[bool]:
    """Admins: every member of their portals. Others: themselves and the acting portal's staff;
    instructors also the learners of the courses they teach."""
    if actor.role is Role.ADMIN:
        return _exists(Membership, Membership.user_id == User.id, _in_scope(Membership.portal_id, actor))
    staff = _exists(
        Membership,
        Membership.user_id == User.id,
        Membership.portal_id == actor.acting_portal_id,
        Membership.role.in_(STAFF),
    )
    me = User.id == actor.user_id if actor.user_id is not None else false()
    if actor.role is Role.INSTRUCTOR:
        taught = select(Course.id).where(_course_manageable(actor))
        learner = _exists(Enrollment, Enrollment.user_id == User.id, Enrollment.course_id.in_(taught))
        return or_(me, staff, learner)
    return or_(me, staff)


def _picking(actor: "Actor") -> bool:
    """Signed in with several portals and acting in none yet: they see where they could act."""
    return actor.user_id is not None and actor.acting_portal_id is None


def _own_membership(actor: "Actor") -> ColumnElement[bool]:
    return Membership.user_id == actor.user_id if _picking(actor) else false()


def _membership_visible(actor: "Actor") -> ColumnElement[bool]:
    """Memberships in scope of the people the actor sees (and, when picking a portal, their own)."""
    scoped = _in_scope(Membership.portal_id, actor)
    if actor.role is not Role.ADMIN:
        scoped = and_(scoped, Membership.user_id.in_(select(User.id).where(_user_visible(actor))))
    return or_(scoped, _own_membership(actor))


def _portal_visible(actor: "Actor") -> ColumnElement[bool]:
    """Portals in scope; for a user acting nowhere yet, the portals where they are a member."""
    if not _picking(actor):
        return _in_scope(Portal.id, actor)
    mine = select(Membership.portal_id).where(Membership.user_id == actor.user_id)
    return Portal.id.in_(mine)


def _user_manageable(actor: "Actor") -> ColumnElement[bool]:
    """Everyone edits their own profile; admins the accounts that belong only to their portals (an
    account that is also another tenant's member is that tenant's too: its role here is all they change)."""
    own = User.id == actor.user_id if actor.user_id is not None else false()
    if actor.role is not Role.ADMIN:
        return own
    elsewhere = _exists(Membership, Membership.user_id == User.id, ~_in_scope(Membership.portal_id, actor))
    return or_(own, and_(_user_visible(actor), ~elsewhere))


def may_read_email(actor: "Actor", user_id: Any) -> bool:
    """Emails are for their owner and the admins of the portals where the user is a member (the
    row reached the admin through `visible`, so it is one of theirs).

    Without a user (anonymous, an API key) nobody is the owner: `None == None` must not read as
    ownership, or `users(search:)` would match emails for visitors probing for addresses."""
    if _reads_every_email(actor):
        return True
    return actor.user_id is not None and actor.user_id == user_id


def email_readable(actor: "Actor", user_id: ColumnElement[Any]) -> ColumnElement[bool]:
    """`may_read_email` as SQL, for reads that build their answer in the database."""
    if _reads_every_email(actor):
        return true()
    return false() if actor.user_id is None else user_id == actor.user_id


def _reads_every_email(actor: "Actor") -> bool:
    return actor.portal_ids is None or actor.role is Role.ADMIN


def _module_rule(model: Any, course_rule: Rule) -> Rule:
    """Rows that belong to a module (a quiz's questions) follow its course's rule."""
    return lambda actor: model.module_id.in_(select(Module.id).where(_of_course(Module, course_rule)(actor)))


def _choice_visible(actor: "Actor") -> ColumnElement[bool]:
    return Choice.question_id.in_(select(Question.id).where(_module_rule(Question, _course_visible)(actor)))


def _post_visible(actor: "Actor") -> ColumnElement[bool]:
    """A discussion's posts: for its course's staff (admins of its portal, its instructors); for a
    learner, in a module they may see of a course they are enrolled in (and always their own)."""
    if actor.role is Role.ADMIN:
        return _in_scope(DiscussionPost.portal_id, actor)
    if actor.user_id is None:
        return false()
    enrolled = select(Enrollment.course_id).where(Enrollment.user_id == actor.user_id, _enrollment_visible(actor))
    in_my_courses = select(Module.id).where(Module.course_id.in_(enrolled))
    mine = or_(DiscussionPost.author_id == actor.user_id, DiscussionPost.module_id.in_(in_my_courses))
    readable = and_(_module_rule(DiscussionPost, _course_visible)(actor), mine)
    if actor.role is Role.INSTRUCTOR:
        return or_(readable, _module_rule(DiscussionPost, _course_manageable)(actor))
    return readable


def _product_visible(actor: "Actor") -> ColumnElement[bool]:
    """Admins: their portals' products; everyone else, visitors too: the acting portal's
    active ones, like its published catalog."""
    if actor.role is Role.ADMIN:
        return _in_scope(Product.portal_id, actor)
    return and_(Product.portal_id == actor.acting_portal_id, Product.is_active)


def _order_visible(actor: "Actor") -> ColumnElement[bool]:
    """Admins: their portals' orders; a member: their own orders in the acting portal (R36)."""
    if actor.role is Role.ADMIN:
        return _in_scope(Order.portal_id, actor)
    if actor.user_id is None:
        return false()
    return and_(Order.user_id == actor.user_id, Order.portal_id == actor.acting_portal_id)


def _of_order(model: Any) -> Rule:
    """An order's parts follow the order."""
    return lambda actor: model.order_id.in_(select(Order.id).where(_order_visible(actor)))


def _note_visible(actor: "Actor") -> ColumnElement[bool]:
    """Staff notes are PRIVATE unless marked PUBLIC for the buyer (003 order note type)."""
    if actor.role is Role.ADMIN:
        return _in_scope(OrderNote.portal_id, actor)
    return and_(OrderNote.is_public, _of_order(OrderNote)(actor))


def _staffed_sessions(actor: "Actor") -> Any:
    """Live sessions the actor runs: those of courses they manage, and those they host here."""
    hosted = and_(LiveSession.portal_id == actor.acting_portal_id, LiveSession.host_id == actor.user_id)
    return select(LiveSession.id).where(or_(hosted, _of_course(LiveSession, _course_manageable)(actor)))


def _live_session_visible(actor: "Actor") -> ColumnElement[bool]:
    """Admins: their portals'; others, in the acting portal: what they run, sessions they are
    invited to and sessions of the courses they are enrolled in."""
    if actor.role is Role.ADMIN:
        return _in_scope(LiveSession.portal_id, actor)
    if actor.user_id is None:
        return false()
    enrolled = select(Enrollment.course_id).where(Enrollment.user_id == actor.user_id, _enrollment_visible(actor))
    invited = select(LiveSessionParticipant.live_session_id).where(LiveSessionParticipant.user_id == actor.user_id)
    theirs = or_(LiveSession.id.in_(invited), LiveSession.course_id.in_(enrolled))
    return or_(
        LiveSession.id.in_(_staffed_sessions(actor)), and_(LiveSession.portal_id == actor.acting_portal_id, theirs)
    )


def _of_live_session(model: Any) -> Rule:
    """A session's participants and classroom segments: for whoever runs it; a learner sees
    their own."""

    def rule(actor: "Actor") -> ColumnElement[bool]:
        if actor.role is Role.ADMIN:
            return _in_scope(model.portal_id, actor)
        if actor.user_id is None:
            return false()
        own = and_(model.user_id == actor.user_id, model.portal_id == actor.acting_portal_id)
        return or_(model.live_session_id.in_(_staffed_sessions(actor)), own)

    return rule


def _admin_only(model: Any) -> Rule:
    return lambda actor: _in_scope(model.portal_id, actor) if actor.role is Role.ADMIN else false()


def _own_or_admin(model: Any) -> Rule:
    """A learner's own rows (their launch registrations); admins see their portals'."""

    def rule(actor: "Actor") -> ColumnElement[bool]:
        if actor.role is Role.ADMIN:
            return _in_scope(model.portal_id, actor)
        return model.user_id == actor.user_id if actor.user_id is not None else false()

    return rule


VISIBLE: dict[type, Rule] = {
    Portal: _portal_visible,
    User: _user_visible,
    Membership: _membership_visible,
    Group: _admin_only(Group),
    GroupMember: _admin_only(GroupMember),
    Category: lambda actor: or_(_in_scope(Category.portal_id, actor), among(Category.portal_id, actor.ancestor_ids)),
    Course: _course_visible,
    CourseCategory: _of_course(CourseCategory, _course_visible),
    CourseInstructor: _of_course(CourseInstructor, _course_visible),
    Section: _of_course(Section, _course_visible),
    Module: _of_course(Module, _course_visible),
    ApiKey: _admin_only(ApiKey),
    AuditEvent: _admin_only(AuditEvent),
    Enrollment: _enrollment_visible,
    ModuleProgress: lambda actor: ModuleProgress.enrollment_id.in_(
        select(Enrollment.id).where(_enrollment_visible(actor))
    ),
    OutboxEvent: _admin_only(OutboxEvent),
    Question: _module_rule(Question, _course_visible),
    Choice: _choice_visible,
    QuizAttempt: lambda actor: QuizAttempt.enrollment_id.in_(select(Enrollment.id).where(_enrollment_visible(actor))),
    DiscussionPost: _post_visible,
    SurveyResponse: lambda actor: SurveyResponse.enrollment_id.in_(
        select(Enrollment.id).where(_enrollment_visible(actor))
    ),
    DiscussionEvaluation: lambda actor: DiscussionEvaluation.enrollment_id.in_(
        select(Enrollment.id).where(_enrollment_visible(actor))
    ),
    AssignmentSubmission: lambda actor: AssignmentSubmission.enrollment_id.in_(
        select(Enrollment.id).where(_enrollment_visible(actor))
    ),
    LearningPath: _path_visible,
    LearningPathCourse: lambda actor: LearningPathCourse.learning_path_id.in_(
        select(LearningPath.id).where(_path_visible(actor))
    ),
    LearningPathEnrollment: _path_enrollment_visible,
    GradeModule: _of_course(GradeModule, _course_visible),
    Certificate: _certificate_visible,
    CertificateTemplate: _template_visible,
    Product: _product_visible,
    ProductItem: lambda actor: ProductItem.product_id.in_(select(Product.id).where(_product_visible(actor))),
    TaxRate: _admin_only(TaxRate),
    Coupon: _admin_only(Coupon),
    CouponProduct: _admin_only(CouponProduct),
    Order: _order_visible,
    OrderLine: _of_order(OrderLine),
    OrderTransaction: _of_order(OrderTransaction),
    OrderEvent: _of_order(OrderEvent),
    OrderNote: _note_visible,
    Webhook: _admin_only(Webhook),
    WebhookDelivery: _admin_only(WebhookDelivery),
    IntegrationSecret: _admin_only(IntegrationSecret),
    ExternalRegistration: _own_or_admin(ExternalRegistration),
    ExternalCompletion: _admin_only(ExternalCompletion),
    LiveSession: _live_session_visible,
    LiveSessionParticipant: _of_live_session(LiveSessionParticipant),
    ClassroomSegment: _of_live_session(ClassroomSegment),
}

MANAGEABLE: dict[type, Rule] = {
    Portal: lambda actor: _in_scope(Portal.id, actor) if actor.role is Role.ADMIN else false(),
    User: _user_manageable,
    Group: _admin_only(Group),
    Category: _admin_only(Category),
    Course: _course_manageable,
    Section: _of_course(Section, _course_manageable),
    Module: _of_course(Module, _course_manageable),
    Question: _module_rule(Question, _course_manageable),
    DiscussionPost: _module_rule(DiscussionPost, _course_manageable),
    SurveyResponse: _module_rule(SurveyResponse, _course_manageable),
    AssignmentSubmission: _module_rule(AssignmentSubmission, _course_manageable),
    ApiKey: _admin_only(ApiKey),
    Enrollment: _enrollment_manageable,
    LearningPath: _admin_only(LearningPath),
    CertificateTemplate: _admin_only(CertificateTemplate),
    Product: _admin_only(Product),
    Coupon: _admin_only(Coupon),
    Order: _admin_only(Order),
    Webhook: _admin_only(Webhook),
    WebhookDelivery: _admin_only(WebhookDelivery),
    IntegrationSecret: _admin_only(IntegrationSecret),
    LiveSession: _of_course(LiveSession, _course_manageable),
    LiveSessionParticipant: lambda actor: LiveSessionParticipant.live_session_id.in_(
        select(LiveSession.id).where(_of_course(LiveSession, _course_manageable)(actor))
    ),
}


def _rule(rules: dict[type, Rule], actor: "Actor", model: Any) -> ColumnElement[bool]:
    if actor.portal_ids is None:  # the operator of the service (command line)
        return true()
    try:
        rule = rules[model]
    except KeyError:
        raise TypeError(f"{model.__name__} has no access rule") from None
    return rule(actor)


def visible(actor: "Actor", model: Any) -> ColumnElement[bool]:
    return _rule(VISIBLE, actor, model)


def manageable(actor: "Actor", model: Any) -> ColumnElement[bool]:
    return _rule(MANAGEABLE, actor, model)


ADMINS = frozenset({Role.ADMIN})
AUTHORS = frozenset(STAFF)
MEMBERS = frozenset(Role)
PUBLIC: frozenset[Role] = frozenset()

MUTATIONS: dict[str, frozenset[Role]] = {
    "tokenCreate": PUBLIC,
    "tokenRefresh": PUBLIC,
    "tokenRevoke": PUBLIC,
    "apiKeyCreate": ADMINS,
    "apiKeyRevoke": ADMINS,
    "portalCreate": ADMINS,
    "portalUpdate": ADMINS,
    "userCreate": ADMINS,
    "userUpdate": MEMBERS,
    "userDeactivate": ADMINS,
    "groupCreate": ADMINS,
    "groupMembersAdd": ADMINS,
    "categoryCreate": ADMINS,
    "courseCreate": AUTHORS,
    "courseUpdate": AUTHORS,
    "coursePublish": ADMINS,
    "courseArchive": ADMINS,
    "sectionCreate": AUTHORS,
    "moduleCreate": AUTHORS,
    "moduleUpdate": AUTHORS,
    "moduleReorder": AUTHORS,
    "moduleDelete": AUTHORS,
    "questionCreate": AUTHORS,
    "enrollmentCreate": ADMINS,
    "enrollmentGroupCreate": ADMINS,
    "enrollmentUpdate": AUTHORS,
    "enrollmentRemove": AUTHORS,
    "enrollmentResetProgress": AUTHORS,
    "enrollmentRevoke": AUTHORS,
    "enrollmentGrant": AUTHORS,
    "enrollmentAssignCertificate": AUTHORS,
    "certificateTemplateCreate": ADMINS,
    "externalActivityScore": AUTHORS,
    "gradeOverride": AUTHORS,
    "moduleComplete": MEMBERS,
    "quizAttemptStart": MEMBERS,
    "quizAttemptSubmit": MEMBERS,
    "discussionPost": MEMBERS,
    "surveySubmit": MEMBERS,
    "assignmentSubmit": MEMBERS,
    "submissionGrade": AUTHORS,
    "discussionEvaluate": AUTHORS,
    "learningPathCreate": ADMINS,
    "learningPathUpdate": ADMINS,
    "learningPathEnroll": ADMINS,
    "productCreate": ADMINS,
    "productUpdate": ADMINS,
    "taxRateCreate": ADMINS,
    "couponCreate": ADMINS,
    "couponUpdate": ADMINS,
    "orderCreate": MEMBERS,
    "orderMarkPaid": ADMINS,
    "orderCancel": MEMBERS,
    "orderMarkFailed": ADMINS,
    "orderRefund": ADMINS,
    "orderNoteAdd": ADMINS,
    "webhookCreate": ADMINS,
    "webhookUpdate": ADMINS,
    "webhookDelete": ADMINS,
    "webhookDeliveryRetry": ADMINS,
    "moduleLaunch": MEMBERS,
    "coursesApiSecretRotate": ADMINS,
    "liveSessionCreate": AUTHORS,
    "liveSessionParticipantAdd": AUTHORS,
    "liveSessionParticipantRemove": AUTHORS,
    "liveSessionCancel": AUTHORS,
    "liveSessionStatusRefresh": AUTHORS,
}


def may_call(actor: "Actor", mutation: str) -> None:
    """Who may call a mutation at all; which rows it may touch is `manageable`'s business.

    A mutation missing from the table is refused to everyone, so a new one cannot slip through.
    """
    roles = MUTATIONS.get(mutation)
    if roles is None:
        raise Forbidden(f"{mutation} has no access rule.")
    if not roles or actor.portal_ids is None:
        return
    if not actor.signed_in:
        raise Unauthenticated("Sign in (Authorization: Bearer <token or API key>) to do this.")
    if actor.acting_portal_id is None:
        raise Forbidden("You belong to several portals: name the one to act in with the X-Portal header.")
    if actor.role not in roles:
        raise Forbidden(f"Your role in this portal may not call {mutation}.")

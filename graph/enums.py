"""Every enum the API shows, registered once: GraphQL names, values as the seeds spell them."""

from collections.abc import Mapping
from typing import Any

import strawberry

from models import assignments, certificates, courses, enrollments, live_sessions, modules, orders, quizzes, users
from resolvers import module_kinds, paging


def described(enum: Any, values: Mapping[str, str]) -> Any:
    """Gives every value of a registered enum its description. Strawberry reads value descriptions
    only from `strawberry.enum_value` inside the class, and these classes live in `models`, which
    knows nothing of GraphQL. A value missing from `values` is a KeyError at import: none goes bare."""
    for value in enum.__strawberry_definition__.values:
        value.description = values[value.name]
    return enum


CourseStatus = described(
    strawberry.enum(courses.CourseStatus, description="Lifecycle of a course."),
    {
        "DRAFT": "Being built; only staff see it.",
        "PUBLISHED": "In the catalog; takes enrollments.",
        "ARCHIVED": "Withdrawn: no new enrollments; existing learners keep their records.",
    },
)
GradingRule = described(
    strawberry.enum(courses.GradingRule, description="How a course grade is computed (003)."),
    {
        "NO_GRADING": "No course grade; `grade` stays null.",
        "AVG_ALL_MODULES": "The average score of every scored module.",
        "AVG_SPECIFIC_MODULES": "The average score of the modules in `gradeModules`.",
    },
)
DurationRule = described(
    strawberry.enum(courses.DurationRule, description="When a learner's access ends (003)."),
    {
        "UNLIMITED": "Access never ends.",
        "ON_SPECIFIC_DATE": "Access ends at the end of `durationDate` in the portal's time zone.",
        "X_DAYS_AFTER_START": "Access ends `durationDays` days after the learner starts.",
        "X_DAYS_AFTER_ENROLLMENT": "Access ends `durationDays` days after enrollment.",
    },
)
CategoryKind = described(
    strawberry.enum(courses.CategoryType, name="CategoryKind", description="What a category classifies."),
    {
        "COURSE": "Classifies courses.",
        "MODULE": "Classifies modules.",
        "PRODUCT": "Classifies products.",
        "QUESTION": "Classifies quiz questions.",
        "LEARNING_PATH": "Classifies learning paths.",
        "USER": "Classifies users.",
    },
)
ModuleKind = described(
    strawberry.enum(modules.ModuleKind, description="The 12 kinds of module."),
    {
        "TEXT": "Rich text to read.",
        "VIDEO": "A video.",
        "PDF": "A PDF document.",
        "PRESENTATION": "Slides in an online viewer (the seeds' `powerpoint`).",
        "FLASHCARDS": "A deck of flashcards.",
        "SCORM": "A SCORM package.",
        "QUIZ": "Scored questions, in attempts.",
        "ASSIGNMENT": "Work handed in and graded by an instructor.",
        "DISCUSSION": "Posts by learners, optionally evaluated.",
        "SURVEY": "A form of questions without right answers.",
        "LIVE_SESSION": "Live classes (the seeds' `webinar`).",
        "EXTERNAL": "A course on an external system, launched with the learner's details (001).",
    },
)
DripRule = described(
    strawberry.enum(modules.DripRule, description="When a module becomes available (003)."),
    {
        "IMMEDIATELY": "Available as soon as the learner may work in the course.",
        "FIXED_DATE": "Available from `date`.",
        "SPECIFIC_INTERVAL": "Available `interval` `unit`s after `reference`.",
    },
)
DripIntervalUnit = described(
    strawberry.enum(modules.DripIntervalUnit, description="What a drip interval counts."),
    {"DAY": "Days.", "WEEK": "Weeks of 7 days.", "MONTH": "Calendar months."},
)
DripReference = described(
    strawberry.enum(modules.DripReference, description="What a drip interval counts from."),
    {"REGISTRATION_DATE": "From the learner's enrollment.", "STARTED_DATE": "From the learner's start in the course."},
)
Role = described(
    strawberry.enum(users.Role, description="A member's role in one portal."),
    {
        "ADMIN": "Manages the portal and its sub-portals.",
        "INSTRUCTOR": "Sees the portal's staff and published courses; changes and grades the courses they teach.",
        "LEARNER": "Takes courses.",
    },
)
Direction = described(
    strawberry.enum(paging.Direction, name="OrderDirection", description="Sort direction."),
    {"ASC": "Smallest (or earliest) first.", "DESC": "Largest (or latest) first."},
)
VideoProvider = described(
    strawberry.enum(module_kinds.VideoProvider, description="Where a video plays from."),
    {
        "VIMEO": "Played from Vimeo.",
        "IN_HOUSE": "An uploaded file played by the service's own player.",
        "YOUTUBE": "Played from YouTube.",
    },
)
PresentationViewer = described(
    strawberry.enum(module_kinds.PresentationViewer, description="The online viewer that shows a presentation."),
    {"MICROSOFT_OFFICE": "Microsoft's Office online viewer.", "GOOGLE_VIEWER": "Google's document viewer."},
)
FlashcardOrientation = described(
    strawberry.enum(module_kinds.FlashcardOrientation, description="How flashcards are laid out."),
    {"PORTRAIT": "Taller than wide.", "LANDSCAPE": "Wider than tall.", "HORIZONTAL": "Cards side by side in a row."},
)
ShowCorrectAnswers = described(
    strawberry.enum(module_kinds.ShowCorrectAnswers, description="When learners see quiz answers."),
    {
        "ALWAYS": "After each submitted attempt.",
        "NEVER": "Never.",
        "NOT_TILL_RETAKE_ALLOWED": "Once no attempt remains (never with unlimited retakes).",
    },
)
SubmissionType = described(
    strawberry.enum(module_kinds.SubmissionType, description="What a learner hands in for an assignment."),
    {"TEXT": "A text typed in.", "FILE": "Uploaded files."},
)
SurveyFieldType = described(
    strawberry.enum(module_kinds.SurveyFieldType, description="How a survey question is answered."),
    {
        "TEXT": "A one-line text answer.",
        "TEXTAREA": "A longer text answer.",
        "RATING": "A rating on a scale.",
        "RADIO": "One of `options`, shown as radio buttons.",
        "CHECKBOX": "Any of `options`.",
        "DROPDOWN": "One of `options`, from a list.",
    },
)
SubmissionStatus = described(
    strawberry.enum(
        assignments.SubmissionStatus,
        name="AssignmentSubmissionStatus",
        description="SUBMITTED waits for grading; GRADED is scored; REJECTED was sent back to the learner.",
    ),
    {
        "SUBMITTED": "Waiting for grading.",
        "GRADED": "Scored; the module's record is complete.",
        "REJECTED": "Sent back to the learner to submit again.",
    },
)
EnrollmentStatus = described(
    strawberry.enum(enrollments.EnrollmentStatus, description="Where a learner is in a course (003)."),
    {
        "NOT_STARTED": "No module launched or completed yet.",
        "IN_PROGRESS": "Started, not yet completed.",
        "COMPLETED": "Every required module completed.",
    },
)
ModuleProgressStatus = described(
    strawberry.enum(enrollments.ModuleProgressStatus, description="Where a learner is in a module."),
    {
        "NOT_STARTED": "Not opened yet.",
        "IN_PROGRESS": "Opened or attempted, not yet done.",
        "SUBMITTED": "Handed in, waiting for grading.",
        "COMPLETED": "Done; counts toward the course's progress.",
    },
)
CertificateFieldKey = described(
    strawberry.enum(certificates.CertificateFieldKey, description="What a template field prints (003)."),
    {
        "STUDENT_FIRST_NAME": "The learner's first name.",
        "STUDENT_LAST_NAME": "The learner's last name.",
        "STUDENT_FULL_NAME": "The learner's full name.",
        "COURSE_NAME": "The course's title.",
        "ISSUE_DATE": "The date it was issued.",
        "EXPIRY_DATE": "The date it expires.",
        "INSTRUCTOR_NAME": "The course's instructor.",
        "CERTIFICATE_CODE": "The certificate's verification code.",
        "COURSE_CREDIT": "The course's credit.",
        "LEARNING_PATH_NAME": "The learning path's name.",
        "LEARNING_PATH_CREDIT": "The learning path's credit.",
        "CUSTOM_TEXT": "A fixed text of the template.",
    },
)
QuestionType = described(
    strawberry.enum(quizzes.QuestionType, description="How a question is answered (003)."),
    {
        "MULTIPLE_CHOICE": "One right choice.",
        "MULTIPLE_CORRECT": "Several right choices; all must be chosen.",
        "SHORT_ANSWERS": "A typed answer, compared with the accepted ones.",
        "MATCH_ANSWERS": "Each choice paired with its match.",
    },
)
QuizScorePolicy = described(
    strawberry.enum(courses.QuizScorePolicy, description="Which quiz attempt counts: the latest (003) or the best."),
    {"LATEST": "The latest submitted attempt counts (003).", "BEST": "The best submitted attempt counts."},
)
CouponType = described(
    strawberry.enum(orders.CouponType, description="How a coupon discounts (003)."),
    {"FIXED_AMOUNT": "Takes `value` in the coupon's currency off.", "PERCENT_AMOUNT": "Takes `value` percent off."},
)
OrderStatus = described(
    strawberry.enum(orders.OrderStatus, description="Where an order is (003 Order Status Lookup)."),
    {
        "PENDING_PAYMENT": "Placed, waiting for payment.",
        "COMPLETED": "Paid in full; its courses and paths are enrolled.",
        "CANCELLED": "Cancelled before payment.",
        "REFUNDED": "Paid, then refunded in full; its enrollments revoked.",
        "FAILED": "The payment failed; it may go back to PENDING_PAYMENT.",
        "AWAITING_SHIPPING": "Paid; something is still to be shipped.",
        "SHIPPED": "Paid and shipped.",
    },
)
OrderEventType = described(
    strawberry.enum(orders.OrderEventType, description="What changed an order."),
    {
        "PLACED": "The order was created.",
        "PAYMENT_RECORDED": "A payment was recorded.",
        "COMPLETED": "It was paid in full.",
        "CANCELLED": "It was cancelled.",
        "FAILED": "Its payment failed.",
        "REFUNDED": "Money was given back.",
        "NOTE_ADDED": "A note was added.",
    },
)
OrderTransactionKind = described(
    strawberry.enum(orders.TransactionKind, name="OrderTransactionKind", description="Money received, or given back."),
    {"PAYMENT": "Money received.", "REFUND": "Money given back."},
)
LiveSessionStatus = described(
    strawberry.enum(
        live_sessions.LiveSessionStatus,
        description="Where a live session is: SCHEDULED, then the provider's (002: 1 STARTED, 8 IN_PROGRESS, "
        "12 FINISHED, 11 HOST_QUIT) or the classroom's (000: start_lesson, end_lesson); or CANCELLED.",
    ),
    {
        "SCHEDULED": "Planned, not started.",
        "STARTED": "The host started it.",
        "IN_PROGRESS": "Under way.",
        "FINISHED": "Over.",
        "HOST_QUIT": "The host left.",
        "CANCELLED": "Cancelled before it took place.",
    },
)
ParticipantStatus = described(
    strawberry.enum(
        live_sessions.ParticipantStatus,
        description="A participant: INVITED, then the provider's "
        "(002: 2 ACCEPTED, 3 REFUSED, 10 IN_PROGRESS, 11 QUIT).",
    ),
    {
        "INVITED": "Invited, no answer yet.",
        "ACCEPTED": "Accepted the invitation.",
        "REFUSED": "Declined the invitation.",
        "IN_PROGRESS": "In the session now.",
        "QUIT": "Left the session.",
    },
)
ClassroomRequest = described(
    strawberry.enum(
        live_sessions.SegmentKind, name="ClassroomRequest", description="The 000 callback that reported class time."
    ),
    {"END_LESSON": "The class ended normally.", "CRASH_LESSON": "The classroom lost the class."},
)

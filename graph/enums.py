"""Every enum the API shows, registered once: GraphQL names, values as the seeds spell them."""

import strawberry

from models import assignments, certificates, courses, enrollments, live_sessions, modules, orders, quizzes, users
from resolvers import module_kinds, paging

CourseStatus = strawberry.enum(courses.CourseStatus, description="Lifecycle of a course.")
GradingRule = strawberry.enum(courses.GradingRule, description="How a course grade is computed (003).")
DurationRule = strawberry.enum(courses.DurationRule, description="When a learner's access ends (003).")
CategoryKind = strawberry.enum(courses.CategoryType, name="CategoryKind", description="What a category classifies.")
ModuleKind = strawberry.enum(modules.ModuleKind, description="The 12 kinds of module.")
DripRule = strawberry.enum(modules.DripRule, description="When a module becomes available (003).")
DripIntervalUnit = strawberry.enum(modules.DripIntervalUnit)
DripReference = strawberry.enum(modules.DripReference, description="What a drip interval counts from.")
Role = strawberry.enum(users.Role, description="A member's role in one portal.")
Direction = strawberry.enum(paging.Direction, name="OrderDirection", description="Sort direction.")
VideoProvider = strawberry.enum(module_kinds.VideoProvider)
PresentationViewer = strawberry.enum(module_kinds.PresentationViewer)
FlashcardOrientation = strawberry.enum(module_kinds.FlashcardOrientation)
ShowCorrectAnswers = strawberry.enum(module_kinds.ShowCorrectAnswers, description="When learners see quiz answers.")
SubmissionType = strawberry.enum(module_kinds.SubmissionType)
SurveyFieldType = strawberry.enum(module_kinds.SurveyFieldType)
SubmissionStatus = strawberry.enum(
    assignments.SubmissionStatus,
    name="AssignmentSubmissionStatus",
    description="SUBMITTED waits for grading; GRADED is scored; REJECTED was sent back to the learner.",
)
EnrollmentStatus = strawberry.enum(enrollments.EnrollmentStatus, description="Where a learner is in a course (003).")
ModuleProgressStatus = strawberry.enum(enrollments.ModuleProgressStatus, description="Where a learner is in a module.")
CertificateFieldKey = strawberry.enum(
    certificates.CertificateFieldKey, description="What a template field prints (003)."
)
QuestionType = strawberry.enum(quizzes.QuestionType, description="How a question is answered (003).")
QuizScorePolicy = strawberry.enum(
    courses.QuizScorePolicy, description="Which quiz attempt counts: the latest (003) or the best."
)
CouponType = strawberry.enum(orders.CouponType, description="How a coupon discounts (003).")
OrderStatus = strawberry.enum(orders.OrderStatus, description="Where an order is (003 Order Status Lookup).")
OrderEventType = strawberry.enum(orders.OrderEventType, description="What changed an order.")
OrderTransactionKind = strawberry.enum(
    orders.TransactionKind, name="OrderTransactionKind", description="Money received, or given back."
)
LiveSessionStatus = strawberry.enum(
    live_sessions.LiveSessionStatus,
    description="Where a live session is: SCHEDULED, then the provider's (002: 1 STARTED, 8 IN_PROGRESS, "
    "12 FINISHED, 11 HOST_QUIT) or the classroom's (000: start_lesson, end_lesson); or CANCELLED.",
)
ParticipantStatus = strawberry.enum(
    live_sessions.ParticipantStatus,
    description="A participant: INVITED, then the provider's (002: 2 ACCEPTED, 3 REFUSED, 10 IN_PROGRESS, 11 QUIT).",
)
ClassroomRequest = strawberry.enum(
    live_sessions.SegmentKind, name="ClassroomRequest", description="The 000 callback that reported class time."
)

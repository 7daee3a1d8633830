"""Imports every table so `SQLModel.metadata` is complete (Alembic, tests, truncation)."""

from sqlmodel import SQLModel

from models.assignments import AssignmentSubmission
from models.audit import AuditEvent
from models.auth import ApiKey, LoginFailure, RefreshToken, SigningSecret
from models.certificates import Certificate, CertificateTemplate
from models.courses import Category, Course, CourseCategory, CourseInstructor, GradeModule, Section
from models.discussions import DiscussionEvaluation, DiscussionPost, SurveyResponse
from models.enrollments import Enrollment, ModuleProgress, OutboxEvent
from models.learning_paths import LearningPath, LearningPathCourse, LearningPathEnrollment
from models.live_sessions import ClassroomSegment, LiveSession, LiveSessionParticipant
from models.modules import Module
from models.orders import (
    Coupon,
    CouponProduct,
    Order,
    OrderCounter,
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
from models.shared import PersistedQuery, RateCounter
from models.users import Group, GroupMember, Membership, User
from models.webhooks import ExternalCompletion, ExternalRegistration, IntegrationSecret, Webhook, WebhookDelivery

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AssignmentSubmission",
    "AuditEvent",
    "Category",
    "Certificate",
    "CertificateTemplate",
    "Choice",
    "ClassroomSegment",
    "Coupon",
    "CouponProduct",
    "Course",
    "CourseCategory",
    "CourseInstructor",
    "DiscussionEvaluation",
    "DiscussionPost",
    "Enrollment",
    "ExternalCompletion",
    "ExternalRegistration",
    "GradeModule",
    "Group",
    "GroupMember",
    "IntegrationSecret",
    "LearningPath",
    "LearningPathCourse",
    "LearningPathEnrollment",
    "LiveSession",
    "LiveSessionParticipant",
    "LoginFailure",
    "Membership",
    "Module",
    "ModuleProgress",
    "Order",
    "OrderCounter",
    "OrderEvent",
    "OrderLine",
    "OrderNote",
    "OrderTransaction",
    "OutboxEvent",
    "PersistedQuery",
    "Portal",
    "Product",
    "ProductItem",
    "Question",
    "QuizAttempt",
    "RateCounter",
    "RefreshToken",
    "Section",
    "SigningSecret",
    "SurveyResponse",
    "TaxRate",
    "User",
    "Webhook",
    "WebhookDelivery",
    "metadata",
]

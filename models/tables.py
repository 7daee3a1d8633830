"""Imports every table so `SQLModel.metadata` is complete (Alembic, tests, truncation)."""

from sqlmodel import SQLModel

from models.audit import AuditEvent
from models.auth import ApiKey, LoginFailure, RefreshToken, SigningSecret
from models.certificates import Certificate, CertificateTemplate
from models.courses import Category, Course, CourseCategory, CourseInstructor, GradeModule, Section
from models.discussions import DiscussionPost, SurveyResponse
from models.enrollments import Enrollment, ModuleProgress, OutboxEvent
from models.learning_paths import LearningPath, LearningPathCourse, LearningPathEnrollment
from models.live_sessions import ClassroomSegment, LiveSession, LiveSessionParticipant
from models.modules import Module
from models.portals import Portal
from models.quizzes import Choice, Question, QuizAttempt
from models.users import Group, GroupMember, Membership, User

metadata = SQLModel.metadata

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Category",
    "Certificate",
    "CertificateTemplate",
    "Choice",
    "ClassroomSegment",
    "Course",
    "CourseCategory",
    "CourseInstructor",
    "DiscussionPost",
    "Enrollment",
    "GradeModule",
    "Group",
    "GroupMember",
    "LearningPath",
    "LearningPathCourse",
    "LearningPathEnrollment",
    "LiveSession",
    "LiveSessionParticipant",
    "LoginFailure",
    "Membership",
    "Module",
    "ModuleProgress",
    "OutboxEvent",
    "Portal",
    "Question",
    "QuizAttempt",
    "RefreshToken",
    "Section",
    "SigningSecret",
    "SurveyResponse",
    "User",
    "metadata",
]

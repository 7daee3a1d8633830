"""Imports every table so `SQLModel.metadata` is complete (Alembic, tests, truncation)."""

from sqlmodel import SQLModel

from models.courses import Category, Course, CourseCategory, CourseInstructor, Section
from models.modules import Module
from models.portals import Portal
from models.users import Group, GroupMember, Membership, User

metadata = SQLModel.metadata

__all__ = [
    "Category",
    "Course",
    "CourseCategory",
    "CourseInstructor",
    "Group",
    "GroupMember",
    "Membership",
    "Module",
    "Portal",
    "Section",
    "User",
    "metadata",
]

"""categoryCreate, courseCreate, courseUpdate, coursePublish, courseArchive, sectionCreate."""

from datetime import date
from typing import Annotated

import strawberry

from graph.certificates.mutations import CertifyingInput
from graph.context import Info
from graph.courses.types import CategoryType, CourseType, SectionType
from graph.enums import CategoryKind, DurationRule, GradingRule, QuizScorePolicy
from graph.errors import error_type
from graph.money import MoneyInput
from graph.mutation import payload_type, perform
from graph.node import input_id, input_ids
from models import courses as tables
from resolvers import courses

CourseError = error_type("CourseError", courses.CourseErrorCode)
CategoryError = error_type("CategoryError", courses.CategoryErrorCode)


@strawberry.input(description="A new category in the acting portal.")
class CategoryCreateInput:
    name: str = strawberry.field(description="The category's name, unique per portal and kind.")
    type: CategoryKind = strawberry.field(
        default=tables.CategoryType.COURSE, description="What it classifies; COURSE when left out."
    )


@strawberry.input(description="Course fields; on update, fields left out stay as they are.")
class CourseFieldsInput(CertifyingInput):
    slug: str | None = strawberry.field(default=None, description="Generated from the title when left out.")
    description: str | None = strawberry.field(default=None, description="What the course is about, as HTML.")
    category_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Categories to file it under; replaces them on update."
    )
    instructor_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Members of the portal who teach it; replaces them on update."
    )
    grading_rule: GradingRule | None = strawberry.field(
        default=None, description="How its grade is computed; NO_GRADING when left out on create."
    )
    duration_rule: DurationRule | None = strawberry.field(
        default=None, description="When access ends; UNLIMITED when left out on create."
    )
    duration_days: int | None = strawberry.field(default=None, description="Days of access, for the X_DAYS rules.")
    duration_date: date | None = strawberry.field(default=None, description="Last day of access, for ON_SPECIFIC_DATE.")
    price: MoneyInput | None = strawberry.field(default=None, description="The list price; none: free.")
    shared_with_sub_portals: bool | None = strawberry.field(
        default=None, description="Learners of sub-portals may see and enrol in it once published."
    )
    min_passing_percentage: float | None = strawberry.field(default=None, description="R21 pass mark, 0–100.")
    grade_module_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="The scored modules an AVG_SPECIFIC_MODULES grade averages; replaces the list."
    )
    quiz_score_policy: QuizScorePolicy | None = strawberry.field(
        default=None, description="LATEST (003, the default) or BEST attempt as a quiz's score."
    )

    def to_fields(self, title: str | None) -> courses.CourseFields:
        cats = None if self.category_ids is None else input_ids(self.category_ids, "Category", field="categoryIds")
        teachers = (
            None if self.instructor_ids is None else input_ids(self.instructor_ids, "User", field="instructorIds")
        )
        graded = (
            None
            if self.grade_module_ids is None
            else input_ids(self.grade_module_ids, "Module", field="gradeModuleIds")
        )
        return courses.CourseFields(
            title=title,
            slug=self.slug,
            description=self.description,
            category_ids=cats,
            instructor_ids=teachers,
            grading_rule=self.grading_rule,
            duration_rule=self.duration_rule,
            duration_days=self.duration_days,
            duration_date=self.duration_date,
            price=self.price.to_money() if self.price else None,
            shared_with_sub_portals=self.shared_with_sub_portals,
            min_passing_percentage=self.min_passing_percentage,
            grade_module_ids=graded,
            quiz_score_policy=self.quiz_score_policy,
            **self.certifying(),
        )


@strawberry.input(description="A new course, a draft in the acting portal.")
class CourseCreateInput(CourseFieldsInput):
    title: str = strawberry.field(description="The course's title, up to 300 characters.")


@strawberry.input(description="Changes to a course; fields left out stay as they are.")
class CourseUpdateInput(CourseFieldsInput):
    course_id: strawberry.ID = strawberry.field(description="The course to change.")
    title: str | None = strawberry.field(default=None, description="A new title; left out: unchanged.")

    def to_command(self) -> courses.CourseUpdate:
        course_id = input_id(self.course_id, "Course", field=("courseId",))
        return courses.CourseUpdate(course_id=course_id, fields=self.to_fields(self.title))


@strawberry.input(description="The course to publish or archive.")
class CourseStatusInput:
    course_id: strawberry.ID = strawberry.field(description="The course to publish or archive.")

    def course(self) -> dict[str, object]:
        return {"course_id": input_id(self.course_id, "Course", field=("courseId",))}


@strawberry.input(description="A new section at the end of a course.")
class SectionCreateInput:
    course_id: strawberry.ID = strawberry.field(description="The course the section is added to.")
    title: str = strawberry.field(description="The section's title.")
    position: int | None = strawberry.field(default=None, description="From 0; the end when left out.")

    def to_command(self) -> courses.SectionCreate:
        course_id = input_id(self.course_id, "Course", field=("courseId",))
        return courses.SectionCreate(course_id=course_id, title=self.title, position=self.position)


CoursePayload = payload_type("CoursePayload", "course", CourseType, CourseError)
CategoryPayload = payload_type("CategoryPayload", "category", CategoryType, CategoryError)
SectionPayload = payload_type("SectionPayload", "section", SectionType, CourseError)


@strawberry.type
class CourseMutation:
    @strawberry.mutation(description="Create a category in the acting portal.")
    async def category_create(
        self,
        info: Info,
        input_: Annotated[
            CategoryCreateInput, strawberry.argument(name="input", description="The category's name and kind.")
        ],
    ) -> CategoryPayload:  # type: ignore[valid-type]
        command = courses.CategoryCreate(name=input_.name, type=input_.type)
        return await perform(info, CategoryPayload, courses.create_category, lambda: {"command": command})

    @strawberry.mutation(description="Create a draft course in the acting portal.")
    async def course_create(
        self,
        info: Info,
        input_: Annotated[
            CourseCreateInput,
            strawberry.argument(name="input", description="The new course's fields; it starts as a DRAFT."),
        ],
    ) -> CoursePayload:  # type: ignore[valid-type]
        return await perform(
            info, CoursePayload, courses.create_course, lambda: {"fields": input_.to_fields(input_.title)}
        )

    @strawberry.mutation(description="Change a course; fields left out stay as they are.")
    async def course_update(
        self,
        info: Info,
        input_: Annotated[
            CourseUpdateInput, strawberry.argument(name="input", description="The course and the fields to change.")
        ],
    ) -> CoursePayload:  # type: ignore[valid-type]
        return await perform(info, CoursePayload, courses.update_course, lambda: {"command": input_.to_command()})

    @strawberry.mutation(description="Publish a course with at least one module; publishing twice is no error.")
    async def course_publish(
        self,
        info: Info,
        input_: Annotated[CourseStatusInput, strawberry.argument(name="input", description="The course to publish.")],
    ) -> CoursePayload:  # type: ignore[valid-type]
        return await perform(info, CoursePayload, courses.publish_course, input_.course)

    @strawberry.mutation(description="Archive a course: hidden from catalogs, records kept.")
    async def course_archive(
        self,
        info: Info,
        input_: Annotated[CourseStatusInput, strawberry.argument(name="input", description="The course to archive.")],
    ) -> CoursePayload:  # type: ignore[valid-type]
        return await perform(info, CoursePayload, courses.archive_course, input_.course)

    @strawberry.mutation(description="Add a section to a course.")
    async def section_create(
        self,
        info: Info,
        input_: Annotated[
            SectionCreateInput, strawberry.argument(name="input", description="The course and the section's title.")
        ],
    ) -> SectionPayload:  # type: ignore[valid-type]
        return await perform(info, SectionPayload, courses.create_section, lambda: {"command": input_.to_command()})

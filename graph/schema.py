"""The schema: each domain contributes its Query and Mutation fields."""

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from graph.assignments.mutations import AssignmentMutation
from graph.auth.mutations import AuthMutation
from graph.auth.queries import AuthQuery
from graph.certificates.mutations import CertificateMutation
from graph.certificates.queries import CertificateQuery
from graph.context import SessionPerOperation
from graph.courses.mutations import CourseMutation
from graph.courses.queries import CourseQuery
from graph.discussions.mutations import DiscussionMutation
from graph.enrollments.mutations import EnrollmentMutation
from graph.enrollments.queries import EnrollmentQuery
from graph.enrollments.subscriptions import EnrollmentSubscription
from graph.errors import ErrorCodes
from graph.grades.mutations import GradeMutation
from graph.integrations.launch import LaunchMutation
from graph.learning_paths.mutations import LearningPathMutation
from graph.learning_paths.queries import LearningPathQuery
from graph.limits import QueryLimits
from graph.live_sessions.mutations import LiveSessionMutation
from graph.live_sessions.queries import LiveSessionQuery, LiveSessionSubscription
from graph.modules.mutations import ModuleMutation
from graph.modules.queries import ModuleQuery
from graph.modules.types import KIND_TYPES
from graph.node import NodeQuery
from graph.orders.mutations import OrderMutation
from graph.orders.queries import OrderQuery
from graph.portals.mutations import PortalMutation
from graph.portals.queries import PortalQuery
from graph.quizzes.mutations import QuizMutation
from graph.scalars import SCALAR_MAP
from graph.users.mutations import UserMutation
from graph.users.queries import UserQuery
from graph.webhooks.mutations import WebhookMutation
from graph.webhooks.types import WebhookQuery


def root(name: str, description: str, types: tuple[type, ...]) -> type:
    """`merge_types` takes no description: the merged type gets its own here."""
    merged = merge_types(name, types)
    merged.__strawberry_definition__.description = description  # type: ignore[attr-defined]
    return merged


Query = root(
    "Query",
    "Reads. Anonymous callers see a portal's published catalog; everything else needs a token or an API key, and "
    "each object is visible only as the caller's role allows (a hidden one is null, as if missing).",
    (
        NodeQuery,
        AuthQuery,
        PortalQuery,
        UserQuery,
        CourseQuery,
        ModuleQuery,
        EnrollmentQuery,
        LearningPathQuery,
        CertificateQuery,
        OrderQuery,
        WebhookQuery,
        LiveSessionQuery,
    ),
)
Mutation = root(
    "Mutation",
    "Writes. Each takes one `input` and returns a payload with what it changed and `errors`; each runs in one "
    "transaction and is recorded as an AuditEvent.",
    (
        AuthMutation,
        PortalMutation,
        UserMutation,
        CourseMutation,
        ModuleMutation,
        EnrollmentMutation,
        QuizMutation,
        DiscussionMutation,
        AssignmentMutation,
        LearningPathMutation,
        GradeMutation,
        CertificateMutation,
        OrderMutation,
        WebhookMutation,
        LaunchMutation,
        LiveSessionMutation,
    ),
)
Subscription = root(
    "Subscription",
    "Changes as they commit, over graphql-transport-ws; each event is read afresh with the subscriber's permissions.",
    (EnrollmentSubscription, LiveSessionSubscription),
)


class CourseGraphSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Client mistakes are answers, not incidents: `ErrorCodes` logs only the unexpected."""


schema = CourseGraphSchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=list(KIND_TYPES.values()),
    config=StrawberryConfig(scalar_map=SCALAR_MAP),
    # Parsing and validating a query text costs more than running many queries: both are cached
    # (bounded, so a stream of unique texts cannot grow memory). Validation first: a query that is
    # not valid is refused as such before its limits are measured.
    extensions=[
        lambda: ParserCache(maxsize=1_000),
        lambda: ValidationCache(maxsize=1_000),
        QueryLimits,
        ErrorCodes,
        SessionPerOperation,
    ],
)

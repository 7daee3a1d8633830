"""learningPaths."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.learning_paths.types import LearningPathOrder, LearningPathType
from graph.pagination import Connection, Listed, Paged
from resolvers import learning_paths


@strawberry.type
class LearningPathQuery:
    @strawberry.field(
        description="Learning paths: admins see their portals'; everyone else the acting portal's published ones.",
        extensions=[Paged(LearningPathOrder)],
    )
    async def learning_paths(
        self, info: Info, search: Annotated[str | None, strawberry.argument(description="Words in the name.")] = None
    ) -> Connection[LearningPathType]:
        actor = await info.context.actor()
        return Listed(learning_paths.paths_query, (actor, search), LearningPathType.from_row)  # type: ignore[return-value]

"""Module lookup."""

from typing import Annotated

import strawberry

from graph.context import Info
from graph.modules.types import Module, module_from_row
from graph.node import query_id
from models.modules import Module as ModuleRow


@strawberry.type
class ModuleQuery:
    @strawberry.field(description="A module by id; null when missing or hidden.")
    async def module(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The module's global ID.")]
    ) -> Module | None:
        row_id = query_id(id, "Module")
        row = None if row_id is None else await info.context.loaders.row(ModuleRow, row_id)
        return None if row is None else module_from_row(row)

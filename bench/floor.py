"""The floor: a bare Starlette endpoint answering each operation with its one SQL statement.

    uvicorn bench.floor:app --workers N   (BENCH_FLOOR_DSN names the database)

`POST /<operation>` with a JSON list of the statement's arguments; the answer is PostgreSQL's own
JSON text, passed through untouched.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.operations import ENROLL_SQL, READS

STATEMENTS = {operation.name: operation.floor_sql for operation in READS} | {"M1": ENROLL_SQL}


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_FLOOR_DSN"], min_size=2, max_size=10)
    yield
    await app.state.pool.close()


async def answer(request: Request) -> Response:
    arguments: list[Any] = await request.json()
    pool: asyncpg.Pool = request.app.state.pool
    text = await pool.fetchval(STATEMENTS[request.path_params["operation"]], *arguments)
    return Response(text, media_type="application/json")


app = Starlette(routes=[Route("/{operation}", answer, methods=["POST"])], lifespan=lifespan)

"""SELECTs compiled once for the driver: each execution only binds its values.

SQLAlchemy's per-execution work (cache key, compiled-cache lookup, result set wrapping) costs
more CPU than PostgreSQL takes to run a small statement (docs/performance.md). A statement that
runs on every request is rendered once, here, into asyncpg's own SQL text with `$n` positions;
a request passes its values and `Db` runs the text on the driver (`Db.rows`, `Db.fetch_value`).
"""

import re
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

DIALECT = asyncpg_dialect()


@dataclass(frozen=True, slots=True)
class Compiled:
    """`positions`, per `$n`: the name of a request value, or a constant already processed."""

    sql: str
    positions: tuple[tuple[str | None, Any], ...]
    row: Callable[..., Any]  # a named tuple of the result columns
    processors: tuple[Callable[[Any], Any] | None, ...]

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        return [constant if name is None else values[name] for name, constant in self.positions]

    def rows(self, records: Iterable[Sequence[Any]]) -> list[Any]:
        """The driver's records as rows with named fields and the columns' Python types."""
        processors = self.processors
        if not any(processors):
            return [self.row(*record) for record in records]
        return [
            self.row(
                *(
                    value if process is None else process(value)
                    for process, value in zip(processors, record, strict=True)
                )
            )
            for record in records
        ]


def compile_select(stmt: Select[Any], parameters: Iterable[str]) -> Compiled:
    """`parameters` name the bind parameters each execution gives; every other one is a
    constant (enum values, page sizes, IN lists), processed for the driver once, here."""
    named = set(parameters)
    compiled = stmt.compile(dialect=DIALECT, compile_kwargs={"render_postcompile": True})
    constants = compiled.construct_params(_check=False)
    positions: list[tuple[str | None, Any]] = []
    for name in compiled.positiontup or ():
        if name in named:
            positions.append((name, None))
            continue
        # an IN list's items are named `<bind>_<n>` once expanded
        bind = compiled.binds[name] if name in compiled.binds else compiled.binds[name.rsplit("_", 1)[0]]
        process = bind.type.bind_processor(DIALECT)
        positions.append((None, constants[name] if process is None else process(constants[name])))
    columns = stmt.selected_columns
    return Compiled(
        compiled.string,
        tuple(positions),
        namedtuple("Row", [column.key for column in columns], rename=True),  # type: ignore[misc]
        tuple(column.type.dialect_impl(DIALECT).result_processor(DIALECT, None) for column in columns),
    )


class Prepared:
    """A statement run on every request, its values named by `bindparam`s: compiled on first use.

    `statement` stays for SQLite, where SQLAlchemy runs it as usual."""

    def __init__(self, statement: Select[Any], *parameters: str) -> None:
        self.statement = statement
        self.parameters = parameters
        self._compiled: Compiled | None = None

    @property
    def compiled(self) -> Compiled:
        if self._compiled is None:
            self._compiled = compile_select(self.statement, self.parameters)
        return self._compiled


_POSITION = re.compile(r"\$(\d+)")
EMPTY_DIGEST = "d41d8cd98f00b204e9800998ecf8427e"  # md5 of no rows at all (an empty text)


def digest_sql(compiled: Compiled, offset: int = 0) -> str:
    """A scalar subquery: the md5 of a statement's rows as PostgreSQL writes them, sorted bytewise
    so that no plan or collation changes it; its `$n` moved up by `offset`, to sit in another
    statement after that many values."""
    sql = _POSITION.sub(lambda found: f"${int(found.group(1)) + offset}", compiled.sql) if offset else compiled.sql
    return f"(SELECT md5(coalesce(string_agg(u::text, ',' ORDER BY u::text COLLATE \"C\"), '')) FROM ({sql}) AS u)"


@cache
def digested(query: Prepared) -> Prepared:
    """`query` whose rows each carry `digest`, the `digest_sql` of them all, read in the same
    snapshot: what a later statement compares to know they have not changed."""
    compiled = query.compiled
    if {int(n) for n in _POSITION.findall(compiled.sql)} != set(range(1, len(compiled.positions) + 1)):
        raise ValueError(f"not one $n per value: {compiled.sql}")  # a `$` in a literal would be moved too
    variant = Prepared(query.statement, *query.parameters)
    variant._compiled = Compiled(
        f"SELECT t.*, {digest_sql(compiled)} AS digest FROM ({compiled.sql}) AS t",
        compiled.positions,
        namedtuple("Row", [*compiled.row._fields, "digest"], rename=True),  # type: ignore[misc]
        (*compiled.processors, None),
    )
    return variant

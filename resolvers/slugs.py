"""Slugs: a given one must be free; a missing one comes from the title, with -1, -2 … (003 R41)."""

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Checks, Failure, Path

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SLUG = 120


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100].strip("-") or "item"


def check_slug(checks: Checks, path: Path, slug: str | None) -> None:
    if slug is not None and (len(slug) > MAX_SLUG or not SLUG.fullmatch(slug)):
        checks.add(path, "slug takes lower-case letters, digits and single hyphens.", "INVALID")


async def free_slug(
    session: AsyncSession, column: Any, *, wanted: str | None, title: str, where: Any, path: Path
) -> str:
    """`where` narrows the uniqueness scope (a portal's courses, or every portal)."""
    if wanted is not None:
        taken = await session.scalar(select(column).where(where, column == wanted).limit(1))
        if taken is not None:
            raise Failure.one(path, f"The slug {wanted!r} is taken.", "DUPLICATE")
        return wanted
    base = slugify(title)
    used = set((await session.execute(select(column).where(where, column.startswith(base)))).scalars())
    if base not in used:
        return base
    return next(f"{base}-{n}" for n in range(1, len(used) + 2) if f"{base}-{n}" not in used)


async def flush_unique(session: AsyncSession, *, column: str, path: Path, message: str) -> None:
    """Flushes a row checked free above: a concurrent request may have taken the value since, which
    only the unique constraint on `column` sees; that is the same DUPLICATE, not a server error."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if column not in str(exc.orig):
            raise
        raise Failure.one(path, message, "DUPLICATE") from None

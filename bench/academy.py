"""The benchmark academy, built on PostgreSQL with set-based SQL (about a minute).

20 portals × 100 courses × 20 modules; 100,000 learners (5,000 per portal); every even-ranked
learner is enrolled in 20 courses of their portal (1,000,000 enrollments, ~500 per course); the
first 250 even-ranked learners of each portal have progress on every module (100,000 enrollments,
2,000,000 module progress rows). The gradebook course of portal 0 has 30 quizzes and 1,000
learners with a score in each (issue 7's gradebook figure). Ids are md5-derived from positions, so statements join by
arithmetic instead of lookups and every run builds the same academy.

The database comment records the migration head and the layout version: a later run reuses a
complete academy and rebuilds a stale or half-built one.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from models.migrate import alembic_config, upgrade_to_head
from models.session import create_engine
from models.settings import Settings
from resolvers.auth import API_KEY_PREFIX
from resolvers.tokens import digest
from resolvers.users import hash_password

LAYOUT = "academy v2"
PORTALS, COURSES, MODULES, LEARNERS, ENROLLED_IN = 20, 100, 20, 5_000, 20
WITH_PROGRESS = 500  # ranks below this (even ones) have progress on every module
SPARE_COURSES = 50  # empty courses of portal 0 that M1 enrolls into, emptied before each run
ADMIN_KEY = f"{API_KEY_PREFIX}bench-admin-0000000000000000000000000000"
LEARNER_EMAIL, LEARNER_PASSWORD = "u0-0@bench.example", "bench-password"
KINDS = ("text", "video", "pdf", "quiz", "assignment")
GRADEBOOK_LEARNERS, GRADEBOOK_QUIZZES = 1_000, 30


def uid(kind: str, *parts: int) -> UUID:
    """The same md5-derived id the SQL below gives a row."""
    return UUID(hashlib.md5("-".join([kind, *map(str, parts)]).encode()).hexdigest())


@dataclass(frozen=True, slots=True)
class Academy:
    url: str
    portal: UUID  # portal 0: the admin's and the dashboard learner's
    course: UUID  # course 0 of portal 0, 500 learners
    learner: UUID
    spare_courses: tuple[UUID, ...]
    m1_learners: tuple[UUID, ...]
    gradebook_course: UUID  # 1,000 learners × 30 scored quizzes


def _id(kind: str, *parts: str) -> str:
    joined = " || '-' || ".join(parts)
    return f"md5('{kind}-' || {joined})::uuid"


STEPS: tuple[tuple[str, str], ...] = (
    (
        "portals",
        f"""INSERT INTO portal (id, name, slug, path, time_zone, is_active, created_at, updated_at)
        SELECT {_id("portal", "p")}, 'Academy ' || p, 'academy-' || p,
               replace({_id("portal", "p")}::text, '-', '') || '/', 'UTC', true,
               now() - interval '400 days' + p * interval '1 minute', now()
        FROM generate_series(0, {PORTALS - 1}) p""",
    ),
    (
        "courses",
        f"""INSERT INTO course (id, portal_id, title, slug, description, status, grading_rule,
                                duration_rule, shared_with_sub_portals, created_at, updated_at)
        SELECT {_id("course", "p", "c")}, {_id("portal", "p")}, 'Course ' || p || '.' || c,
               'course-' || c, 'About course ' || c, 'published', 'no_grading', 'unlimited', false,
               now() - interval '300 days' + c * interval '1 hour', now()
        FROM generate_series(0, {PORTALS - 1}) p, generate_series(0, {COURSES + SPARE_COURSES - 1}) c
        WHERE p = 0 OR c < {COURSES}""",
    ),
    (
        "modules",
        f"""INSERT INTO module (id, portal_id, course_id, kind, title, position, is_required, drip_rule,
                                details, created_at, updated_at)
        SELECT {_id("module", "p", "c", "m")}, {_id("portal", "p")}, {_id("course", "p", "c")},
               (ARRAY{list(KINDS)})[1 + (m % {len(KINDS)})], 'Module ' || c || '.' || m, m, true,
               'immediately', '{{}}', now() - interval '300 days', now()
        FROM generate_series(0, {PORTALS - 1}) p, generate_series(0, {COURSES - 1}) c,
             generate_series(0, {MODULES - 1}) m""",
    ),
    (
        "users",
        f"""INSERT INTO "user" (id, email, full_name, classroom_user_id, is_active, created_at, updated_at)
        SELECT {_id("user", "p", "r")}, 'u' || p || '-' || r || '@bench.example',
               'Learner ' || p || '.' || r, 'bench-' || p || '-' || r, true,
               now() - interval '200 days' + r * interval '1 minute', now()
        FROM generate_series(0, {PORTALS - 1}) p, generate_series(0, {LEARNERS - 1}) r""",
    ),
    (
        "memberships",
        f"""INSERT INTO membership (id, portal_id, user_id, role, created_at, updated_at)
        SELECT {_id("membership", "p", "r")}, {_id("portal", "p")}, {_id("user", "p", "r")}, 'learner',
               now(), now()
        FROM generate_series(0, {PORTALS - 1}) p, generate_series(0, {LEARNERS - 1}) r""",
    ),
    (
        "enrollments",
        f"""INSERT INTO enrollment (id, portal_id, user_id, course_id, status, source, enrolled_at,
                                    started_at, expiry_set, created_at, updated_at)
        SELECT {_id("enrollment", "p", "r", "k")}, {_id("portal", "p")}, {_id("user", "p", "r")},
               md5('course-' || p || '-' || ((r + k * 5) % {COURSES}))::uuid,
               CASE WHEN r < {WITH_PROGRESS} THEN 'In Progress' ELSE 'Not Started' END, 'manual',
               now() - interval '100 days', CASE WHEN r < {WITH_PROGRESS} THEN now() - interval '90 days' END,
               false, now() - interval '100 days' + (r * {ENROLLED_IN} + k) * interval '1 second', now()
        FROM generate_series(0, {PORTALS - 1}) p, generate_series(0, {LEARNERS - 1}, 2) r,
             generate_series(0, {ENROLLED_IN - 1}) k""",
    ),
    (
        "module progress",
        f"""INSERT INTO moduleprogress (id, portal_id, enrollment_id, module_id, status, attempts,
                                        started_at, completed_at, created_at, updated_at)
        SELECT {_id("progress", "p", "r", "k", "m")}, {_id("portal", "p")}, {_id("enrollment", "p", "r", "k")},
               md5('module-' || p || '-' || ((r + k * 5) % {COURSES}) || '-' || m)::uuid,
               CASE WHEN m < 10 THEN 'Completed' ELSE 'In Progress' END, 1, now() - interval '90 days',
               CASE WHEN m < 10 THEN now() - interval '80 days' END, now(), now()
        FROM generate_series(0, {PORTALS - 1}) p, generate_series(0, {WITH_PROGRESS - 1}, 2) r,
             generate_series(0, {ENROLLED_IN - 1}) k, generate_series(0, {MODULES - 1}) m""",
    ),
)


GRADEBOOK = _id("gradebook", "0")
GRADEBOOK_STEPS: tuple[tuple[str, str], ...] = (
    (
        "gradebook course",
        f"""INSERT INTO course (id, portal_id, title, slug, description, status, grading_rule,
                                duration_rule, shared_with_sub_portals, created_at, updated_at)
        VALUES ({GRADEBOOK}, {_id("portal", "0")}, 'Gradebook course', 'gradebook', '', 'published',
                'avg_all_modules', 'unlimited', false, now() - interval '1 day', now())""",
    ),
    (
        "gradebook quizzes",
        f"""INSERT INTO module (id, portal_id, course_id, kind, title, position, is_required, drip_rule,
                                details, created_at, updated_at)
        SELECT {_id("gradebook-quiz", "m")}, {_id("portal", "0")}, {GRADEBOOK}, 'quiz', 'Quiz ' || m, m, true,
               'immediately', '{{}}', now() - interval '1 day', now()
        FROM generate_series(0, {GRADEBOOK_QUIZZES - 1}) m""",
    ),
    (
        "gradebook learners",
        f"""INSERT INTO enrollment (id, portal_id, user_id, course_id, status, source, enrolled_at,
                                    started_at, expiry_set, created_at, updated_at)
        SELECT {_id("gradebook-enrollment", "r")}, {_id("portal", "0")}, {_id("user", "0", "r")}, {GRADEBOOK},
               'In Progress', 'manual', now() - interval '1 day', now() - interval '1 day', false,
               now() - interval '1 day' + r * interval '1 second', now()
        FROM generate_series(0, {GRADEBOOK_LEARNERS - 1}) r""",
    ),
    (
        "gradebook scores",
        f"""INSERT INTO moduleprogress (id, portal_id, enrollment_id, module_id, status, score, passed, attempts,
                                        started_at, completed_at, created_at, updated_at)
        SELECT {_id("gradebook-progress", "r", "m")}, {_id("portal", "0")}, {_id("gradebook-enrollment", "r")},
               {_id("gradebook-quiz", "m")}, 'Completed', (r * 7 + m * 13) % 101, (r * 7 + m * 13) % 101 >= 50, 1,
               now() - interval '1 day', now() - interval '1 day', now(), now()
        FROM generate_series(0, {GRADEBOOK_LEARNERS - 1}) r, generate_series(0, {GRADEBOOK_QUIZZES - 1}) m""",
    ),
    (
        "gradebook grades",
        f"""UPDATE enrollment e SET grade = g.grade, passed = true
        FROM (SELECT enrollment_id, round(avg(score)::numeric, 2)::float AS grade FROM moduleprogress
              WHERE module_id IN (SELECT id FROM module WHERE course_id = {GRADEBOOK}) GROUP BY enrollment_id) g
        WHERE e.id = g.enrollment_id""",
    ),
)


def _dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return (parsed.set(database=database) if database else parsed).render_as_string(hide_password=False)


def _marker() -> str:
    """The layout and the whole migration chain: a head can keep its id while revisions are
    inserted before it (merged branches), and such an academy lacks their tables."""
    chain = [revision.revision for revision in ScriptDirectory.from_config(alembic_config(None)).walk_revisions()]
    return f"{LAYOUT} {'-'.join(reversed(chain))}"


async def ensure(url: str, *, rebuild: bool = False, say: Callable[[str], None] = print) -> Academy:
    """Reuses a complete academy at `url`; otherwise (re)creates the database and fills it."""
    database = make_url(url).database
    marker = _marker()
    admin = await asyncpg.connect(_dsn(url, "postgres"))
    try:
        comment = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", database
        )
        if rebuild or comment != marker:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{database}"')
            await _fill(url, say)
            await admin.execute(f"COMMENT ON DATABASE \"{database}\" IS '{marker}'")
    finally:
        await admin.close()
    return Academy(
        url=url,
        portal=uid("portal", 0),
        course=uid("course", 0, 0),
        learner=uid("user", 0, 0),
        spare_courses=tuple(uid("course", 0, c) for c in range(COURSES, COURSES + SPARE_COURSES)),
        m1_learners=tuple(uid("user", 0, r) for r in range(1_000)),
        gradebook_course=uid("gradebook", 0),
    )


async def _drop_plain_indexes(connection: asyncpg.Connection, tables: tuple[str, ...]) -> list[str]:
    """Sorting once builds an index far faster than a million random insertions into it."""
    rows = await connection.fetch(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.tablename = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)""",
        list(tables),
    )
    for row in rows:
        await connection.execute(f'DROP INDEX "{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


async def _fill(url: str, say: Callable[[str], None]) -> None:
    engine = create_engine(Settings(database_url=url))
    await upgrade_to_head(engine)
    await engine.dispose()
    connection = await asyncpg.connect(_dsn(url))
    try:
        # The rows are consistent by construction: skip the per-row foreign-key triggers.
        await connection.execute(
            "SET session_replication_role = replica; SET synchronous_commit = off; SET maintenance_work_mem = '512MB'"
        )
        indexes = await _drop_plain_indexes(connection, ("enrollment", "moduleprogress"))
        for name, sql in STEPS + GRADEBOOK_STEPS:
            started = time.perf_counter()
            status = await connection.execute(sql)
            say(f"  {name:<16} {int(status.split()[-1]):>10,} rows {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        for definition in indexes:
            await connection.execute(definition)
        say(f"  {len(indexes)} indexes rebuilt {time.perf_counter() - started:14.1f} s")
        portal = uid("portal", 0)
        await connection.execute(
            """INSERT INTO apikey (id, portal_id, name, role, prefix, digest, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, 'bench admin', 'admin', $2, $3, now(), now())""",
            portal,
            ADMIN_KEY[:12],
            digest(ADMIN_KEY),
        )
        await connection.execute(
            'UPDATE "user" SET password_hash = $1 WHERE email = $2', hash_password(LEARNER_PASSWORD), LEARNER_EMAIL
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()

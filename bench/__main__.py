"""The read and write benchmark: the real service against a raw-SQL floor, on PostgreSQL.

    .venv/bin/python -m bench [--workers 2] [--seconds 10] [--connections 16] [--rebuild]
    .venv/bin/python -m bench --scaling [1,2,4] [--operations Q1,Q3]

Builds (or reuses) the benchmark academy, serves the real app with `coursegraph serve` and the
floor (bench/floor.py) with the same worker count, checks that both answer every operation
identically, drives each with wrk over loopback and prints one table (Markdown). `--scaling`
instead serves the app with each worker count in turn and prints the reads' req/s per count
(docs/deployment.md).
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import event

from bench import academy
from bench.academy import Academy
from bench.load import WARM_UP_SECONDS, Load, drive, require_wrk
from bench.operations import ENROLL, READS, Operation, enroll_variables
from graph.app import create_app
from models.settings import Settings

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/coursegraph_bench"
ENVIRONMENT = {
    "RATE_LIMIT_PER_CREDENTIAL": "0",  # the bench measures serving, not throttling
    "RATE_LIMIT_PER_IP": "0",
    "SECRET_KEY": "bench-secret-key-bench-secret-key",
    "ACCESS_TOKEN_TTL_SECONDS": "3600",
}
ROOT = Path(__file__).resolve().parent.parent
Scaling = dict[int, dict[str, float]]  # worker count → operation → req/s


@dataclass(slots=True)
class Row:
    operation: str
    description: str
    service: Load
    floor: Load
    statements: int
    response_bytes: int
    rss_mb: float = 0.0

    @property
    def ratio(self) -> float:
        return self.service.requests_per_second / self.floor.requests_per_second


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


def _rss_mb(pid: int) -> float:
    """The largest worker's resident memory (the process itself when it serves alone)."""
    workers = [p for p in _descendants(pid) if "multiprocessing.resource_tracker" not in _cmdline(p)] or [pid]
    sizes = []
    for worker in workers:
        status = Path(f"/proc/{worker}/status").read_text()
        sizes.append(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))) / 1024)
    return max(sizes)


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")


@contextmanager
def serving(command: list[str], port: int, environment: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **environment}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        for _ in range(300):  # up to 30 s to start
            try:
                httpx.post(f"http://127.0.0.1:{port}/", timeout=0.5)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise SystemExit(f"{command} exited: {process.stderr.read().decode()}") from None  # type: ignore[union-attr]
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def service(url: str, workers: int, port: int) -> Any:
    coursegraph = str(Path(sys.executable).parent / "coursegraph")
    command = [coursegraph, "serve", "--workers", str(workers), "--port", str(port)]
    return serving(command, port, {**ENVIRONMENT, "DATABASE_URL": url})


def floor(url: str, workers: int, port: int) -> Any:
    dsn = url.replace("+asyncpg", "")
    command = [sys.executable, "-m", "uvicorn", "bench.floor:app", "--workers", str(workers), "--port", str(port)]
    command += ["--log-level", "warning", "--no-access-log"]
    return serving(command, port, {"BENCH_FLOOR_DSN": dsn})


async def count_statements(a: Academy, token: str) -> dict[str, int]:
    """Exact statements per request, counted in-process on the same database, as under load: the
    second of two identical requests (the first also asks who acts: graph/compiled/who.py)."""
    app = create_app(Settings(database_url=a.url, **{name.lower(): value for name, value in ENVIRONMENT.items()}))
    seen: list[str] = []
    event.listen(app.state.engine.sync_engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    counts = {}
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http,
    ):
        for operation in READS:
            body = _body(a, operation)
            await http.post("/graphql", json=body, headers=_headers(operation, token))
            seen.clear()
            answer = await http.post("/graphql", json=body, headers=_headers(operation, token))
            assert "errors" not in answer.json(), answer.text
            counts[operation.name] = len(seen)
        await _empty_spare_courses(a)
        seen.clear()
        body = {"query": ENROLL, "variables": enroll_variables(a.spare_courses[0], a.m1_learners)}
        await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {academy.ADMIN_KEY}"})
        counts["M1"] = len(seen)
    return counts


def _headers(operation: Operation, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token if operation.as_learner else academy.ADMIN_KEY}"}


async def _empty_spare_courses(a: Academy) -> None:
    connection = await asyncpg.connect(a.url.replace("+asyncpg", ""))
    await connection.execute("DELETE FROM enrollment WHERE course_id = ANY($1)", list(a.spare_courses))
    await connection.close()


def sign_in(port: int) -> str:
    query = "mutation($input: TokenCreateInput!) { tokenCreate(input: $input) { accessToken errors { message } } }"
    variables = {"input": {"email": academy.LEARNER_EMAIL, "password": academy.LEARNER_PASSWORD}}
    answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query, "variables": variables}).json()
    return answer["data"]["tokenCreate"]["accessToken"]


def _canonical(text: str | bytes) -> str:
    """The answer without `extensions` (the service's cost report), keys sorted, numbers as numbers:
    PostgreSQL writes the float 72.0 as `72`, Python as `72.0`."""
    body = json.loads(text, parse_int=float)
    body.pop("extensions", None)
    return json.dumps(body, sort_keys=True)


def measure_reads(a: Academy, token: str, args: argparse.Namespace, service_port: int, floor_port: int) -> list[Row]:
    rows = []
    for operation in args.operations:
        graphql = _body(a, operation)
        floor_body = [str(value) for value in operation.floor_args(a)]
        floor_body = [int(value) if value.isdigit() else value for value in floor_body]
        graphql_url, floor_url = (
            f"http://127.0.0.1:{service_port}/graphql",
            f"http://127.0.0.1:{floor_port}/{operation.name}",
        )
        headers = _headers(operation, token)
        served = httpx.post(graphql_url, json=graphql, headers=headers)
        floored = httpx.post(floor_url, json=floor_body)
        if _canonical(served.content) != _canonical(floored.content):
            raise SystemExit(f"{operation.name}: the service and the floor disagree:\n{served.text}\n{floored.text}")
        load = {"seconds": args.seconds, "connections": args.connections}
        rows.append(
            Row(
                operation.name,
                operation.description,
                service=drive(graphql_url, graphql, headers, **load),
                floor=drive(floor_url, floor_body, {}, **load),
                statements=0,
                response_bytes=len(served.content),
            )
        )
    return rows


def _sequential(url: str, bodies: list[Any], headers: dict[str, str]) -> tuple[Load, int]:
    """The load and the last answer's size."""
    timings, size = [], 0
    with httpx.Client(timeout=60) as http:
        for body in bodies:
            started = time.perf_counter()
            answer = http.post(url, json=body, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            answer.raise_for_status()
            assert "errors" not in answer.json(), answer.text
            size = len(answer.content)
    return Load(1000 * len(timings) / sum(timings), statistics.median(timings), max(timings)), size


def measure_enroll(a: Academy, runs: int, service_port: int, floor_port: int) -> Row:
    """M1, one connection: each run enrolls the 1,000 learners into a course of its own."""
    asyncio.run(_empty_spare_courses(a))
    courses = a.spare_courses[1 : 1 + runs], a.spare_courses[1 + runs : 1 + 2 * runs]
    headers = {"Authorization": f"Bearer {academy.ADMIN_KEY}"}
    bodies = [{"query": ENROLL, "variables": enroll_variables(course, a.m1_learners)} for course in courses[0]]
    served, size = _sequential(f"http://127.0.0.1:{service_port}/graphql", bodies, headers)
    learners = [str(u) for u in a.m1_learners]
    floored, _ = _sequential(f"http://127.0.0.1:{floor_port}/M1", [[str(c), learners] for c in courses[1]], {})
    return Row("M1", "enrollmentCreate of 1,000 learners (1 connection)", served, floored, 0, size)


def machine() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = names[0] if names else platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def _rate(per_second: float) -> str:
    return f"{per_second:,.1f}" if per_second < 10 else f"{per_second:,.0f}"


def measure_scaling(a: Academy, workers: Sequence[int], args: argparse.Namespace, port: int) -> Scaling:
    """The service's req/s for each read with each worker count, served afresh for each count."""
    rates: Scaling = {}
    for count in workers:
        with service(a.url, count, port):
            token = sign_in(port)
            url = f"http://127.0.0.1:{port}/graphql"
            load = {"seconds": args.seconds, "connections": args.connections}
            rates[count] = {
                operation.name: drive(url, _body(a, operation), _headers(operation, token), **load).requests_per_second
                for operation in args.operations
            }
    return rates


def _body(a: Academy, operation: Operation) -> dict[str, Any]:
    return {"query": operation.query, "variables": operation.variables(a)}


def scaling_table(rates: Scaling) -> list[str]:
    """| op | 1 worker | 2 workers | … |, in req/s."""
    counts = sorted(rates)
    names = list(rates[counts[0]])
    lines = [
        "| op | " + " | ".join(f"{count} worker{'s' if count > 1 else ''}" for count in counts) + " |",
        "|---|" + "---:|" * len(counts),
    ]
    lines += [f"| {name} | " + " | ".join(_rate(rates[count][name]) for count in counts) + " |" for name in names]
    return lines


def _setup(args: argparse.Namespace) -> list[str]:
    return [
        f"Machine: {machine()}.",
        f"Load: wrk, {args.connections} connections, {args.seconds} s per operation"
        f" after {WARM_UP_SECONDS} s unmeasured, over loopback.",
    ]


def report(rows: list[Row], workers: int, args: argparse.Namespace, scaling: Scaling) -> str:
    lines = [
        *_setup(args),
        f"Service: `coursegraph serve --workers {workers}`; floor: the same worker count.",
        "",
        "| op | req/s | p50 ms | p99 ms | floor req/s | floor p50 ms | floor p99 ms | ratio | SQL/req | bytes "
        "| RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        s, f = row.service, row.floor
        lines.append(
            f"| {row.operation} | {_rate(s.requests_per_second)} | {s.p50_ms:.1f} | {s.p99_ms:.1f} | "
            f"{_rate(f.requests_per_second)} | {f.p50_ms:.1f} | {f.p99_ms:.1f} | {row.ratio:.2f} | {row.statements} | "
            f"{row.response_bytes:,} | {row.rss_mb:.0f} |"
        )
    if scaling:
        lines += ["", "Scaling, req/s:", "", *scaling_table(scaling)]
    return "\n".join(lines)


def _worker_counts(text: str) -> tuple[int, ...]:
    parts = text.split(",")
    if not all(part.strip().isdigit() and int(part) >= 1 for part in parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not a list of worker counts such as 1,2,4")
    return tuple(int(part) for part in parts)


def _reads(text: str) -> tuple[Operation, ...]:
    by_name = {operation.name: operation for operation in READS}
    unknown = [name for name in text.split(",") if name not in by_name]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown operations {unknown}; choose among {', '.join(by_name)}")
    return tuple(by_name[name] for name in text.split(","))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--m1-runs", type=int, default=10)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the academy even if it is complete")
    parser.add_argument("--no-scaling", action="store_true", help="skip the 1-worker run")
    parser.add_argument(
        "--scaling",
        type=_worker_counts,
        nargs="?",
        const=(1, 2, 4),
        metavar="COUNTS",
        help="only the service's req/s per worker count, e.g. 1,2,4 (the default)",
    )
    parser.add_argument(
        "--operations",
        type=_reads,
        default=READS,
        metavar="NAMES",
        help=f"the reads to drive, e.g. Q1,Q3 (default: all of {','.join(o.name for o in READS)})",
    )
    args = parser.parse_args()
    require_wrk()
    print("Benchmark academy …", file=sys.stderr)
    a = asyncio.run(academy.ensure(args.database_url, rebuild=args.rebuild, say=lambda s: print(s, file=sys.stderr)))
    service_port, floor_port = 18_401, 18_402
    if args.scaling:
        rates = measure_scaling(a, args.scaling, args, service_port)
        print("\n".join([*_setup(args), "Service: `coursegraph serve --workers N`.", "", *scaling_table(rates)]))
        return
    with service(a.url, args.workers, service_port) as served, floor(a.url, args.workers, floor_port):
        token = sign_in(service_port)
        reads = measure_reads(a, token, args, service_port, floor_port)
        rss = _rss_mb(served.pid)
        rows = [*reads, measure_enroll(a, args.m1_runs, service_port, floor_port)]
    counts = asyncio.run(count_statements(a, token))
    for row in rows:
        row.statements, row.rss_mb = counts[row.operation], rss
    scaling: Scaling = {}
    if args.workers > 1 and not args.no_scaling:
        scaling = measure_scaling(a, [1], args, service_port)
        scaling[args.workers] = {row.operation: row.service.requests_per_second for row in reads}
    print(report(rows, args.workers, args, scaling))


if __name__ == "__main__":
    main()

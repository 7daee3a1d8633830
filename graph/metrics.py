"""Prometheus metrics at `GET /metrics` (contract §2): what an operator needs at 3 a.m.

Requests and their latency by operation name, SQL statements per request, DataLoader batch sizes,
errors by code and the subscriptions open. Operation names come from clients, so only well-formed ones become labels and
only the first `MAX_OPERATIONS` of them; the rest are counted as `other`.

Several workers (`coursegraph serve --workers N`) share one view through prometheus_client's
multiprocess mode: the CLI gives them a fresh PROMETHEUS_MULTIPROC_DIR (which prometheus_client
reads when imported), each worker writes its samples there and any worker's `/metrics` reads all.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

MAX_OPERATIONS = 200
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

REQUESTS = Histogram(
    "coursegraph_request_duration_seconds",
    "GraphQL requests over HTTP and their latency, by operation name.",
    ["operation"],
)
STATEMENTS = Histogram(
    "coursegraph_sql_statements_per_request",
    "SQL statements one GraphQL request ran, by operation name.",
    ["operation"],
    buckets=(0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144),
)
BATCH_SIZES = Histogram(
    "coursegraph_dataloader_batch_size",
    "Keys one DataLoader statement served, by loader.",
    ["loader"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
ERRORS = Counter("coursegraph_errors_total", "Errors in GraphQL responses, by extensions.code.", ["code"])
SUBSCRIPTIONS = Gauge(
    "coursegraph_subscriptions",
    "GraphQL subscriptions open, waiting for changes (summed over the live workers).",
    multiprocess_mode="livesum",
)


@dataclass(slots=True)
class OperationLabels:
    """A bounded label: `anonymous`, a well-formed name among the first `limit` seen, or `other`."""

    limit: int = MAX_OPERATIONS
    seen: set[str] = field(default_factory=set)

    def __call__(self, name: object) -> str:
        if name is None:
            return "anonymous"
        if not isinstance(name, str) or not NAME.fullmatch(name):
            return "other"
        if name not in self.seen and len(self.seen) >= self.limit:
            return "other"
        self.seen.add(name)
        return name


operation_label = OperationLabels()


def metrics_endpoint(multiprocess_dir: str | None) -> Callable[[Request], Awaitable[Response]]:
    registry = None
    if multiprocess_dir:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=multiprocess_dir)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(registry) if registry else generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return metrics

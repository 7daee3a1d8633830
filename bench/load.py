"""Load over loopback: wrk (Debian's `wrk` package) with a generated Lua script per request."""

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True, slots=True)
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("The bench drives load with wrk: `apt-get install wrk` (Debian's package), then rerun.")
    return found


def _script(body: bytes, headers: dict[str, str]) -> str:
    lines = ['wrk.method = "POST"', f"wrk.body = {json.dumps(body.decode())}"]
    lines += [f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


WARM_UP_SECONDS = 2


def drive(url: str, body: Any, headers: dict[str, str], *, seconds: int, connections: int) -> Load:
    """Fails when any response is not a 2xx: a fast error is not a result. The same load runs
    `WARM_UP_SECONDS` first, unmeasured, for the service and the floor alike: pools filled,
    statements prepared and planned on every connection, as in a server that has been up a while."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "request.lua"
        payload = json.dumps(body).encode()
        script.write_text(_script(payload, {"Content-Type": "application/json", **headers}))
        threads = min(2, connections)
        for duration in (WARM_UP_SECONDS, seconds):
            command = [require_wrk(), f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
            output = subprocess.run(
                [*command, "--timeout", "10s", "-s", str(script), url],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw failed requests against {url}:\n{output}")
    percentiles = dict(re.findall(r"^\s+(\d+)%\s+(\S+)\s*$", output, re.MULTILINE))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    return Load(rate, _ms(percentiles["50"]), _ms(percentiles["99"]))

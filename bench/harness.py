"""Benchmark plumbing: gunicorn processes, wrk runs, resident memory, a fresh database.

Every figure is reported with its ratio to the hello-world floor measured in the same run with the
same gunicorn settings, so results stay comparable across machines and noisy neighbours.
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_WORKERS = 2
CLIENTS = 8
DURATION = os.environ.get("BENCH_DURATION", "10s")


def app_environment(database_url: str, secret_key: str) -> dict[str, str]:
    """The environment the benchmarked app runs under: the production config, with what a load from one
    machine would trip (rate limits, the network's seat limit, CSRF for the scripted forms) turned off."""
    return {
        "FLASK_CONFIG": "production",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
        "REGISTRATION_NETWORK_SEATS": "0",  # the load comes from one machine, like rate limits
        "LOG_FORMAT": "text",
        "PROXY_COUNT": "0",
        "WTF_CSRF_ENABLED": "false",
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn --workers 2 (sync) on a free loopback port."""

    def __init__(self, target: str, env: dict | None = None, workers: int = GUNICORN_WORKERS):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                target,
            ],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn {target} did not start")

    def worker_rss_mb(self) -> list[float]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors + non-2xx/3xx responses
    statuses: str = ""


_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * _UNIT[unit]


def wrk(
    url: str,
    *,
    script: str | None = None,
    clients: int = CLIENTS,
    duration: str = DURATION,
    headers: dict | None = None,
    env: dict | None = None,
) -> WrkResult:
    command = ["wrk", "-t2", f"-c{clients}", f"-d{duration}", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(ROOT / "bench" / "lua" / script)]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, env={**os.environ, **(env or {})}
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    if len(latency) < 2:
        raise RuntimeError(f"wrk gave no latency distribution:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    statuses = "\n".join(line for line in output.splitlines() if line.startswith("status"))
    return WrkResult(
        requests_per_s=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        errors=errors + (int(non_2xx.group(1)) if non_2xx else 0),
        statuses=statuses,
    )


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown CPU",
    )
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, Python {sys.version.split()[0]}"


def database_settings(url: str) -> str:
    """The database version and the settings that weigh on write latency, for the results file."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                shown = {
                    name: connection.exec_driver_sql(f"SHOW {name}").scalar()
                    for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers")
                }
                return (
                    f"PostgreSQL {shown['server_version']} on the same machine (fsync {shown['fsync']}, "
                    f"synchronous_commit {shown['synchronous_commit']}, shared_buffers {shown['shared_buffers']})"
                )
            version = connection.exec_driver_sql("SELECT sqlite_version()").scalar()
            return f"SQLite {version} (WAL, synchronous=NORMAL, as the app sets it)"
    finally:
        engine.dispose()

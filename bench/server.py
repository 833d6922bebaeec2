"""What the benchmarks that load the site through gunicorn share (bench/web.py, bench/webhooks.py):
production settings' environment, gunicorn with its own process group, child processes of our
own interpreter, and wrk. Only ever 127.0.0.1."""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .support import free_port
from .table import WrkResult, parse_wrk

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = "bench.web_settings"
WORKERS = 4
TIMEOUT = 10  # seconds before wrk counts a request as failed (its default, 2 s, is a loaded machine's p99)


def production_environment(
    *, database: str, tmp: Path, broker_url: str, cache_url: str, queue: str, **extra: str
) -> dict:
    """Production settings' required environment, all of it local and throwaway. ``queue``: the
    Celery queue of the benchmark's own, so no other worker takes what the site queues."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "SECRET_KEY": secrets.token_urlsafe(48)[:64],
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CACHE_URL": cache_url,
        "EMAIL_URL": "smtp://127.0.0.1:2525",
        "EVIDENCE_ROOT": str(tmp / "evidence"),
        "MEDIA_ROOT": str(tmp / "media"),
        "BENCH_STATIC_ROOT": str(tmp / "static"),
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def flush_redis(*urls: str) -> None:
    import redis

    for url in urls:
        redis.Redis.from_url(url).flushdb()


def http_get(port: int, path: str) -> tuple[int, dict]:
    """One request as a new visitor over HTTPS behind a proxy; no redirect is followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


def http_post(port: int, path: str, body: bytes, headers: dict) -> int:
    """One POST over HTTPS behind a proxy; its status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={"X-Forwarded-Proto": "https", "Content-Type": "application/json", **headers},
        )
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def collectstatic_start(env: dict, tmp: Path) -> subprocess.Popen:
    """collectstatic into the benchmark's own directory (BENCH_STATIC_ROOT), in the background."""
    return subprocess.Popen(  # noqa: S603 - our own interpreter
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "collectstatic.log", "w"),  # noqa: SIM115 - closed with the process
    )


def collectstatic_wait(process: subprocess.Popen, tmp: Path) -> None:
    if process.wait(timeout=300):
        raise RuntimeError(f"collectstatic failed:\n{(tmp / 'collectstatic.log').read_text()[-4000:]}")


def run_child(args: list[str], env: dict, log: Path) -> subprocess.CompletedProcess:
    """Our own interpreter with ``args``, its output appended to ``log``; raises if it fails."""
    with open(log, "a") as handle:
        done = subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, *args], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False
        )
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{log.read_text()[-4000:]}")
    return done


def _wait_healthy(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{log.read_text()[-4000:]}")
        try:
            if http_get(port, "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"/healthz not answering 200 after 90 s:\n{log.read_text()[-4000:]}")


def stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def gunicorn(env: dict, log: Path, *, workers: int = WORKERS, port: int | None = None) -> Iterator[int]:
    """gunicorn serving config.wsgi on 127.0.0.1 until the block ends; yields its port once
    /healthz answers 200."""
    port = port or free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--error-logfile",
            str(log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: stopped as one below
    )
    try:
        _wait_healthy(server, port, log)
        yield port
    finally:
        stop_process_group(server)


def wrk_output(
    port: int,
    path: str,
    seconds: int,
    *,
    connections: int,
    threads: int,
    script: Path | None = None,
    script_args: tuple[str, ...] = (),
) -> str:
    """wrk's report of loading ``path`` (with a Lua ``script`` if given), as text."""
    url = f"http://127.0.0.1:{port}{path}"  # only ever this machine
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        f"--timeout={TIMEOUT}s",
        "-H",
        "X-Forwarded-Proto: https",
    ]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def wrk(port: int, path: str, seconds: int, *, connections: int, threads: int) -> WrkResult:
    return parse_wrk(wrk_output(port, path, seconds, connections=connections, threads=threads))

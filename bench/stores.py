"""The servers two of bench.py's scenarios keep their state in: PostgreSQL (conversations, for
`stored-postgres`) and Redis (rate-limit counters, for `limited-redis`), each from Debian's
packages, on a free port on 127.0.0.1, in a temporary folder of its own, started and stopped by
the harness, as the tests do (Tests/Support/PatchbayTestSupport/{Postgres,Redis}TestServer.swift).

Unlike the tests' PostgreSQL, this one keeps `fsync` on (and `synchronous_commit` at its default,
`on`): a commit waits for its WAL to reach the disk, as SQLite's `synchronous = FULL` does in the
`stored` scenario, so the two stored turns compare.
"""

import contextlib
import glob
import os
import signal
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

POSTGRES_ROLE = "patchbay"
POSTGRES_DATABASE = "patchbay_bench"
# Where Patchbay's Redis store keeps its counters (RedisRateLimitStore's default key prefix).
REDIS_LIMITS_PATTERN = "patchbay:limits:*"
# PostgreSQL refuses to run as root: then it runs as this user, in a folder handed to it.
SERVER_USER, SERVER_GROUP = "nobody", "nogroup"


def wait_until(ready, timeout_s, proc, what):
    """Polls `ready()` until it holds; fails at once if `proc` exits, or after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready (see its log)")
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {timeout_s} s (see its log)")


def postgres_binaries():
    """Debian's binaries for the newest PostgreSQL installed (`POSTGRES_BIN` overrides, as in the tests)."""
    if os.environ.get("POSTGRES_BIN"):
        return Path(os.environ["POSTGRES_BIN"])
    found = sorted((Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/postgres")),
                   key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)  # 9 < 15
    if not found:
        raise RuntimeError("no /usr/lib/postgresql/*/bin/postgres: install Debian's postgresql (bench/run.sh does)")
    return found[-1]


def as_server_user(argv):
    if os.geteuid() != 0:
        return argv
    return ["setpriv", f"--reuid={SERVER_USER}", f"--regid={SERVER_GROUP}", "--clear-groups", "--", *argv]


class RunningServer:
    """What the two servers share: the CPUs the kernel lets them run on (taskset's pinning)."""

    def cpus(self):
        return sorted(os.sched_getaffinity(self.proc.pid))


def run_checked(argv, what):
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {(done.stdout + done.stderr)[-2000:]}")
    return done.stdout


class PostgresServer(RunningServer):
    """A running cluster: its port, the URL Patchbay gets, and `psql` as the harness's user."""

    def __init__(self, binaries, host, port, proc):
        self.binaries, self.host, self.port, self.proc = binaries, host, port, proc
        self.url = f"postgres://{POSTGRES_ROLE}@{host}:{port}/{POSTGRES_DATABASE}?sslmode=disable"

    def query(self, sql):
        """One row of a query, as strings."""
        out = run_checked([str(self.binaries / "psql"), "-h", self.host, "-p", str(self.port), "-U", POSTGRES_ROLE,
                           "-d", POSTGRES_DATABASE, "-X", "-A", "-t", "-c", sql], "psql")
        return out.strip().split("|")

    def counts(self):
        """The rows Patchbay stored, and the settings that make them durable."""
        conversations, messages, version, fsync, sync_commit = self.query(
            "SELECT (SELECT COUNT(*) FROM conversations), (SELECT COUNT(*) FROM messages), current_setting('server_version'),"
            " current_setting('fsync'), current_setting('synchronous_commit')")
        return {"conversations": int(conversations), "messages": int(messages), "server_version": version,
                "fsync": fsync, "synchronous_commit": sync_commit}


@contextlib.contextmanager
def postgres_server(procs, cpu, host, free_port):
    """A new cluster (`initdb`, trust auth for the role `patchbay`) with an empty database, its
    server pinned to `cpu`; stopped (fast shutdown) and its folder removed at the end."""
    binaries = postgres_binaries()
    folder = Path(tempfile.mkdtemp(prefix="patchbay-bench-postgres-"))  # under /tmp: `nobody` can reach it
    try:
        if os.geteuid() == 0:
            shutil.chown(folder, SERVER_USER, SERVER_GROUP)
        run_checked(as_server_user([str(binaries / "initdb"), "-D", str(folder / "data"), "-U", POSTGRES_ROLE, "--auth=trust",
                                    "--no-locale", "-E", "UTF8", "--no-sync"]), "initdb")
        port = free_port()
        # fsync and synchronous_commit stay at their defaults (on): see the module's comment.
        proc = procs.spawn("postgres", cpu, as_server_user([str(binaries / "postgres"), "-D", str(folder / "data"), "-p", str(port),
                                                            "-k", str(folder), "-c", f"listen_addresses={host}"]))
        try:
            isready = [str(binaries / "pg_isready"), "-q", "-h", host, "-p", str(port)]
            wait_until(lambda: subprocess.run(isready).returncode == 0, 60, proc, "PostgreSQL")
            run_checked([str(binaries / "createdb"), "-h", host, "-p", str(port), "-U", POSTGRES_ROLE, POSTGRES_DATABASE], "createdb")
            yield PostgresServer(binaries, host, port, proc)
        finally:
            procs.stop(proc, signal.SIGINT)  # fast shutdown: closes connections, ends its children
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class RedisServer(RunningServer):
    """A running Redis: its port, the URL Patchbay gets, and `redis-cli`."""

    def __init__(self, host, port, proc):
        self.host, self.port, self.proc = host, port, proc
        self.url = f"redis://{host}:{port}/0"

    def cli(self, *args):
        return run_checked(["redis-cli", "-h", self.host, "-p", str(self.port), *args], "redis-cli").split()

    def limit_keys(self):
        """Patchbay's rate-limit keys, and the requests the day window of each has counted."""
        keys = self.cli("--scan", "--pattern", REDIS_LIMITS_PATTERN)
        counted = {key: int((self.cli("HGET", key, "d_c") or ["0"])[0]) for key in keys}
        return {"keys": len(keys), "key_names": keys[:3], "day_counts": list(counted.values())}


@contextlib.contextmanager
def redis_server(procs, cpu, host, free_port):
    """A new Redis pinned to `cpu`, saving nothing; stopped and its folder removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="patchbay-bench-redis-"))
    try:
        port = free_port()
        proc = procs.spawn("redis", cpu, ["redis-server", "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no",
                                          "--dir", str(folder), "--daemonize", "no"])
        try:
            server = RedisServer(host, port, proc)
            ping = ["redis-cli", "-h", host, "-p", str(port), "PING"]
            wait_until(lambda: subprocess.run(ping, capture_output=True, text=True).stdout.strip() == "PONG", 30, proc, "redis-server")
            yield server
        finally:
            procs.stop(proc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

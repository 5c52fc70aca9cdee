#!/usr/bin/env python3
"""Patchbay benchmark harness: what the gateway adds, side by side with direct calls and LiteLLM.

Run through `make bench` (bench/run.sh installs wrk, a venv with LiteLLM and matplotlib, and
raises the open-file limit). Three targets answer the same OpenAI-style chat request:

    direct    client -> fake upstream        POST /v1/chat/completions
    patchbay  client -> patchbay -> upstream  POST /api/chat (stateless `messages` shape)
    patchbay_v1 client -> patchbay -> upstream POST /v1/chat/completions (latency only: LiteLLM's very request)
    litellm   client -> LiteLLM -> upstream   POST /v1/chat/completions

Two more Patchbay processes, each with its own configuration, measure the paths users really take
(latency only, beside direct and the bare Patchbay, no LiteLLM):

    patchbay_stored      POST /api/chat, widget `message` + `history` shape: a new conversation per
                         request, both messages written to SQLite
    patchbay_production  POST /api/chat, `messages` shape, with auth (a bearer key), rate limits and
                         the JSON access log at info
    patchbay_stored_postgres  as patchbay_stored, the conversations in PostgreSQL
    patchbay_limited_redis    as patchbay_production, the rate-limit counters in Redis
    patchbay_cache       POST /api/chat to cached assistants: an exact hit, and a semantic hit and
                         miss at 1,000 and 10,000 entries (bench/cache_scenario.py), then
                         SemanticIndex.nearest alone (bench/IndexTiming)

The last two start their own server from Debian's packages (PostgreSQL: `initdb` into a temporary
folder, as `nobody` when run as root; Redis: nothing saved to disk), on a free port on CPU 1, and
stop it at the end.

`--only latency,held,...` runs some scenarios (see SCENARIOS) and writes
bench/results/partial-<names>.{json,md} instead of latest.{json,md}.

Every scenario runs the targets interleaved (direct, patchbay, litellm, direct, ...) so drift
on this shared machine hits all of them alike. Nothing here is a test: it measures and writes
bench/results/latest.{json,md} and latency.png.

CPU layout (2 cores): the gateway under test (Patchbay or LiteLLM) is pinned to CPU 0; the
fake upstream, every load generator and a scenario's PostgreSQL or Redis to CPU 1. The gateway
gets a core of its own, as it would in production; "direct" is what client + upstream do on
their one core.
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cache_scenario import cache_rows, cache_section, scenario_cache
from stores import postgres_server, redis_server

GATEWAY_CPU = "0"
LOAD_CPU = "1"
HOST = "127.0.0.1"
MASTER_KEY = "sk-bench-master"
UPSTREAM_KEY = "sk-fake-bench"
PATCHBAY_KEY = "pb-bench-production-key"  # the production-shape processes' one API key
# The Patchbay variants whose requests are the widget shape (stored), and the production shape.
STORED_TARGETS = {"patchbay_stored", "patchbay_stored_postgres"}
LIMITED_TARGETS = {"patchbay_production", "patchbay_limited_redis"}
PROMPT = "Hello"
MODEL = "gpt-4o-mini"  # the zero-delay default scenario of the fake upstream
PACED_MODEL = "fake:deltas=64,interval=20"  # 64 deltas, 20 ms before each
STREAM_SECONDS = 64 * 0.020
HOLD_MODEL = "fake:deltas=20,interval=500"  # a stream held open for about 10 s
# When the RSS of held streams is read mid-stream: this long after the last of them was opened,
# every stream is past its first delta (500 ms) and still streaming (20 deltas, about 10 s).
HELD_MID_S = 4.0
TARGETS = ["direct", "patchbay", "litellm"]
# The latency scenario also sends Patchbay the very request LiteLLM gets, on its OpenAI door.
LATENCY_TARGETS = ["direct", "patchbay", "patchbay_v1", "litellm"]
# What `--only` accepts, in the order they run.
SCENARIOS = ["footprint", "latency", "stored", "stored-postgres", "production", "limited-redis", "cache", "throughput", "streaming", "held"]
# The scenarios that need LiteLLM running.
LITELLM_SCENARIOS = {"footprint", "latency", "throughput", "streaming", "held"}
# How long after the largest level's held streams end their gateway's RSS is read again.
HELD_SETTLE_S = 60
# The machine may be shared (other builds): as root, everything measured runs at a higher
# priority than the rest, so that others' work distorts the figures less.
RAISE_PRIORITY = os.geteuid() == 0

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


# ---------------------------------------------------------------------------------------------
# HTTP/1.1 client: one keep-alive connection, TCP_NODELAY, bytes parsed incrementally.


class ResponseParser:
    """Parses one HTTP/1.1 response (Content-Length or chunked) from bytes fed as they arrive."""

    def __init__(self):
        self.buf = b""
        self.status = None
        self.headers = {}
        self.chunked = False
        self.remaining = 0
        self.done = False
        self.body = []  # body pieces not yet taken by take_body()

    def feed(self, data):
        self.buf += data
        if self.status is None:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].decode("latin-1").split("\r\n")
            self.buf = self.buf[end + 4 :]
            self.status = int(head[0].split()[1])
            for line in head[1:]:
                name, _, value = line.partition(":")
                self.headers[name.strip().lower()] = value.strip()
            self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
            if not self.chunked:
                self.remaining = int(self.headers.get("content-length", "0"))
        if not self.chunked:
            piece = self.buf[: self.remaining]
            self.buf = self.buf[len(piece) :]
            self.remaining -= len(piece)
            if piece:
                self.body.append(piece)
            self.done = self.remaining == 0
            return
        while True:  # whole chunks only: an SSE event is one chunk in every target here
            line_end = self.buf.find(b"\r\n")
            if line_end < 0:
                return
            size = int(self.buf[:line_end].split(b";")[0], 16)
            if size == 0:
                if self.buf.find(b"\r\n\r\n", line_end) < 0:
                    return
                self.buf = b""
                self.done = True
                return
            if len(self.buf) < line_end + 2 + size + 2:
                return
            self.body.append(self.buf[line_end + 2 : line_end + 2 + size])
            self.buf = self.buf[line_end + 2 + size + 2 :]

    def take_body(self):
        data = b"".join(self.body)
        self.body = []
        return data


def request_bytes(target, ports, model, stream):
    """The raw request for a target: the same conversation, in each target's own API."""
    if target == "patchbay_v1":
        # Byte for byte LiteLLM's body: the `bench` assistant answers to the model's name as an alias.
        body = {"model": litellm_alias(model), "messages": [{"role": "user", "content": PROMPT}], "stream": stream}
        return "/v1/chat/completions", json.dumps(body, separators=(",", ":")), ""
    if target in STORED_TARGETS:
        # The widget shape without a conversationId: each request starts a new conversation (so
        # conversations stay small and the upstream gets direct's one message), and the server
        # stores the user's message and the reply.
        body = {"message": PROMPT, "history": [], "assistantType": assistant_for(model), "stream": stream}
        return "/api/chat", json.dumps(body, separators=(",", ":")), ""
    if target == "patchbay" or target in LIMITED_TARGETS:
        path = "/api/chat"
        # The stateless `messages` shape: no conversation is stored.
        body = {"messages": [{"role": "user", "content": PROMPT}], "assistantType": assistant_for(model), "stream": stream}
        auth = PATCHBAY_KEY if target in LIMITED_TARGETS else None
    else:
        path = "/v1/chat/completions"
        # LiteLLM reads a comma in a requested model as "ask several models": it gets an alias.
        name = model if target == "direct" else litellm_alias(model)
        body = {"model": name, "messages": [{"role": "user", "content": PROMPT}], "stream": stream}
        auth = UPSTREAM_KEY if target == "direct" else MASTER_KEY
    return path, json.dumps(body, separators=(",", ":")), (f"Bearer {auth}" if auth else "")


def raw_request(host_port, path, body, auth):
    head = f"POST {path} HTTP/1.1\r\nHost: {host_port}\r\nContent-Type: application/json\r\n"
    if auth:
        head += f"Authorization: {auth}\r\n"
    head += f"Content-Length: {len(body.encode())}\r\n\r\n"
    return head.encode() + body.encode()


def assistant_for(model):
    return {MODEL: "bench", PACED_MODEL: "paced", HOLD_MODEL: "hold"}[model]


def litellm_alias(model):
    return {MODEL: MODEL, PACED_MODEL: "paced", HOLD_MODEL: "hold"}[model]


class SyncConnection:
    """A blocking keep-alive connection, for concurrency 1 (least client overhead)."""

    def __init__(self, port):
        self.port = port
        self.sock = socket.create_connection((HOST, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def roundtrip(self, raw):
        self.sock.sendall(raw)
        parser = ResponseParser()
        while not parser.done:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed mid-response")
            parser.feed(data)
        if parser.status != 200:
            raise RuntimeError(f"HTTP {parser.status}: {parser.take_body()[:200]!r}")
        self.last_headers = parser.headers
        return parser.take_body()

    def close(self):
        self.sock.close()


def sse_deltas(text, pending):
    """Splits SSE text into events; returns (contents, finished, error, rest)."""
    pending += text
    contents, finished, error = [], False, None
    while "\n\n" in pending:
        event, pending = pending.split("\n\n", 1)
        for line in event.split("\n"):
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                finished = True
                continue
            obj = json.loads(payload)
            if "error" in obj and obj["error"]:
                error = str(obj["error"])[:200]
            if "choices" in obj:  # OpenAI chunk (direct, LiteLLM)
                for choice in obj["choices"]:
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        contents.append(content)
            else:  # Patchbay event
                if obj.get("content"):
                    contents.append(obj["content"])
                if obj.get("done"):
                    finished = True
    return contents, finished, error, pending


async def stream_once(port, raw, deadline_s, opened=None):
    """One streamed request on a new connection: the send time, each delta's arrival time, and
    whether the stream ended properly. Never raises: failures are reported in the result."""
    result = {"ok": False, "status": None, "start": None, "deltas": [], "error": None}
    writer = None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 10)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if opened is not None:
            opened()
        result["start"] = time.perf_counter()
        writer.write(raw)
        parser, pending, finished = ResponseParser(), "", False
        end_by = result["start"] + deadline_s
        while not parser.done:
            data = await asyncio.wait_for(reader.read(65536), max(0.01, end_by - time.perf_counter()))
            now = time.perf_counter()
            if not data:
                raise ConnectionError("connection closed mid-stream")
            parser.feed(data)
            result["status"] = parser.status
            if parser.status is not None and parser.status != 200:
                raise RuntimeError(f"HTTP {parser.status}")
            contents, ended, error, pending = sse_deltas(parser.take_body().decode(), pending)
            result["deltas"].extend([now] * len(contents))
            finished = finished or ended
            if error:
                raise RuntimeError(f"stream error: {error}")
        result["ok"] = finished
        if not finished:
            result["error"] = "stream ended without its final event"
    except asyncio.TimeoutError:
        result["error"] = "timeout"
    except Exception as exc:  # noqa: BLE001 - every failure is a counted result
        result["error"] = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        if writer is not None:
            writer.close()
    return result


# ---------------------------------------------------------------------------------------------
# Processes


def rss_kib(pid):
    """VmRSS of a process and all its descendants, in KiB."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                stack.extend(int(c) for c in open(f"/proc/{p}/task/{task}/children").read().split())
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get_status(port, path="/health"):
    try:
        with socket.create_connection((HOST, port), timeout=1) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = s.recv(64)
            return int(data.split()[1]) if data.startswith(b"HTTP/") else None
    except OSError:
        return None


def wait_healthy(port, timeout_s, proc, path="/health", poll_s=0.002):
    """Seconds until `path` first answers 200."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before it was healthy")
        if http_get_status(port, path) == 200:
            return time.perf_counter() - start
        time.sleep(poll_s)
    raise RuntimeError(f"not healthy on port {port} after {timeout_s} s")


class Processes:
    def __init__(self, workdir):
        self.workdir = workdir
        self.procs = []

    def spawn(self, name, cpu, argv, env=None):
        logf = open(self.workdir / f"{name}.log", "ab")
        proc = subprocess.Popen(
            ["taskset", "-c", cpu, *argv],  # the priority is inherited from this process
            stdout=logf,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def stop(self, proc, sig=signal.SIGTERM):
        if proc.poll() is None:
            os.killpg(proc.pid, sig)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop_all(self):
        for proc in self.procs:
            self.stop(proc)


def patchbay_config(workdir, port, upstream_port, plugins_dir, name="patchbay", extra="", storage=None, assistants=""):
    """Writes NAME.yaml: every provider points at the fake upstream; no auth, no limits unless
    `extra` (more top-level YAML sections) says so. Each name has its own admin socket and, unless
    `storage` (a flow mapping) says otherwise, its own SQLite database. `assistants` (YAML lines
    indented under `assistants:`) adds assistants to the usual ones."""
    path = workdir / f"{name}.yaml"
    storage = storage or f"{{sqlite_path: {workdir}/{name}.sqlite}}"
    path.write_text(
        f"""# Written by bench/bench.py: every provider points at the fake upstream.
server: {{host: {HOST}, port: {port}, admin: {{socket: {workdir}/{name}-admin.sock}}}}
plugins: {{directory: {plugins_dir}}}
storage: {storage}
providers:
  openai: {{plugin: openai, base_url: "http://{HOST}:{upstream_port}/v1", api_key: "${{BENCH_UPSTREAM_KEY}}"}}
  anthropic: {{plugin: anthropic, base_url: "http://{HOST}:{upstream_port}", api_key: "${{BENCH_UPSTREAM_KEY}}"}}
  echo: {{plugin: echo}}
assistants:
  bench: {{provider: openai, model: "{MODEL}", aliases: ["{MODEL}"]}}
  paced: {{provider: openai, model: "{PACED_MODEL}"}}
  hold: {{provider: openai, model: "{HOLD_MODEL}"}}
  claude: {{provider: anthropic, model: claude-sonnet-4-5}}
  demo: {{provider: echo, model: echo-1}}
{assistants}{extra}"""
    )
    return path


def production_yaml(limits_store=None):
    """The production shape: one key, sent as a bearer; limits on every window, high enough never
    to refuse; the JSON access log at info (into the process's log file, as for the bare process,
    whose configuration leaves logging at its default: info, JSON). With `limits_store` (a Redis
    URL) the counters live there, and a Redis that fails refuses the turn (`deny`) rather than
    letting it through uncounted, so that every measured request did go through Redis."""
    limits = "requests_per_minute: 1000000, requests_per_hour: 60000000, requests_per_day: 1000000000, tokens_per_day: 1000000000000, burst: 100000"
    if limits_store:
        limits += f', store: "{limits_store}", on_store_failure: deny'
    return f"""auth:
  enabled: true
  keys: [{{id: bench, key_env: BENCH_PATCHBAY_KEY}}]
limits: {{{limits}}}
logging: {{level: info, format: json}}
"""


def start_patchbay(procs, bin_dir, workdir, name, port, upstream_port, plugins_dir, extra="", storage=None, assistants=""):
    """Spawns a Patchbay with its own configuration on the gateway's CPU; returns it once healthy."""
    cfg = patchbay_config(workdir, port, upstream_port, plugins_dir, name, extra, storage, assistants)
    proc = procs.spawn(name, GATEWAY_CPU, [str(bin_dir / "patchbay"), "serve", "--config", str(cfg)],
                       {"BENCH_UPSTREAM_KEY": UPSTREAM_KEY, "BENCH_PATCHBAY_KEY": PATCHBAY_KEY})
    try:
        wait_healthy(port, 30, proc)
    except RuntimeError as error:  # a build older than the configuration, say: its log says why
        tail = (workdir / f"{name}.log").read_text(errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"{name}: {error}; its log ends:\n" + "\n".join(tail)) from error
    return proc


def litellm_config(workdir, upstream_port):
    path = workdir / "litellm.yaml"
    entries = "".join(
        f"""  - model_name: "{litellm_alias(m)}"
    litellm_params: {{model: "openai/{m}", api_base: "http://{HOST}:{upstream_port}/v1", api_key: {UPSTREAM_KEY}}}
"""
        for m in (MODEL, PACED_MODEL, HOLD_MODEL)
    )
    path.write_text(f"model_list:\n{entries}general_settings: {{master_key: {MASTER_KEY}}}\n")
    return path


# ---------------------------------------------------------------------------------------------
# Scenarios


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def port_of(target, ports):
    return ports["patchbay"] if target == "patchbay_v1" else ports[target]


def scenario_latency(ports, warmup, rounds, per_round, targets=LATENCY_TARGETS):
    """Concurrency 1, non-streaming: interleaved rounds; p50/p99 per round, in ms."""
    conns = {t: SyncConnection(port_of(t, ports)) for t in targets}
    raws = {}
    for t in targets:
        path, body, auth = request_bytes(t, ports, MODEL, False)
        raws[t] = raw_request(f"{HOST}:{port_of(t, ports)}", path, body, auth)
    for t in targets:
        for _ in range(warmup):
            conns[t].roundtrip(raws[t])
    per_round_stats = {t: [] for t in targets}
    samples = {t: [] for t in targets}
    # What Patchbay says it cost (X-Patchbay-Overhead-Ms), to set beside the added latency measured.
    overhead = {t: [] for t in targets}
    for r in range(rounds):
        for t in targets:
            times = []
            conn, raw = conns[t], raws[t]
            for _ in range(per_round):
                start = time.perf_counter_ns()
                conn.roundtrip(raw)
                times.append((time.perf_counter_ns() - start) / 1e6)
                if "x-patchbay-overhead-ms" in conn.last_headers:
                    overhead[t].append(float(conn.last_headers["x-patchbay-overhead-ms"]))
            per_round_stats[t].append({"p50": percentile(times, 50), "p99": percentile(times, 99)})
            samples[t].extend(times)
        log(f"  latency round {r + 1}/{rounds}: " + ", ".join(f"{t} p50 {per_round_stats[t][-1]['p50']:.3f} ms" for t in targets))
    for c in conns.values():
        c.close()
    result = {}
    for t in targets:
        result[t] = {
            "p50_ms": statistics.median(s["p50"] for s in per_round_stats[t]),
            "p99_ms": statistics.median(s["p99"] for s in per_round_stats[t]),
            "rounds": per_round_stats[t],
        }
        if overhead[t]:
            result[t]["overhead_header_p50_ms"] = percentile(overhead[t], 50)
            result[t]["overhead_header_p99_ms"] = percentile(overhead[t], 99)
    return result, samples


# The variants that keep their state in a server of their own, and how that server is started.
VARIANT_SERVERS = {"patchbay_stored_postgres": postgres_server, "patchbay_limited_redis": redis_server}


def scenario_variant(procs, args, workdir, ports, config, variant):
    """The c=1 latency method for one of the VARIANT_ROWS targets, in a Patchbay process of its own (stopped at
    the end), interleaved with direct and the bare Patchbay so both differences come from one run. A
    variant in VARIANT_SERVERS gets its PostgreSQL or Redis first, on the load generator's CPU."""
    start_server = VARIANT_SERVERS.get(variant)
    with (start_server(procs, LOAD_CPU, HOST, free_port) if start_server else contextlib.nullcontext()) as server:
        port = free_port()
        storage, extra = variant_settings(variant, server)
        proc = start_patchbay(procs, args.bin, workdir, variant, port, ports["direct"], args.plugins.resolve(), extra, storage)
        ports = {**ports, variant: port}
        try:
            check_variant(variant, ports, workdir, server)
            result, _ = scenario_latency(ports, config["latency_warmup"], config["latency_rounds"], config["latency_per_round"],
                                         ["direct", "patchbay", variant])
        finally:
            procs.stop(proc)
        evidence = variant_evidence(workdir, variant, server)
    sent = 1 + config["latency_warmup"] + config["latency_rounds"] * config["latency_per_round"]
    result[variant]["evidence"] = {"requests_sent": sent, **evidence}
    log(f"  {variant}: {result[variant]['evidence']}")
    return result


def variant_settings(variant, server):
    """The variant's `storage` (None: SQLite) and further top-level YAML sections."""
    storage = f'{{postgres_url: "{server.url}"}}' if variant == "patchbay_stored_postgres" else None
    if variant not in LIMITED_TARGETS:
        return storage, ""
    return storage, production_yaml(server.url if variant == "patchbay_limited_redis" else None)


def check_variant(variant, ports, workdir, server):
    """Refuses to measure a variant that does not do what it is named for: after one request, its
    reply's header, and where there is one, its server holding what the request left."""
    path, body, auth = request_bytes(variant, ports, MODEL, False)
    conn = SyncConnection(ports[variant])
    try:
        conn.roundtrip(raw_request(f"{HOST}:{ports[variant]}", path, body, auth))
        expected = "x-conversation-id" if variant in STORED_TARGETS else "x-ratelimit-limit"
        if expected not in conn.last_headers:
            raise RuntimeError(f"{variant}: the reply has no {expected} header")
    finally:
        conn.close()
    if variant in LIMITED_TARGETS and http_get_status(ports[variant], "/api/assistants") != 401:
        raise RuntimeError(f"{variant}: /api/assistants answers without a key, so auth is off")
    if server is not None:
        evidence = variant_evidence(workdir, variant, server)
        left = evidence["messages"] if variant in STORED_TARGETS else evidence["keys"]
        if not left:
            raise RuntimeError(f"{variant}: the request left nothing in {server.url}: {evidence}")
        log(f"  {variant}: after one request, {evidence}")


def variant_evidence(workdir, variant, server=None):
    """What the variant's process left behind: the rows it stored, its access-log lines, and the
    rate-limit keys in Redis."""
    if variant == "patchbay_stored_postgres":
        return {**server.counts(), "server_cpus": server.cpus()}
    if variant == "patchbay_stored":
        with contextlib.closing(sqlite3.connect(workdir / f"{variant}.sqlite")) as db:
            count = lambda table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: E731
            return {"conversations": count("conversations"), "messages": count("messages")}
    lines = (workdir / f"{variant}.log").read_text(errors="replace").splitlines()
    evidence = {"access_log_lines": sum('"/api/chat"' in line for line in lines)}
    if variant == "patchbay_limited_redis":
        return {**evidence, **server.limit_keys(), "server_cpus": server.cpus()}
    return evidence


def run_wrk(target, ports, rate, duration_s, connections):
    path, body, auth = request_bytes(target, ports, MODEL, False)
    env = {**os.environ, "BENCH_PATH": path, "BENCH_BODY": body, "BENCH_AUTH": auth, "BENCH_RATE": str(rate)}
    out = subprocess.run(
        ["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration_s}s", "--timeout", "2s",
         "-s", str(BENCH_DIR / "paced.lua"), f"http://{HOST}:{ports[target]}"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("{"))
    r = json.loads(line)
    errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["status_errors"] + r["timeouts"]
    achieved = r["requests"] / (r["duration_us"] / 1e6)
    return {"rate": rate, "achieved": achieved, "p50_ms": r["p50_us"] / 1000, "p99_ms": r["p99_us"] / 1000,
            "errors": errors, "requests": r["requests"]}


def scenario_throughput(ports, start_rates, duration_s, connections, bisect_steps, p99_bound_ms):
    """The highest paced rate each target sustains (p99 < bound, >= 97 % of the rate achieved,
    no errors): doubling until it fails, then bisecting. The targets' steps are interleaved."""

    def search(target):
        passed, failed, rate = None, None, start_rates[target]
        steps = 0
        while True:
            step = yield rate
            ok = step["p99_ms"] < p99_bound_ms and step["achieved"] >= 0.97 * rate and step["errors"] == 0
            if ok:
                passed = step if passed is None or rate > passed["rate"] else passed
            else:
                failed = rate if failed is None else min(failed, rate)
            if failed is None:
                rate *= 2
            else:
                if passed is None:
                    rate = rate // 2
                    if rate < 5:
                        return None
                    continue
                steps += 1
                if steps > bisect_steps:
                    return passed
                rate = (passed["rate"] + failed) // 2
                if rate <= passed["rate"]:
                    return passed

    searches = {t: search(t) for t in TARGETS}
    rates = {t: next(searches[t]) for t in TARGETS}
    steps = {t: [] for t in TARGETS}
    best = {}
    while rates:
        for t in list(rates):
            step = run_wrk(t, ports, rates[t], duration_s, connections)
            time.sleep(1)  # let an overloaded target drain before the next step
            steps[t].append(step)
            log(f"  throughput {t}: {step['rate']}/s -> {step['achieved']:.0f}/s, p99 {step['p99_ms']:.2f} ms, errors {step['errors']}")
            try:
                rates[t] = searches[t].send(step)
            except StopIteration as stop:
                best[t] = stop.value
                del rates[t]
    return {t: {"sustained_rps": (best[t]["achieved"] if best[t] else 0), "at": best[t], "steps": steps[t]} for t in TARGETS}


async def paced_streams(ports, rounds, per_round, concurrency):
    """Streams of 64 deltas 20 ms apart: time to first token and the gaps between deltas (ms)."""
    ttft = {t: [] for t in TARGETS}
    gaps = {t: [] for t in TARGETS}
    errors = {t: 0 for t in TARGETS}
    for r in range(rounds):
        for t in TARGETS:
            path, body, auth = request_bytes(t, ports, PACED_MODEL, True)
            raw = raw_request(f"{HOST}:{ports[t]}", path, body, auth)

            async def one(i):
                # Starts spread evenly, about `concurrency` streams open at a time, so that
                # no two streams begin (or deliver) in the same instant.
                await asyncio.sleep(i * STREAM_SECONDS / concurrency)
                return await stream_once(ports[t], raw, 30)

            for res in await asyncio.gather(*(one(i) for i in range(per_round))):
                if not res["ok"] or len(res["deltas"]) != 64:
                    errors[t] += 1
                    continue
                ttft[t].append((res["deltas"][0] - res["start"]) * 1000)
                gaps[t].extend((b - a) * 1000 for a, b in zip(res["deltas"], res["deltas"][1:]))
        log(f"  streaming round {r + 1}/{rounds}: " + ", ".join(f"{t} ttft p50 {percentile(ttft[t], 50):.2f} ms" for t in TARGETS))
    return {
        t: {
            "ttft_p50_ms": percentile(ttft[t], 50), "ttft_p99_ms": percentile(ttft[t], 99),
            "gap_p50_ms": percentile(gaps[t], 50), "gap_p99_ms": percentile(gaps[t], 99),
            "streams": len(ttft[t]), "errors": errors[t],
        }
        for t in TARGETS
    }


async def held_streams(ports, pids, levels, ramp_batch, settle_s=HELD_SETTLE_S):
    """N concurrent streams (20 deltas, 500 ms apart) held open: errors, and the RSS of the
    process that holds them (peak while open, then after they all ended). After the largest
    level only, the RSS once more `settle_s` after its streams ended: does memory come back?"""
    out = {t: {} for t in TARGETS}
    settling = []
    for n in levels:
        for t in TARGETS:
            out[t][str(n)], ended = await hold_level(t, n, ports, pids[t], ramp_batch)
            if n == levels[-1]:  # the other targets' turns overlap this wait
                settling.append(asyncio.create_task(rss_settled(out[t][str(n)], pids[t], ended, settle_s)))
    await asyncio.gather(*settling)
    return out


async def hold_level(t, n, ports, pid, ramp_batch):
    """One target's N held streams: the level's record, and when the last of them ended."""
    path, body, auth = request_bytes(t, ports, HOLD_MODEL, True)
    raw = raw_request(f"{HOST}:{ports[t]}", path, body, auth)
    base = rss_kib(pid)
    peak = base
    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(stream_once(ports[t], raw, 60)))
        if (i + 1) % ramp_batch == 0:
            await asyncio.sleep(0.01)
    everything = asyncio.gather(*tasks)
    opened, streaming = time.monotonic(), None
    while not everything.done():
        rss = rss_kib(pid)
        peak = max(peak, rss)
        if streaming is None and time.monotonic() - opened >= HELD_MID_S:
            streaming = rss
        await asyncio.sleep(0.25)
    ended = time.monotonic()
    results = everything.result()
    bad = [r for r in results if not r["ok"] or len(r["deltas"]) != 20]
    reasons = {}
    for r in bad:
        key = r["error"] or f"{len(r['deltas'])} deltas"
        reasons[key] = reasons.get(key, 0) + 1
    await asyncio.sleep(1)
    record = {"errors": len(bad), "error_kinds": reasons, "rss_before_mib": base / 1024, "rss_peak_mib": peak / 1024,
              "kib_per_stream": (peak - base) / n, "rss_after_mib": rss_kib(pid) / 1024,
              "rss_streaming_mib": streaming / 1024 if streaming is not None else None}
    log(f"  {n} streams {t}: errors {len(bad)} {reasons or ''} peak RSS {peak / 1024:.1f} MiB, "
        f"{record['kib_per_stream']:.0f} KiB per stream (process {pid})")
    return record, ended


async def rss_settled(record, pid, ended, settle_s):
    """Adds to a level's record the RSS `settle_s` after its streams `ended` (monotonic time)."""
    await asyncio.sleep(max(0, ended + settle_s - time.monotonic()))
    record["rss_settled_mib"] = rss_kib(pid) / 1024
    record["settled_after_s"] = settle_s
    log(f"  RSS of process {pid} {settle_s} s after its streams ended: {record['rss_settled_mib']:.1f} MiB")


def footprint_patchbay(procs, bin_dir, workdir, upstream_port, plugins_dir, starts):
    """Start-up to the first successful /health (median of `starts`), and idle RSS."""
    times, idle = [], None
    for i in range(starts):
        port = free_port()
        cfg = patchbay_config(workdir, port, upstream_port, plugins_dir)
        proc = procs.spawn("patchbay-startup", GATEWAY_CPU, [str(bin_dir / "patchbay"), "serve", "--config", str(cfg)],
                           {"BENCH_UPSTREAM_KEY": UPSTREAM_KEY})
        times.append(wait_healthy(port, 30, proc, poll_s=0.001) * 1000)
        if i == 0:
            time.sleep(2)
            idle = rss_kib(proc.pid) / 1024
        procs.stop(proc)
    return {"startup_ms": statistics.median(times), "startup_runs_ms": times, "idle_rss_mib": idle}


def machine_info(bin_dir, venv_python):
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
    litellm = subprocess.run([venv_python, "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
                             capture_output=True, text=True).stdout.strip()
    return {
        "cores": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem / 1024 / 1024, 1),
        "kernel": platform.release(), "swift": swift[0] if swift else "?", "litellm": litellm,
        "python": platform.python_version(), "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        # Other work on the machine shows here; pinning does not keep it off our cores.
        "loadavg_at_start": open("/proc/loadavg").read().split()[:3],
    }


# ---------------------------------------------------------------------------------------------
# Report


def fmt(v, digits=2):
    return "—" if v is None else f"{v:.{digits}f}"


def diff(a, b):
    return a - b if None not in (a, b) else None


def row(label, d, p, l, digits=2):
    """A row of figures, then Patchbay's and LiteLLM's differences from direct."""
    return text_row(label, fmt(d, digits), fmt(p, digits), fmt(l, digits), fmt(diff(p, d), digits), fmt(diff(l, d), digits))


def text_row(label, *cells):
    cells = [*cells, "", "", "", "", ""][:5]
    return "|" + "|".join(f" {c} " if c else " " for c in (label, *cells)) + "|"


# The Patchbay variants' scenarios: the target each measures, and its rows' label.
VARIANT_ROWS = {
    "stored": ("patchbay_stored", "stored widget turn (`message` + `history`, SQLite)"),
    "stored-postgres": ("patchbay_stored_postgres", "stored widget turn (`message` + `history`, PostgreSQL)"),
    "production": ("patchbay_production", "production shape (auth, limits, access log)"),
    "limited-redis": ("patchbay_limited_redis", "production shape, limits in Redis"),
}


def write_report(res, stem="latest"):
    """Writes RESULTS/STEM.{md,json}: a row for each figure `res` holds, and the notes on how."""
    rows = []
    for part in (latency_rows, variant_rows, throughput_rows, streaming_rows, held_rows, footprint_rows):
        rows.extend(part(res))
        if part is variant_rows:
            rows.extend(cache_rows(res, text_row))
    m = res["machine"]
    md = f"""# Patchbay benchmark — {m['date_utc']}

Machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB, Linux {m['kernel']}; {m['swift']};
LiteLLM {m['litellm']} (Python {m['python']}); {m['wrk']}.

| scenario | direct | Patchbay | LiteLLM | Patchbay − direct | LiteLLM − direct |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

{report_notes(res)}{cache_section(res)}"""
    (RESULTS / f"{stem}.md").write_text(md)
    (RESULTS / f"{stem}.json").write_text(json.dumps(res, indent=2) + "\n")
    return md


def latency_rows(res):
    if "latency" not in res:
        return []
    lat = res["latency"]
    d, p, l = lat["direct"], lat["patchbay"], lat["litellm"]
    rows = [row("c=1 latency p50 (ms, median of rounds)", d["p50_ms"], p["p50_ms"], l["p50_ms"], digits=3),
            row("c=1 latency p99 (ms, median of rounds)", d["p99_ms"], p["p99_ms"], l["p99_ms"], digits=3)]
    if "patchbay_v1" in lat:
        rows.append(row("c=1 latency p50, Patchbay on /v1/chat/completions (ms)", d["p50_ms"], lat["patchbay_v1"]["p50_ms"], l["p50_ms"], digits=3))
        rows.append(row("c=1 latency p99, Patchbay on /v1/chat/completions (ms)", d["p99_ms"], lat["patchbay_v1"]["p99_ms"], l["p99_ms"], digits=3))
    if "overhead_header_p50_ms" in p:
        check = overhead_check(p, d)
        rows.append(text_row("Patchbay's own X-Patchbay-Overhead-Ms, p50 / p99 (ms)", "",
                             f"{p['overhead_header_p50_ms']:.3f} / {p['overhead_header_p99_ms']:.3f}", "",
                             f"measured: {p['p50_ms'] - d['p50_ms']:.3f} / {p['p99_ms'] - d['p99_ms']:.3f}; "
                             f"{check['verdict']}"))
    return rows


def overhead_check(p, d):
    """Checks the gateway's own account against the added latency measured in the same rounds.

    The header counts Patchbay's time from its access-log middleware to the response head, less
    what the plugin reported as its upstream's (ABI 1.4 TIMING). It cannot count what happens
    before the middleware runs (the event loop reading and parsing the request, the hop to the
    handler's task) or after the head (writing the body), nor the extra loopback legs the client
    and the upstream pay to reach a gateway on another CPU. So it must never exceed the measured
    difference (it would then be counting the upstream's time as Patchbay's), and the share it
    covers is reported, so a change that moves time out of its sight shows."""
    measured = p["p50_ms"] - d["p50_ms"]
    header = p["overhead_header_p50_ms"]
    share = header / measured if measured > 0 else float("nan")
    ok = header <= measured * 1.10 + 0.02
    verdict = (f"check {'passed' if ok else 'FAILED'}: the header's p50 is {share:.0%} of the measured p50"
               + ("" if ok else " (more than measured: it counts upstream time as Patchbay's)"))
    return {"ok": ok, "share": share, "verdict": verdict}


def variant_rows(res):
    """Each variant's p50 and p99 beside its own run's direct; the bare Patchbay's difference from
    the same rounds follows the variant's, so the two compare without drift between runs."""
    rows = []
    for scenario, (target, what) in VARIANT_ROWS.items():
        if scenario not in res:
            continue
        r = res[scenario]
        for q in ("p50", "p99"):
            d, bare, v = r["direct"][f"{q}_ms"], r["patchbay"][f"{q}_ms"], r[target][f"{q}_ms"]
            rows.append(text_row(f"c=1 latency {q}, {what} (ms)", f"{d:.3f}", f"{v:.3f}", "—",
                                 f"{v - d:.3f} (bare: {bare - d:.3f} in the same rounds)", "—"))
    return rows


def throughput_rows(res):
    if "throughput" not in res:
        return []
    rps = {t: res["throughput"][t]["sustained_rps"] for t in TARGETS}
    d_rps = rps["direct"]
    return [text_row("throughput, req/s with p99 < 50 ms", f"{d_rps:.0f}", f"{rps['patchbay']:.0f} ({rps['patchbay'] / d_rps:.2f}× direct)",
                     f"{rps['litellm']:.0f} ({rps['litellm'] / d_rps:.3f}× direct)")]


def streaming_rows(res):
    if "streaming" not in res:
        return []
    st = res["streaming"]
    return [row(f"streaming: {what} {q} (ms)", *(st[t][f"{key}_{q}_ms"] for t in TARGETS))
            for key, what in (("ttft", "time to first token"), ("gap", "gap between deltas")) for q in ("p50", "p99")]


def held_rows(res):
    if "held_streams" not in res:
        return []
    held, levels = res["held_streams"], res["config"]["held_levels"]
    rows = []
    for n in levels:
        cells = []
        for t in TARGETS:
            h = held[t][str(n)]
            cells.append(f"{h['errors']} errors" + ("" if t == "direct" else f", {h['rss_peak_mib']:.0f} MiB"))
        rows.append(text_row(f"{n} concurrent streams: errors, peak RSS", *cells))
    # Computed from before and peak, so that results written before this row existed show it too.
    per_stream = {t: " / ".join(f"{(held[t][str(n)]['rss_peak_mib'] - held[t][str(n)]['rss_before_mib']) * 1024 / n:.0f}" for n in levels)
                  for t in ("patchbay", "litellm")}
    label = f"held streams: KiB per stream, (peak − before) / N, at N = {' / '.join(str(n) for n in levels)}"
    rows.append(text_row(label, "—", per_stream["patchbay"], per_stream["litellm"]))
    # Mid-stream: what the streams cost once they all stream, past the start of their turns.
    if all(held[t][str(n)].get("rss_streaming_mib") is not None for t in ("patchbay", "litellm") for n in levels):
        mid = {t: " / ".join(f"{(held[t][str(n)]['rss_streaming_mib'] - held[t][str(n)]['rss_before_mib']) * 1024 / n:.0f}" for n in levels)
               for t in ("patchbay", "litellm")}
        label = f"held streams mid-stream: KiB per stream, (RSS {HELD_MID_S:.0f} s after the last opened − before) / N"
        rows.append(text_row(label, "—", mid["patchbay"], mid["litellm"]))
    return rows


def footprint_rows(res):
    fp = res.get("footprint", {})
    rows = []
    if "patchbay" in fp:
        rows.append(text_row("idle RSS, shipped plugins loaded (MiB)", "—", f"{fp['patchbay']['idle_rss_mib']:.1f}",
                             fmt(fp.get("litellm", {}).get("idle_rss_mib"), 1)))
    rows.extend(settled_rows(res))
    if "patchbay" in fp:
        rows.append(text_row("start-up to first 200 on /health (ms)", "—", f"{fp['patchbay']['startup_ms']:.0f}",
                             fmt(fp.get("litellm", {}).get("startup_ms"), 0)))
    return rows


def settled_rows(res):
    """RSS a while after the largest level of held streams ended, against idle RSS."""
    n = str(res["config"]["held_levels"][-1])
    held = res.get("held_streams")
    if not held or "rss_settled_mib" not in held["patchbay"][n]:
        return []
    label = f"RSS {held['patchbay'][n]['settled_after_s']} s after the {n} streams end (MiB)"
    # Without the footprint scenario (--only), the RSS before the first level is the nearest to idle.
    basis = "idle" if "patchbay" in res.get("footprint", {}) else "RSS before the streams"
    return [text_row(label, "—", *(settled_cell(res, t, basis) for t in ("patchbay", "litellm")))]


def settled_cell(res, t, basis):
    levels = res["config"]["held_levels"]
    held = res["held_streams"][t]
    mib = held[str(levels[-1])]["rss_settled_mib"]
    base = res["footprint"][t]["idle_rss_mib"] if basis == "idle" else held[str(levels[0])]["rss_before_mib"]
    return f"{mib:.1f} ({mib / base:.2f}× {basis})"


def report_notes(res):
    m, c = res["machine"], res["config"]
    notes = [f"""- **direct** = client → fake upstream `POST /v1/chat/completions`; **Patchbay** = client →
  `POST /api/chat` (stateless `messages` shape, nothing stored) → OpenAI plugin → fake upstream;
  **LiteLLM** = client → LiteLLM proxy (1 worker, master key) `POST /v1/chat/completions` → fake upstream.
  The `/v1/chat/completions` rows send Patchbay's OpenAI-compatible door LiteLLM's very request body
  (the assistant answers to the model's name as an alias), on the same client.
  Release build; the fake upstream answers at once (zero delay); TCP_NODELAY on every socket.
- Everything measured runs at nice −15 (as root), since the machine may be shared; load average at
  the start: {' '.join(m['loadavg_at_start'])}.
- CPU 0: the gateway under test (Patchbay or LiteLLM). CPU 1: the fake upstream and the load
  generator. Targets interleaved in every scenario (direct, Patchbay, LiteLLM, direct, …)."""]
    if {"latency", "cache", *VARIANT_ROWS} & res.keys():
        notes.append(f"""- Latency: concurrency 1, keep-alive, {c['latency_warmup']} warm-up requests per target, then {c['latency_rounds']} rounds ×
  {c['latency_per_round']} requests; p50 and p99 of each round, median across rounds.""")
    notes.extend(variant_notes(res))
    if "throughput" in res:
        notes.append(f"""- Throughput: wrk (1 thread, {c['wrk_connections']} connections) paced at a fixed rate by `bench/paced.lua`,
  {c['wrk_duration_s']} s per step, doubling then bisecting; sustained = p99 < 50 ms, ≥ 97 % of the rate
  achieved, no errors. The figure is the rate achieved at the best passing step.""")
    if "streaming" in res:
        notes.append(f"""- Streaming: 64 deltas, 20 ms before each (the first included, so direct TTFT ≈ 20 ms);
  {c['stream_rounds']} rounds × {c['stream_per_round']} streams per target, starts spread so about {c['stream_concurrency']} are
  open at once, a new connection each.""")
    if "held_streams" in res:
        notes.append(held_note(res))
    if "patchbay" in res.get("footprint", {}):
        notes.append(f"- Start-up: spawn to the first 200 from `/health` (median of {c['startups']}); idle RSS 2 s after start-up.")
    return "\n".join(notes) + "\n"


def variant_notes(res):
    notes = []
    if "stored" in res:
        ev = res["stored"]["patchbay_stored"].get("evidence", {})
        notes.append(f"""- Stored widget turn: a Patchbay of its own (same CPU) with SQLite in a temporary folder on the
  machine's disk (`synchronous = FULL`: a sync per commit); `POST /api/chat` with `message` + an empty
  `history` and no `conversationId`, so every request starts a new conversation (its user message and
  reply stored; the upstream sees direct's one message). Interleaved with direct and the bare Patchbay;
  the database held {ev.get('conversations', '?')} conversations and {ev.get('messages', '?')} messages afterwards.""")
    if "production" in res:
        ev = res["production"]["patchbay_production"].get("evidence", {})
        notes.append(f"""- Production shape: a Patchbay of its own (same CPU), `POST /api/chat` in the `messages` shape, with
  `auth` on (one key, sent as `Authorization: Bearer`), `limits` on every window (high enough never
  to refuse: `production_yaml` in bench.py) and the JSON access log at info into a file
  ({ev.get('access_log_lines', '?')} `/api/chat` lines). The bare Patchbay logs the same way (info is the default), so
  the difference from bare is auth and limits.""")
    if "stored-postgres" in res:
        ev = res["stored-postgres"]["patchbay_stored_postgres"].get("evidence", {})
        notes.append(f"""- Stored widget turn on PostgreSQL: as the SQLite one, with `storage: {{postgres_url: …}}` pointing at a
  PostgreSQL {ev.get('server_version', '')} the harness starts itself (Debian's package; `initdb` into a temporary folder, run as
  `nobody` when the harness is root; loopback TCP, no TLS), pinned to CPU {cpus(ev)} beside the fake upstream and
  the client. `fsync` {ev.get('fsync', 'on')} and `synchronous_commit` {ev.get('synchronous_commit', 'on')} (the defaults): each commit waits for its WAL
  to reach the disk, as SQLite's `synchronous = FULL` does, so the two rows compare. The database held
  {ev.get('conversations', '?')} conversations and {ev.get('messages', '?')} messages afterwards ({ev.get('requests_sent', '?')} requests sent).""")
    if "limited-redis" in res:
        ev = res["limited-redis"]["patchbay_limited_redis"].get("evidence", {})
        notes.append(f"""- Production shape, limits in Redis: as the production shape, with `limits.store:
  "redis://127.0.0.1:PORT/0"` and `on_store_failure: deny` (a request Redis did not count fails rather
  than passing uncounted), on a `redis-server` the harness starts itself (Debian's package, nothing saved
  to disk), pinned to CPU {cpus(ev)} beside the fake upstream and the client. Each request is one Lua script run
  on Redis. Afterwards Redis held {ev.get('keys', '?')} key(s) under `patchbay:limits:`, whose day window had counted
  {' + '.join(str(c) for c in ev.get('day_counts', [])) or '?'} of the {ev.get('requests_sent', '?')} requests sent; {ev.get('access_log_lines', '?')} `/api/chat` access-log lines.""")
    return notes


def cpus(evidence):
    """The CPUs a scenario's server was allowed, as read from it (LOAD_CPU for results without)."""
    return ",".join(str(c) for c in evidence.get("server_cpus", [LOAD_CPU]))


def held_note(res):
    last = res["held_streams"]["patchbay"][str(res["config"]["held_levels"][-1])]
    settled = f"\n  The RSS is read once more {last['settled_after_s']} s after the largest level's streams all ended." if "settled_after_s" in last else ""
    return f"""- Held streams: 20 deltas 500 ms apart, all N opened within a second; an error is any stream that
  does not deliver all 20 deltas and its final event within 60 s (`timeout`: still unfinished then);
  RSS is the gateway process's peak while they are open (direct: the upstream's, not shown, as it
  keeps a record of every request); KiB per stream = (peak − RSS before the level) / N. The peak
  comes while the turns start: every stream waits 500 ms for its first delta, so all N are in the
  start of their turns at once. Mid-stream, {HELD_MID_S:.0f} s after the last was opened, they all stream.{settled}"""


def chart(samples, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.2), dpi=110)
    colors = {"direct": "#555555", "patchbay": "#1f77b4", "litellm": "#d62728"}
    names = {"direct": "direct to fake upstream", "patchbay": "through Patchbay", "litellm": "through LiteLLM"}
    for t in TARGETS:
        xs = sorted(samples[t])
        ys = [(i + 1) / len(xs) for i in range(len(xs))]
        ax.plot(xs, ys, label=f"{names[t]} (p50 {percentile(xs, 50):.2f} ms)", color=colors[t], lw=2)
    ax.set_xscale("log")
    ax.set_xlabel("request latency, ms (log scale)")
    ax.set_ylabel("fraction of requests")
    ax.set_title("Non-streaming chat request at concurrency 1, all rounds")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)


# ---------------------------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, type=Path, help="the release build's bin directory")
    ap.add_argument("--plugins", required=True, type=Path, help="folder with the shipped plugins")
    ap.add_argument("--venv-python", required=True, help="the venv's python (LiteLLM)")
    ap.add_argument("--quick", action="store_true", help="tiny rounds, to check the harness")
    ap.add_argument("--only", metavar="SCENARIOS",
                    help=f"comma list of scenarios to run ({','.join(SCENARIOS)}); default: all. Writes "
                         "results/partial-<names>.{md,json}, not latest.{md,json}")
    ap.add_argument("--report-only", action="store_true", help="rewrite latest.md (with --only: partial-<names>.md) from its .json")
    args = ap.parse_args()
    names = [n.strip() for n in (args.only or ",".join(SCENARIOS)).split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not names:
        ap.error(f"--only: unknown scenario {', '.join(unknown) or '(none given)'}; choose from {','.join(SCENARIOS)}")
    args.only = [n for n in SCENARIOS if n in names]  # in the order they run, so a set has one file name
    return args


def results_stem(only):
    return "latest" if only == SCENARIOS else "partial-" + "-".join(only)


def bench_config(quick):
    return {
        "latency_warmup": 20 if quick else 200, "latency_rounds": 2 if quick else 7, "latency_per_round": 20 if quick else 200,
        "wrk_duration_s": 2 if quick else 5, "wrk_connections": 64, "bisect_steps": 1 if quick else 3,
        "stream_rounds": 1 if quick else 5, "stream_per_round": 10 if quick else 30, "stream_concurrency": 10,
        "held_levels": [50] if quick else [500, 1000, 2000], "startups": 2 if quick else 5,
    }


def start_litellm(args, procs, workdir, ports, res):
    """Spawns LiteLLM's proxy on the gateway's CPU; its start-up time and idle RSS go into `res`."""
    log("footprint: LiteLLM start-up")
    lcfg = litellm_config(workdir, ports["direct"])
    litellm_bin = str(Path(args.venv_python).parent / "litellm")
    ll = procs.spawn("litellm", GATEWAY_CPU, [litellm_bin, "--config", str(lcfg), "--host", HOST, "--port", str(ports["litellm"]), "--num_workers", "1"],
                     {"LITELLM_MASTER_KEY": MASTER_KEY, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_LOG": "ERROR"})
    ll_start = wait_healthy(ports["litellm"], 180, ll, path="/health/liveliness", poll_s=0.05)
    time.sleep(2)
    res.setdefault("footprint", {})["litellm"] = {"startup_ms": ll_start * 1000, "idle_rss_mib": rss_kib(ll.pid) / 1024}
    return ll


def run_scenarios(args, config, procs, workdir, res, stem):
    """Starts the fake upstream and the gateways the chosen scenarios need, and runs them in order."""
    only, plugins = args.only, args.plugins.resolve()
    ports = {t: free_port() for t in TARGETS}
    up = procs.spawn("fake-upstream", LOAD_CPU, [str(args.bin / "fake-upstream"), "--port", str(ports["direct"])])
    wait_healthy(ports["direct"], 30, up)
    if "footprint" in only:
        log("footprint: Patchbay start-up and idle RSS")
        res["footprint"] = {"patchbay": footprint_patchbay(procs, args.bin, workdir, ports["direct"], plugins, config["startups"])}
    pb = start_patchbay(procs, args.bin, workdir, "patchbay", ports["patchbay"], ports["direct"], plugins)
    ll = start_litellm(args, procs, workdir, ports, res) if LITELLM_SCENARIOS & set(only) else None
    if "latency" in only:
        log("scenario: added latency, concurrency 1")
        res["latency"], samples = scenario_latency(ports, config["latency_warmup"], config["latency_rounds"], config["latency_per_round"])
        check = overhead_check(res["latency"]["patchbay"], res["latency"]["direct"])
        log(f"  X-Patchbay-Overhead-Ms against the added latency: {check['verdict']}")
        chart(samples, RESULTS / ("latency.png" if stem == "latest" else f"{stem}-latency.png"))
    for scenario, (variant, what) in VARIANT_ROWS.items():
        if scenario in only:
            log(f"scenario: added latency, concurrency 1, {what}")
            res[scenario] = scenario_variant(procs, args, workdir, ports, config, variant)
    if "cache" in only:
        log("scenario: added latency, concurrency 1, response cache: exact hit, semantic hit and miss")
        # This module, passed in: bench.py runs as __main__, and importing it would load it twice.
        res["cache"] = scenario_cache(sys.modules[__name__], procs, args, workdir, ports, config)
    if "throughput" in only:
        log("scenario: throughput at p99 < 50 ms")
        start_rates = {"direct": 1000, "patchbay": 1000, "litellm": 20}
        res["throughput"] = scenario_throughput(ports, start_rates, config["wrk_duration_s"], config["wrk_connections"], config["bisect_steps"], 50.0)
    if "streaming" in only:
        log("scenario: streaming")
        res["streaming"] = asyncio.run(paced_streams(ports, config["stream_rounds"], config["stream_per_round"], config["stream_concurrency"]))
    if "held" in only:
        log("scenario: held streams")
        pids = {"direct": up.pid, "patchbay": pb.pid, "litellm": ll.pid}
        res["held_streams"] = asyncio.run(held_streams(ports, pids, config["held_levels"], 100))
    if "footprint" in only:
        res["footprint"]["patchbay"]["rss_after_run_mib"] = rss_kib(pb.pid) / 1024


def main():
    args = parse_args()
    stem = results_stem(args.only)
    if args.report_only:
        print(write_report(json.loads((RESULTS / f"{stem}.json").read_text()), stem))
        return
    if RAISE_PRIORITY:
        os.nice(-15)  # inherited by every process started here
    os.sched_setaffinity(0, {int(LOAD_CPU)})
    config = bench_config(args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="patchbay-bench-"))
    procs = Processes(workdir)
    log(f"work directory (logs): {workdir}; results: {RESULTS / stem}.{{md,json}}")
    res = {"config": config, "scenarios": args.only, "machine": machine_info(args.bin, args.venv_python)}
    log("machine:", json.dumps(res["machine"]))
    try:
        run_scenarios(args, config, procs, workdir, res, stem)
    finally:
        procs.stop_all()
    print(write_report(res, stem))


if __name__ == "__main__":
    main()

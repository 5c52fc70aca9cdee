#!/usr/bin/env python3
"""Where Patchbay's time goes at concurrency 1: records the gateway with `perf` (software clock,
call graphs) while one client sends the benchmark's non-streaming request in a loop, then prints
the hottest shared objects and symbols. Same pinning as bench.py (gateway CPU 0; fake upstream
and client CPU 1).

    bench/.venv/bin/python bench/profile.py --bin "$(swift build -c release --show-bin-path)" \
        --plugins provider-plugins [--seconds 15] [--out DIR]
"""

import argparse
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import bench


def _in(pid, thread):
    """Whether a `perf stat --per-thread` row (`name-TID`) is a thread of process `pid`."""
    tid = thread.rsplit("-", 1)[-1]
    return tid.isdigit() and Path(f"/proc/{pid}/task/{tid}").exists()


def report(data, sort, extra, limit):
    text = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--sort", sort, "-g", "none",
                           "--percent-limit", str(limit), *extra], capture_output=True, text=True).stdout
    print(f"==== perf report --sort {sort} {' '.join(extra)}")
    print("\n".join(l[:160] for l in text.splitlines() if l and not l.startswith("#")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, type=Path)
    ap.add_argument("--plugins", required=True, type=Path)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="patchbay-profile-"))
    out = args.out or workdir
    procs = bench.Processes(workdir)
    try:
        up_port, pb_port = bench.free_port(), bench.free_port()
        up = procs.spawn("fake-upstream", bench.LOAD_CPU, [str(args.bin / "fake-upstream"), "--port", str(up_port)])
        bench.wait_healthy(up_port, 30, up)
        cfg = bench.patchbay_config(workdir, pb_port, up_port, args.plugins.resolve())
        pb = procs.spawn("patchbay", bench.GATEWAY_CPU, [str(args.bin / "patchbay"), "serve", "--config", str(cfg)],
                         {"BENCH_UPSTREAM_KEY": bench.UPSTREAM_KEY})
        bench.wait_healthy(pb_port, 30, pb)
        ports = {"patchbay": pb_port, "direct": up_port}
        path, body, auth = bench.request_bytes("patchbay", ports, bench.MODEL, False)
        raw = bench.raw_request(f"{bench.HOST}:{pb_port}", path, body, auth)
        conn = bench.SyncConnection(pb_port)
        for _ in range(500):
            conn.roundtrip(raw)
        count = [0]
        stop = threading.Event()

        def load():
            while not stop.is_set():
                conn.roundtrip(raw)
                count[0] += 1

        worker = threading.Thread(target=load)
        worker.start()
        # 1. What one request costs each process: CPU time and context switches (software
        #    counters: this VM exposes no hardware ones).
        before = count[0]
        stat = subprocess.run(["perf", "stat", "-x", ",", "-e", "task-clock,context-switches,cpu-migrations",
                               "-p", f"{pb.pid},{up.pid}", "--per-thread", "--", "sleep", str(args.seconds)],
                              capture_output=True, text=True).stderr
        done = count[0] - before
        print(f"{done} requests in {args.seconds} s ({done / args.seconds:.0f}/s at concurrency 1), per request:")
        totals = {}
        for line in stat.splitlines():
            fields = line.split(",")
            if len(fields) < 4 or not fields[1].replace(".", "").isdigit():
                continue
            thread, value, event = fields[0], float(fields[1]), fields[3]
            proc = "patchbay" if thread.rsplit("-", 1)[-1] and _in(pb.pid, thread) else "fake-upstream"
            totals[(proc, event)] = totals.get((proc, event), 0) + value
            totals[(proc, "threads", thread)] = 1
        for proc in ("patchbay", "fake-upstream"):
            cpu = totals.get((proc, "task-clock"), 0) / done * 1000
            cs = totals.get((proc, "context-switches"), 0) / done
            print(f"  {proc}: {cpu:.0f} µs CPU, {cs:.1f} context switches")
        # 2. Where the gateway's CPU time goes: self time by library and by symbol.
        flat = out / "perf-flat.data"
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4999", "-o", str(flat), "-p", str(pb.pid),
                        "--", "sleep", str(args.seconds)], check=True)
        report(flat, "dso", [], 1.0)
        report(flat, "sym", [], 0.8)
        # 3. The same with call graphs (DWARF unwinding slows the server down while recording).
        data = out / "perf.data"
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "2999", "--call-graph", "dwarf,16384",
                        "-o", str(data), "-p", str(pb.pid), "--", "sleep", str(args.seconds)], check=True)
        report(data, "sym", ["--children"], 4.0)
        stop.set()
        worker.join()
        print(f"perf data: {flat} (flat), {data} (call graphs)")
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()

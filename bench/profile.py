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
        data = out / "perf.data"
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4999", "--call-graph", "dwarf,16384",
                        "-o", str(data), "-p", str(pb.pid), "--", "sleep", str(args.seconds)], check=True)
        stop.set()
        worker.join()
        print(f"{count[0]} requests in {args.seconds} s ({count[0] / args.seconds:.0f}/s at concurrency 1)")
        for sort, extra in (("dso", []), ("sym", ["--no-children"]), ("sym", ["--children"])):
            report = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--sort", sort, "-g", "none",
                                     "--percent-limit", "1.5", *extra], capture_output=True, text=True).stdout
            print(f"==== perf report --sort {sort} {' '.join(extra)}")
            print("\n".join(l for l in report.splitlines() if l and not l.startswith("#")))
        print(f"perf data: {data}")
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()

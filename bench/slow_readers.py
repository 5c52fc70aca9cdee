#!/usr/bin/env python3
"""Backpressure check: RSS growth of Patchbay while many clients read long streamed replies slowly.

Each client asks for a long reply from the fake upstream (through the OpenAI plugin; by default
20,000 deltas of a 100-byte word: 2 MB of text, twice the default bound) and reads it at about 1 KB/s, with a small receive buffer so the kernel does not soak up the reply.
Without a bound, each stream buffered whatever the upstream sent (issue 14: five such clients
grew RSS by 260 MiB). With `server.stream_buffer_bytes`, growth should stay under
clients x stream_buffer_bytes plus a constant. Nothing here is a test; it prints one JSON line.

    bench/.venv/bin/python bench/slow_readers.py --bin .build-bp/debug --plugins provider-plugins \
        [--clients 50] [--seconds 30] [--buffer-bytes 1048576] [--deltas 20000] [--word-bytes 100]

Run it once more with --buffer-bytes 1073741824 (the largest accepted: in effect no bound) to
see what the bound saves.

(any python3 will do: it needs only the standard library and bench/bench.py.)

Measured on the debug build (2 shared cores, other builds running), 10 clients, 20 s,
--deltas 10000 --word-bytes 1000 (10 MB of text per reply): every stream was paused (10 pauses)
and RSS grew 67 to 80 MiB, against 101 MiB with --buffer-bytes 1073741824. Not yet the
"10 x 1 MiB + a constant" the bound aims at: in a debug build the pipeline is CPU-bound and
memory that was freed still counts in the peak. Measure a release build before drawing more.
"""

import argparse
import asyncio
import json
import socket
import tempfile
import time
from pathlib import Path

import bench

def config(workdir, port, upstream_port, plugins_dir, buffer_bytes, model):
    path = workdir / "patchbay.yaml"
    path.write_text(
        f"""# Written by bench/slow_readers.py.
server: {{host: {bench.HOST}, port: {port}, stream_buffer_bytes: {buffer_bytes}, admin: {{socket: {workdir}/admin.sock}}}}
plugins: {{directory: {plugins_dir}}}
providers:
  openai: {{plugin: openai, base_url: "http://{bench.HOST}:{upstream_port}/v1", api_key: "${{BENCH_UPSTREAM_KEY}}"}}
assistants:
  default: {{provider: openai, model: "{model}"}}
logging: {{level: debug}}   # the plugin kit logs each pause and resume at debug
"""
    )
    return path


async def slow_reader(port, seconds, rate, received):
    """Asks for the long reply, then reads `rate` bytes a second until `seconds` have passed."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: caps the window
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (bench.HOST, port))
    reader, writer = await asyncio.open_connection(sock=sock, limit=rate)
    body = json.dumps({"message": "go", "assistantType": "default", "stream": True})
    writer.write(bench.raw_request(f"{bench.HOST}:{port}", "/api/chat", body, None))
    await writer.drain()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        chunk = await reader.read(rate)
        if not chunk:
            break
        received.append(len(chunk))
        await asyncio.sleep(1)
    writer.close()


async def run(port, pid, clients, seconds, rate):
    before = bench.rss_kib(pid)
    received = [[] for _ in range(clients)]
    tasks = [asyncio.create_task(slow_reader(port, seconds, rate, received[i])) for i in range(clients)]
    peak = before
    while not all(t.done() for t in tasks):
        peak = max(peak, bench.rss_kib(pid))
        await asyncio.sleep(0.5)
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(2)
    return before, peak, bench.rss_kib(pid), sum(sum(r) for r in received)


def pauses(workdir):
    """How many times the plugin stopped reading its upstream, from the server's debug log."""
    return (workdir / "patchbay.log").read_text().count("upstream reading paused")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, type=Path, help="the build's bin directory (patchbay, fake-upstream)")
    ap.add_argument("--plugins", required=True, type=Path, help="folder with the shipped plugins")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--rate", type=int, default=1024, help="bytes each client reads per second")
    ap.add_argument("--buffer-bytes", type=int, default=1048576, help="server.stream_buffer_bytes")
    ap.add_argument("--deltas", type=int, default=20000, help="deltas in each reply")
    ap.add_argument("--word-bytes", type=int, default=100, help="bytes of text in each delta")
    args = ap.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="patchbay-slow-readers-"))
    procs = bench.Processes(workdir)
    try:
        upstream_port, port = bench.free_port(), bench.free_port()
        up = procs.spawn("fake-upstream", bench.LOAD_CPU, [str(args.bin / "fake-upstream"), "--port", str(upstream_port)])
        bench.wait_healthy(upstream_port, 30, up)
        # Few deltas of long words: a debug fake upstream spends seconds preparing 300,000 deltas.
        model = f"fake:deltas={args.deltas},text={'x' * args.word_bytes}"
        cfg = config(workdir, port, upstream_port, args.plugins.resolve(), args.buffer_bytes, model)
        pb = procs.spawn("patchbay", bench.GATEWAY_CPU, [str(args.bin / "patchbay"), "serve", "--config", str(cfg)],
                         {"BENCH_UPSTREAM_KEY": bench.UPSTREAM_KEY})
        bench.wait_healthy(port, 30, pb)
        before, peak, after, total = asyncio.run(run(port, pb.pid, args.clients, args.seconds, args.rate))
        procs.stop(pb)  # flushes the log that `pauses` reads
        print(json.dumps({
            "clients": args.clients, "seconds": args.seconds, "rate_bytes_per_s": args.rate,
            "stream_buffer_bytes": args.buffer_bytes, "reply_text_bytes": args.deltas * args.word_bytes,
            "rss_before_mib": round(before / 1024, 1),
            "rss_peak_mib": round(peak / 1024, 1), "rss_after_mib": round(after / 1024, 1),
            "growth_mib": round((peak - before) / 1024, 1),
            "bound_mib": round(args.clients * args.buffer_bytes / 1048576, 1),
            "bytes_read_by_clients": total, "pauses": pauses(workdir), "logs": str(workdir),
        }))
    finally:
        procs.stop_all()


if __name__ == "__main__":
    main()

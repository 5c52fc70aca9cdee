"""The `cache` scenario of bench/bench.py: what the response cache adds (README "Response cache").

Three measurements, each with the harness's c=1 method (interleaved rounds, p50/p99 per round,
median across rounds), beside direct and the bare uncached Patchbay in the same rounds:

    cache_exact     POST /api/chat to an assistant with `cache: {scope: global}` on the echo
                    provider, asking what one warm-up request already cached: an exact hit
    semantic_hit    POST /api/chat to an assistant with a semantic cache (echo's local embedder,
                    threshold 0.92) holding N entries, asking a near-paraphrase of a cached
                    prompt: an exact miss, an embedding, a scan of the N entries, a hit
    semantic_miss   the same assistant, asked an unrelated question: an exact miss, an
                    embedding, a scan that finds nothing close, then the provider (the OpenAI
                    plugin and the fake upstream, as for the bare turn) and the reply kept

at N = 1,000 and 10,000 entries, filled by `POST /api/v1/cache/warm` from a generated
`cache.warm:` list and polled through `GET /api/v1/cache/stats` until `entries` holds them all.
A semantic miss keeps its reply, so each is cleared again (`DELETE /api/v1/cache/clear?pattern=`,
outside the timing) and the index holds exactly N entries for every timed lookup.

Then `index-timing` (bench/IndexTiming, the release build) times `SemanticIndex.nearest` alone at
1k-100k entries x 256 and 1536 dimensions: the figures behind "under 1 ms up to N entries".

bench.py is the entry script, so it passes itself in (`harness`) rather than being imported here
a second time: the HTTP client, the process starter and the percentile are its own.
"""

import json
import random
import statistics
import subprocess
import time

CACHE_SIZES = [1_000, 10_000]
THRESHOLD = 0.92
EXACT_PROMPT = "What are your opening hours?"
# Every semantic-miss question holds this word, and only they do: the clear after each removes them.
MISS_MARK = "zqxmiss"
WORDS_PER_PROMPT = 12
SEMANTIC_HIT_PROMPTS = 64  # paraphrases cycled through, of prompts among the first CACHE_SIZES[0]
FILL_TIMEOUT_S = 600


def pseudo_words(rng, count, syllables):
    """`count` distinct made-up words of 2-4 syllables drawn from `syllables`."""
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def generated_prompts(total):
    """`total` distinct prompts of made-up words (a fixed seed), the unrelated questions' words
    (from other syllables, so that they share next to no word or trigram with a prompt), and
    the paraphrases: a cached prompt with a word added in front and a question mark."""
    rng = random.Random(19)
    vocabulary = pseudo_words(rng, 4000, [c + v for c in "bdfgklmnprst" for v in "aeiou"])
    prompts, seen = [], set()
    while len(prompts) < total:
        prompt = " ".join(rng.choice(vocabulary) for _ in range(WORDS_PER_PROMPT))
        if prompt not in seen:
            seen.add(prompt)
            prompts.append(prompt)
    other = pseudo_words(rng, 2000, [c + v for c in "chjqvwxyz" for v in ("ae", "ou", "y", "ei")])
    paraphrases = ["please " + prompts[i * (CACHE_SIZES[0] // SEMANTIC_HIT_PROMPTS)] + "?" for i in range(SEMANTIC_HIT_PROMPTS)]
    return prompts, other, paraphrases


def cache_assistants(prompts, model):
    """The cached assistants' YAML (under `assistants:`): `cached` (exact, echo) and `semantic`
    (the bare turn's provider and model, with echo's embedder); the warm prompts in two patterns,
    `first` (the first size) and `more` (the rest)."""
    first, more = prompts[: CACHE_SIZES[0]], prompts[CACHE_SIZES[0] :]
    listed = lambda items: "".join(f'          - "{p}"\n' for p in items)  # noqa: E731
    return f"""  cached: {{provider: echo, model: echo-1, cache: {{scope: global}}}}
  semantic:
    provider: openai
    model: "{model}"
    cache:
      scope: global
      max_bytes: 512MiB
      semantic: {{embedder: echo, model: echo-embed, threshold: {THRESHOLD}}}
      warm:
        first:
{listed(first)}        more:
{listed(more)}"""


class Admin:
    """A keep-alive connection for the cache endpoints (any status, JSON bodies)."""

    def __init__(self, harness, port):
        self.h, self.port = harness, port
        self.conn = harness.SyncConnection(port)

    def call(self, method, path, body=None):
        data = json.dumps(body) if body is not None else ""
        raw = (f"{method} {path} HTTP/1.1\r\nHost: {self.h.HOST}:{self.port}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(data.encode())}\r\n\r\n{data}").encode()
        self.conn.sock.sendall(raw)
        parser = self.h.ResponseParser()
        while not parser.done:
            chunk = self.conn.sock.recv(65536)
            if not chunk:
                raise ConnectionError(f"{method} {path}: connection closed mid-response")
            parser.feed(chunk)
        text = parser.take_body().decode()
        if parser.status >= 300:
            raise RuntimeError(f"{method} {path}: HTTP {parser.status}: {text[:300]}")
        return json.loads(text) if text else None

    def stats(self):
        return self.call("GET", "/api/v1/cache/stats")

    def close(self):
        self.conn.close()


def fill(admin, pattern, count):
    """Warms `count` prompts of `pattern` and waits until the cache holds them: seconds taken."""
    before = admin.stats()["entries"]
    started = time.perf_counter()
    queued = admin.call("POST", "/api/v1/cache/warm", {"patterns": [pattern], "models": ["semantic"], "limit": count})["queued"]
    if queued != count:
        raise RuntimeError(f"cache warm queued {queued} prompts of {pattern!r}, not {count}")
    while (entries := admin.stats()["entries"]) < before + count:
        if time.perf_counter() - started > FILL_TIMEOUT_S:
            raise RuntimeError(f"cache warm: {entries - before} of {count} entries after {FILL_TIMEOUT_S} s (see the process log)")
        time.sleep(0.2)
    return time.perf_counter() - started


def chat_raw(harness, port, assistant, prompt):
    body = json.dumps({"messages": [{"role": "user", "content": prompt}], "assistantType": assistant, "stream": False},
                      separators=(",", ":"))
    return harness.raw_request(f"{harness.HOST}:{port}", "/api/chat", body, "")


def interleaved(harness, conns, requests, rounds, per_round, warmup, after=None):
    """The harness's c=1 method over targets whose requests may change from one to the next:
    `requests[t](i)` is the i-th raw request of target t; `after(t)` runs after each request,
    outside the timing. Returns ({t: {p50_ms, p99_ms, rounds}}, {t: {X-Cache-Status: count}})."""
    statuses = {t: {} for t in conns}
    sent = {t: 0 for t in conns}

    def one(t, timed):
        raw = requests[t](sent[t])
        start = time.perf_counter_ns()
        conns[t].roundtrip(raw)
        took = (time.perf_counter_ns() - start) / 1e6
        sent[t] += 1
        if timed:
            status = conns[t].last_headers.get("x-cache-status", "none")
            statuses[t][status] = statuses[t].get(status, 0) + 1
        if after:
            after(t)
        return took

    for t in conns:
        for _ in range(warmup):
            one(t, False)
    per_round_stats = {t: [] for t in conns}
    for r in range(rounds):
        for t in conns:
            times = [one(t, True) for _ in range(per_round)]
            per_round_stats[t].append({"p50": harness.percentile(times, 50), "p99": harness.percentile(times, 99)})
        harness.log(f"  cache round {r + 1}/{rounds}: " + ", ".join(f"{t} p50 {per_round_stats[t][-1]['p50']:.3f} ms" for t in conns))
    result = {t: {"p50_ms": statistics.median(s["p50"] for s in per_round_stats[t]),
                  "p99_ms": statistics.median(s["p99"] for s in per_round_stats[t]),
                  "rounds": per_round_stats[t]} for t in conns}
    return result, statuses


def expect_statuses(statuses, expected):
    """Refuses figures from requests the cache did not answer as the row says."""
    for t, status in expected.items():
        if set(statuses[t]) != {status}:
            raise RuntimeError(f"cache scenario: {t} was answered {statuses[t]}, not all {status}")


def scenario_cache(harness, procs, args, workdir, ports, config):
    """Starts a Patchbay of its own with the cached assistants, measures the exact hit, then the
    semantic hit and miss at each size, and finally the index alone. Stops it at the end."""
    h = harness
    prompts, other, paraphrases = generated_prompts(CACHE_SIZES[-1])
    port = h.free_port()
    assistants = cache_assistants(prompts, h.MODEL)
    proc = h.start_patchbay(procs, args.bin, workdir, "patchbay_cache", port, ports["direct"], args.plugins.resolve(),
                            assistants=assistants)
    admin = Admin(h, port)
    rounds, per_round, warmup = config["latency_rounds"], config["latency_per_round"], config["latency_warmup"]
    try:
        out = {"exact": measure_exact(h, admin, ports, port, rounds, per_round, warmup)}
        patterns = {CACHE_SIZES[0]: ("first", CACHE_SIZES[0]), CACHE_SIZES[-1]: ("more", CACHE_SIZES[-1] - CACHE_SIZES[0])}
        for size in CACHE_SIZES:
            out[str(size)] = measure_semantic(h, admin, ports, port, size, patterns[size], other, paraphrases, rounds, per_round, warmup)
        out["server_stats"] = admin.stats()
    finally:
        admin.close()
        procs.stop(proc)
    out["index_timing"] = index_timing(h, args.bin)
    return out


def measure_exact(h, admin, ports, port, rounds, per_round, warmup):
    """An exact hit on the echo assistant, beside direct and the bare turn."""
    h.log("  cache: exact hit (one warm-up request fills it)")
    raw = chat_raw(h, port, "cached", EXACT_PROMPT)
    conns = {"direct": h.SyncConnection(ports["direct"]), "patchbay": h.SyncConnection(ports["patchbay"]),
             "cache_exact": h.SyncConnection(port)}
    try:
        conns["cache_exact"].roundtrip(raw)
        first = conns["cache_exact"].last_headers.get("x-cache-status")
        if first != "MISS":
            raise RuntimeError(f"cache scenario: the first exact request was {first}, not MISS")
        plain = {t: h.raw_request(f"{h.HOST}:{ports[t]}", *h.request_bytes(t, ports, h.MODEL, False)) for t in ("direct", "patchbay")}
        requests = {"direct": lambda i: plain["direct"], "patchbay": lambda i: plain["patchbay"], "cache_exact": lambda i: raw}
        result, statuses = interleaved(h, conns, requests, rounds, per_round, warmup)
    finally:
        for c in conns.values():
            c.close()
    expect_statuses(statuses, {"cache_exact": "HIT"})
    result["cache_exact"]["statuses"] = statuses["cache_exact"]
    return result


def measure_semantic(h, admin, ports, port, size, pattern, other, paraphrases, rounds, per_round, warmup):
    """Fills the semantic assistant to `size` entries, then times a hit and a miss."""
    name, count = pattern
    seconds = fill(admin, name, count)
    before = admin.stats()
    h.log(f"  cache: {count} prompts warmed in {seconds:.1f} s; the cache holds {before['entries']} entries")
    rng = random.Random(size)
    misses = [f"{MISS_MARK} " + " ".join(rng.choice(other) for _ in range(8)) + f" {i}?"
              for i in range(warmup + rounds * per_round)]
    hit_raws = [chat_raw(h, port, "semantic", p) for p in paraphrases]
    plain = {t: h.raw_request(f"{h.HOST}:{ports[t]}", *h.request_bytes(t, ports, h.MODEL, False)) for t in ("direct", "patchbay")}
    requests = {"direct": lambda i: plain["direct"], "patchbay": lambda i: plain["patchbay"],
                "semantic_hit": lambda i: hit_raws[i % len(hit_raws)],
                "semantic_miss": lambda i: chat_raw(h, port, "semantic", misses[i])}
    cleared = {"requests": 0, "cleared": 0}

    def after(t):
        if t == "semantic_miss":  # the miss's reply was kept: take it out, so the index stays at `size`
            cleared["requests"] += 1
            cleared["cleared"] += admin.call("DELETE", f"/api/v1/cache/clear?pattern={MISS_MARK}")["cleared"]

    conns = {t: h.SyncConnection(ports[t] if t in ("direct", "patchbay") else port) for t in requests}
    try:
        result, statuses = interleaved(h, conns, requests, rounds, per_round, warmup, after)
    finally:
        for c in conns.values():
            c.close()
    expect_statuses(statuses, {"semantic_hit": "HIT", "semantic_miss": "MISS"})
    after_stats = admin.stats()
    if after_stats["entries"] != before["entries"] or cleared["cleared"] != cleared["requests"]:
        raise RuntimeError(f"cache scenario at {size}: entries {before['entries']} -> {after_stats['entries']}, "
                           f"{cleared['cleared']} misses cleared of {cleared['requests']}")
    result["semantic_hit"]["statuses"] = statuses["semantic_hit"]
    result["semantic_miss"]["statuses"] = statuses["semantic_miss"]
    result["evidence"] = {"fill_seconds": seconds, "entries": before["entries"], "semantic_entries": size,
                          "semantic_hits_counted": after_stats["semantic_hits"] - before["semantic_hits"],
                          "misses_cleared": cleared["cleared"]}
    h.log(f"  cache at {size}: {result['evidence']}")
    return result


def index_timing(h, bin_dir):
    """`index-timing --json` on the gateway's CPU: SemanticIndex.nearest alone."""
    exe = bin_dir / "index-timing"
    if not exe.exists():
        raise RuntimeError(f"{exe} is missing: build it with `swift build -c release --product index-timing` (make bench does)")
    h.log("  cache: SemanticIndex.nearest alone (index-timing)")
    out = subprocess.run(["taskset", "-c", h.GATEWAY_CPU, str(exe), "--json"], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


# ---------------------------------------------------------------------------------------------
# Report


def cache_rows(res, text_row):
    """The main table's rows: each cache path's p50/p99 beside its rounds' direct, with the bare
    turn's difference from the same rounds."""
    if "cache" not in res:
        return []
    c = res["cache"]
    parts = [(c["exact"], "cache_exact", "cache: exact hit (echo assistant)")]
    for size in CACHE_SIZES:
        r = c[str(size)]
        parts.append((r, "semantic_hit", f"cache: semantic hit (a paraphrase), {size:,} entries"))
        parts.append((r, "semantic_miss", f"cache: semantic miss (unrelated), {size:,} entries, then the provider"))
    rows = []
    for r, target, what in parts:
        for q in ("p50", "p99"):
            d, bare, v = r["direct"][f"{q}_ms"], r["patchbay"][f"{q}_ms"], r[target][f"{q}_ms"]
            rows.append(text_row(f"c=1 latency {q}, {what} (ms)", f"{d:.3f}", f"{v:.3f}", "—",
                                 f"{v - d:.3f} (bare: {bare - d:.3f} in the same rounds)", "—"))
    return rows


def under_1ms(rows, dimensions):
    """The largest measured entry count whose p99 stays under 1 ms, and the count at which the
    scan's p99 would reach 1 ms at the largest row's p99 per entry (the scan is linear)."""
    mine = sorted((r for r in rows if r["dimensions"] == dimensions), key=lambda r: r["entries"])
    measured = None
    for r in mine:  # every count up to it, not just some
        if r["p99_microseconds"] >= 1000:
            break
        measured = r["entries"]
    largest = mine[-1]
    return measured, int(1000 / (largest["p99_microseconds"] / largest["entries"]))


def timing_largest(rows, dimensions):
    return max(r["entries"] for r in rows if r["dimensions"] == dimensions)


def cache_section(res):
    """The index table and the notes on how the cache rows were measured."""
    if "cache" not in res:
        return ""
    c, cfg = res["cache"], res["config"]
    timing = c["index_timing"]
    lines = ["", "### The semantic index alone: `SemanticIndex.nearest` (bench/IndexTiming, release build, CPU 0)", "",
             "| entries | dimensions | p50 (µs) | p99 (µs) | mean (µs) | vectors (MiB) | calls |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in timing:
        lines.append(f"| {r['entries']:,} | {r['dimensions']} | {r['p50_microseconds']:.1f} | {r['p99_microseconds']:.1f} | "
                     f"{r['mean_microseconds']:.1f} | {r['vector_mebibytes']:.1f} | {r['calls']} |")
    lines.append("")
    for dims in sorted({r["dimensions"] for r in timing}):
        measured, reach = under_1ms(timing, dims)
        upto = f"at every measured count up to {measured:,} entries" if measured else "at none of the measured counts"
        lines.append(f"- {dims} dimensions: `nearest` p99 under 1 ms {upto}; at the {timing_largest(timing, dims):,}-entry row's "
                     f"p99 per entry, it reaches 1 ms at about {reach:,} entries.")
    fills = f"the first {CACHE_SIZES[0]:,} in {c[str(CACHE_SIZES[0])]['evidence']['fill_seconds']:.1f} s, " \
            f"{CACHE_SIZES[-1] - CACHE_SIZES[0]:,} more in {c[str(CACHE_SIZES[-1])]['evidence']['fill_seconds']:.1f} s"
    lines.append(f"""- Cache rows: a Patchbay of its own (same CPU), `POST /api/chat` in the `messages` shape, interleaved
  with direct and the bare Patchbay ({cfg['latency_rounds']} rounds × {cfg['latency_per_round']} after {cfg['latency_warmup']} warm-up
  requests per target). Exact hit: an assistant on the echo provider with `cache: {{scope: global}}`, one
  request filled it; every timed reply said `X-Cache-Status: HIT`. Semantic: an assistant on the bare
  turn's provider (OpenAI plugin → fake upstream) with `semantic: {{embedder: echo, model: echo-embed,
  threshold: {THRESHOLD}}}` and exact on, filled by `POST /api/v1/cache/warm` with {WORDS_PER_PROMPT}-word prompts of
  made-up words ({fills}, two at a time). A hit asks one of {SEMANTIC_HIT_PROMPTS} paraphrases (a cached prompt with
  "please" before it and "?" after): exact miss, echo's embedding through the plugin ABI, the scan, the
  replay. A miss asks a new unrelated question each time: exact miss, embedding, the scan, then the
  provider, and the reply kept; `DELETE /api/v1/cache/clear` takes it out again after each request,
  outside the timing, so every lookup scans exactly the stated number of entries.
- Index alone: random unit vectors (fixed seed), one `nearest` call at a time, at least 20 and at most
  500 calls in about 2 s per row, after 5 warm-up calls; the scan reads every row whatever the query,
  so a hit and a miss cost the same.""")
    return "\n".join(lines) + "\n"

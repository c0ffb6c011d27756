"""Check rounds of many watches through the whole pipeline, against a loopback site of real policies.

A site process (bench/bench_site.py) serves real privacy policies from ../shared rendered with real
chrome (cookie banner, menu, inline script, a footer counter that changes on every request), with
ETags on 90% of its pages. Four rounds run through `monitor.checker.run_checks` on a fresh database:

1. first round: every page fetched, extracted and stored;
2. second round, 90% answer 304 (the other 10% send no validators);
3. second round with no 304 at all (the site ignores If-None-Match): every page extracted again,
   and every alert is a false alert (the policies did not change);
4. a round in which 10% of the pages moved to their next real version (dev-set pairs).

Prints checks/s per round, peak memory of the checking process tree (pool workers included, the site
process excluded), database size per 1,000 versions and diff+classify p50/p95, each beside the
target of issue 9. Asserts nothing.

    python bench/bench_round.py [--watches 1000] [--db sqlite|postgresql://...] [--workers N]
        [--concurrency 32] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

try:
    import psutil
except ImportError:  # the [bench] extra: psutil, markdown-it-py, py-spy
    sys.exit("bench_round needs the bench extra: pip install -e '.[bench]'")
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_site  # noqa: E402

from monitor.checker import run_checks  # noqa: E402
from monitor.config import parse_config  # noqa: E402
from monitor.store import Store, Version, normalize_url  # noqa: E402

TARGETS = {"first": 300.0, "304": 750.0, "no304": 300.0}
DIFF_P95_TARGET_MS = 100.0  # bench/bench_diff.py: a typical policy pair


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def sample_tree(root: int, exclude: set[int], stop: Any, out: Any, every: float = 0.2) -> None:
    """Peak memory of process `root` and its descendants (pool workers) but `exclude`, until `stop`
    is set: the sum of RSS (shared pages counted in every process) and of PSS (shared pages split
    between the processes sharing them). Runs in its own process, so sampling costs the checker
    nothing."""
    me = os.getpid()
    peak_rss = peak_pss = 0
    breakdown = ""
    while True:
        done = stop.wait(every)
        try:
            top = psutil.Process(root)
            procs = [top] + [p for p in top.children(recursive=True) if p.pid not in exclude and p.pid != me]
        except psutil.NoSuchProcess:
            break
        rss = pss = 0
        parts = []
        for p in procs:
            try:
                info = p.memory_full_info()
                cmd = " ".join(p.cmdline())
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
            kind = "main" if p.pid == root else "worker" if "forkserver" in cmd else "other"
            if kind == "worker" and p.ppid() != root:
                kind = "pool worker"
            elif kind == "worker":
                kind = "forkserver"
            elif "resource_tracker" in cmd:
                kind = "resource tracker"
            parts.append(f"{kind} {getattr(info, 'pss', info.rss) / 2**20:.0f}")
        peak_rss = max(peak_rss, rss)
        if pss > peak_pss:
            peak_pss, breakdown = pss, ", ".join(parts)
        if done:
            break
    out.put((peak_rss, peak_pss, breakdown))


def tree_cpu(exclude: set[int]) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by this process and its live descendants (the pool's
    forkserver and workers), but `exclude`: what the checks cost, whatever the machine's load.
    Returns (this process, its descendants)."""
    me = psutil.Process()
    t = me.cpu_times()
    main, rest = t.user + t.system, 0.0
    for p in me.children(recursive=True):
        if p.pid in exclude:
            continue
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        rest += t.user + t.system
    return main, rest


class MemorySampler:
    """`sample_tree` in a process of its own, for the duration of a `with` block."""

    def __init__(self, ctx: Any, exclude: set[int]) -> None:
        self._stop, self._out = ctx.Event(), ctx.Queue()
        self._proc = ctx.Process(target=sample_tree, args=(os.getpid(), exclude, self._stop, self._out), daemon=True)
        self.peak_rss = self.peak_pss = 0
        self.breakdown = ""

    def __enter__(self) -> MemorySampler:
        self._proc.start()
        self.pid = self._proc.pid
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.peak_rss, self.peak_pss, self.breakdown = self._out.get(timeout=60)
        self._proc.join()


class CompareTimes(logging.Handler):
    """Collects `compare_ms` from the checker's log records (diff + classify of one changed page)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.ms: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        ms = getattr(record, "compare_ms", None)
        if ms is not None:
            self.ms.append(float(ms))


def _time_inprocess_compare(times: CompareTimes) -> None:
    """For a checker that compares in its own process without logging the time: wrap `compare`."""
    import monitor.checker as checker

    if not hasattr(checker, "compare"):
        return
    original = checker.compare

    def timed(*args: object, **kwargs: object) -> object:
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            times.ms.append((time.perf_counter() - t) * 1000)

    checker.compare = timed  # type: ignore[assignment]


def fresh_postgres(base_url: str) -> tuple[str, object]:
    url = make_url(normalize_url(base_url))
    name = f"pm_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


def db_size(store: Store) -> int:
    with store.engine.connect() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            path = store.engine.url.database
            return sum(os.path.getsize(p) for p in (path, path + "-wal") if p and os.path.exists(p))
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--watches", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--workers", default=None, help="process pool size (default: the config's default)")
    ap.add_argument("--db", default="sqlite", help="'sqlite' (a temporary file) or a PostgreSQL URL")
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    args = ap.parse_args(argv)
    # A terminated run still stops its site and drops its database (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    ctx = multiprocessing.get_context("spawn")
    ports = ctx.Queue()
    server = ctx.Process(target=bench_site.serve, args=(str(args.shared), args.watches, ports), daemon=True)
    server.start()
    port = ports.get(timeout=60)
    base = f"http://127.0.0.1:{port}"

    def control(query: str) -> None:
        urllib.request.urlopen(f"{base}/_control?{query}", timeout=30).read()

    tmp = tempfile.TemporaryDirectory()
    drop = None
    if args.db == "sqlite":
        db = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    else:
        db, drop = fresh_postgres(args.db)
    fetch: dict[str, object] = {
        "allow_private_addresses": True,
        "concurrency": args.concurrency,
        "per_host": min(args.concurrency, 64),
    }
    if args.workers is not None:
        fetch["workers"] = int(args.workers)
    config = parse_config(
        {
            "database": {"url": db},
            "fetch": fetch,
            "defaults": {"retries": 0, "timeout": 60},
            "watches": [{"name": f"policy {i}", "url": f"{base}/p{i}"} for i in range(args.watches)],
        }
    )
    times = CompareTimes()
    logging.getLogger("monitor").addHandler(times)
    logging.getLogger("monitor").setLevel(logging.DEBUG)
    logging.getLogger("monitor").propagate = False
    _time_inprocess_compare(times)
    store = Store(db)
    rows: list[tuple[str, float, float | None, str]] = []
    try:
        with MemorySampler(ctx, exclude={server.pid or -1}) as mem:

            skip = {server.pid or -1, mem.pid}

            def timed_round(label: str, key: str | None, alerts_expected: set[str]) -> None:
                cpu0 = tree_cpu(skip)
                start = time.perf_counter()
                results = asyncio.run(run_checks(store, config))
                elapsed = time.perf_counter() - start
                cpu1 = tree_cpu(skip)
                main_cpu, pool_cpu = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
                cpu = main_cpu + pool_cpu
                outcomes: dict[str, int] = {}
                false_alerts = 0
                for r in results:
                    outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
                    if r.outcome == "changed" and r.watch not in alerts_expected:
                        false_alerts += 1
                rate = len(results) / elapsed
                per_cpu = len(results) / max(cpu, 1e-9)
                note = (
                    f"{elapsed:.1f} s wall; CPU {main_cpu:.2f} s main + {pool_cpu:.1f} s pool = "
                    f"{per_cpu:.0f} checks per CPU-s; "
                    f"false alerts {false_alerts}, {dict(sorted(outcomes.items()))}"
                )
                rows.append((label, rate, TARGETS.get(key or ""), note))
                print(f"  {label}: {rate:.1f} checks/s  ({note})", flush=True)
                why: dict[str, int] = {}
                for r in results:
                    if r.outcome in ("error", "suspect"):
                        k = f"{r.outcome}: {(r.detail or '')[:70]}"
                        why[k] = why.get(k, 0) + 1
                for k, n in sorted(why.items(), key=lambda kv: -kv[1])[:5]:
                    print(f"      {n} x {k}", flush=True)

            print(
                f"{args.watches} watches, {store.engine.dialect.name}, fetch concurrency {args.concurrency}, "
                f"python {sys.version.split()[0]}, load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
            control("etag=1&switch=0")
            timed_round("first round (all new)", "first", set())
            timed_round("second round, 90% answer 304", "304", set())
            control("etag=0")
            timed_round("second round, no 304 at all", "no304", set())
            control("etag=1&switch=1")
            switched = {f"policy {i}" for i in range(0, args.watches, 10)}
            timed_round("round with 10% changed", None, switched)
        with store.session() as s:
            versions = s.scalar(select(func.count(Version.id))) or 0
        size = db_size(store)
    finally:
        store.close()
        server.terminate()
        if drop:
            drop()  # type: ignore[operator]
        tmp.cleanup()

    rss_target = 120 if args.watches <= 1000 else 300
    p50, p95 = percentile(times.ms, 50), percentile(times.ms, 95)
    print()
    print(f"| measure ({args.watches} watches, {make_url(db).get_backend_name()}) | result | target |")
    print("|---|---|---|")
    for label, rate, target, note in rows:
        goal = f">= {target:.0f} checks/s" if target else "-"
        print(f"| {label} | {rate:.1f} checks/s ({note}) | {goal} |")
    print(
        f"| peak memory, PSS of process tree | {mem.peak_pss / 2**20:.0f} MB ({mem.breakdown}) | <= {rss_target} MB |"
    )
    print(f"| peak memory, RSS sum of process tree | {mem.peak_rss / 2**20:.0f} MB | <= {rss_target} MB |")
    per_k = size / max(versions, 1) * 1000 / 2**20
    print(f"| database size per 1,000 versions | {per_k:.1f} MB ({versions} versions, {size / 2**20:.1f} MB) | - |")
    print(
        f"| diff+classify p50 / p95 ({len(times.ms)} changed pages) | {p50:.0f} / {p95:.0f} ms "
        f"| p95 <= {DIFF_P95_TARGET_MS:.0f} ms |"
    )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

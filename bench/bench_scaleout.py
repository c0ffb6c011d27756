"""Scale-out: checks per second of 1 and of 2 `policy-monitor run` workers on one PostgreSQL database.

Serves N small, distinct policies on 127.0.0.1, then for each worker count: creates a fresh database
(schema and watch list prepared before timing), starts the workers at the same instant, waits until
every watch has been checked once, and stops them. Throughput is N divided by the time from the
first check's start to the last check's end (database timestamps), so worker start-up is not
counted. Prints checks/s for each run and the ratio of 2 workers to 1 beside the target (>= 1.6),
with the CPU time the workers used and the load average (on a shared machine the figures move with
what else runs). Each worker runs in its own session, as separate systemd services would.

    python bench/bench_scaleout.py [--watches 10000] [--concurrency 8]
        [--postgres postgresql://postgres@127.0.0.1:5432/test]   (default: $MONITOR_TEST_POSTGRES_URL)
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from monitor.checker import sync_watches
from monitor.config import load_config
from monitor.store import Check, Store, normalize_url

TARGET = 1.6
_AT_INSTANT = (
    "import sys, time; from monitor.cli import main; import monitor.checker, monitor.scheduler; "
    "time.sleep(max(0.0, float(sys.argv[1]) - time.time())); sys.exit(main(sys.argv[2:]))"
)
SECTIONS = ["What we collect", "How we use it", "Sharing", "Retention", "Your rights"]


def page(i: int) -> bytes:
    """A small privacy policy (about 1.5 kB), different for every i."""
    parts = [f"<html><head><title>Privacy policy {i}</title></head><body><main><h1>Privacy policy of shop {i}</h1>"]
    for n, title in enumerate(SECTIONS):
        parts.append(
            f"<h2>{title}</h2><p>Shop {i} processes account and order data for section {n} purposes. "
            f"We keep records for {12 + n} months and share them only with payment and delivery "
            f"providers bound by contract. Contact privacy{i}@example.com about this section.</p>"
        )
    parts.append("</main></body></html>")
    return "".join(parts).encode()


class Site:
    def __init__(self, count: int) -> None:
        pages = {f"/p{i}": page(i) for i in range(count)}

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                body = pages.get(self.path, b"")
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 256
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


def write_config(path: Path, db: str, site: Site, count: int, concurrency: int) -> Path:
    lines = [
        f'[database]\nurl = "{db}"\n',
        f"[fetch]\nallow_private_addresses = true\nconcurrency = {concurrency}\nper_host = {concurrency}\n",
        '[defaults]\ninterval = "1d"\njitter = 0\nretries = 0\ntimeout = 60\nconditional = false\n',
        '[log]\nlevel = "warning"\nformat = "json"\n',
    ]
    lines += [f'[[watches]]\nname = "shop {i:05d}"\nurl = "{site.url(f"/p{i}")}"\n' for i in range(count)]
    path.write_text("".join(lines), "utf-8")
    return path


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(base_url: str, site: Site, count: int, workers: int, concurrency: int, tmp: Path) -> float:
    """Checks per second of `workers` processes on a fresh database; prints a line."""
    url = make_url(normalize_url(base_url))
    name = f"pm_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = url.set(database=name).render_as_string(hide_password=False)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        cfg = write_config(tmp / f"config-{workers}.toml", db, site, count, concurrency)
        store = Store(db)
        sync_watches(store, load_config(cfg))
        at = time.time() + 5
        for w in range(workers):
            log = (tmp / f"worker-{workers}-{w}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-c", _AT_INSTANT, repr(at), "--config", str(cfg), "run"],
                    stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    # Each worker in its own session, as separate services or hosts run: with Linux's
                    # autogroup scheduling, processes of one session share one CPU share, so two
                    # workers started from one shell would split one worker's share between them.
                    start_new_session=True,
                )  # fmt: skip
            )
        done = 0
        while done < count:
            time.sleep(1.0)
            if any(p.poll() is not None for p in procs):
                raise SystemExit(f"a worker exited early; see {tmp}")
            with store.session() as s:
                done = s.scalar(select(func.count()).select_from(Check)) or 0
        with store.session() as s:
            first, last = s.execute(select(func.min(Check.started_at), func.max(Check.finished_at))).one()
            outcomes = dict(s.execute(select(Check.outcome, func.count()).group_by(Check.outcome)).all())
            twice = s.scalar(
                select(func.count()).select_from(
                    select(Check.watch_id).group_by(Check.watch_id).having(func.count() > 1).subquery()
                )
            )
        store.close()
        cpu = [_cpu_seconds(p.pid) for p in procs]
        elapsed = (last - first).total_seconds()
        rate = count / elapsed
        print(
            f"{workers} worker(s): {count} checks in {elapsed:7.1f} s = {rate:7.1f} checks/s  "
            f"(worker CPU {' + '.join(f'{c:.0f}' for c in cpu)} s = {1000 * sum(cpu) / count:.1f} ms/check; "
            f"load average {os.getloadavg()[0]:.1f})  outcomes {dict(sorted(outcomes.items()))}, "
            f"watches checked twice: {twice}",
            flush=True,
        )
        return rate
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--watches", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=8, help="[fetch] concurrency of each worker")
    ap.add_argument("--postgres", default=os.environ.get("MONITOR_TEST_POSTGRES_URL"))
    args = ap.parse_args(argv)
    if not args.postgres:
        ap.error("no PostgreSQL server: pass --postgres URL or set MONITOR_TEST_POSTGRES_URL")
    load = os.getloadavg()
    print(
        f"{args.watches} watches on loopback, PostgreSQL, fetch concurrency {args.concurrency} per worker, "
        f"{os.cpu_count()} cores, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}",
        flush=True,
    )
    site = Site(args.watches)
    with tempfile.TemporaryDirectory() as tmp:
        one = one_run(args.postgres, site, args.watches, 1, args.concurrency, Path(tmp))
        two = one_run(args.postgres, site, args.watches, 2, args.concurrency, Path(tmp))
    ratio = two / one
    verdict = "meets" if ratio >= TARGET else "misses"
    print(f"2 workers / 1 worker = {ratio:.2f}x (target >= {TARGET}x: {verdict} it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Rounds through the process pool (monitor.cpu) and the batched unchanged checks
(monitor.checkbatch): the same outcomes and the same rows as checks run one by one in-process, on a
real SQLite file and the real PostgreSQL server."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from httpserver import LocalHTTPServer, RequestRecord, Response
from policies import SECTIONS, edited, policy_html
from sqlalchemy import func, select

from monitor import chrome_evidence, cpu
from monitor.checkbatch import CheckBatch, UnchangedCheck
from monitor.checker import CheckResult, cpu_pool, run_checks
from monitor.chrome import shape
from monitor.config import Config, parse_config
from monitor.cpu import compare_job, extract_job
from monitor.diff import compare
from monitor.extract import extract
from monitor.facts import extract_facts
from monitor.guard import assess
from monitor.store import Check, Event, Store, Version, Watch, utcnow
from monitor.tokens import tokenize_block, word_key

NAMES = ["Alder", "Birch", "Cedar", "Damson"]


def config_for(server: LocalHTTPServer, db_url: str, workers: int) -> Config:
    return parse_config(
        {
            "database": {"url": db_url},
            "fetch": {"allow_private_addresses": True, "workers": workers},
            "defaults": {"retries": 0, "timeout": 20, "jitter": 0},
            "watches": [{"name": n, "url": server.url(f"/{n}")} for n in NAMES],
        }
    )


def site(server: LocalHTTPServer, pages: dict[str, str], *, etags: bool) -> None:
    """Each page with a counter in its footer (new on every request) and, with `etags`, an ETag
    naming the page's version that is answered with 304."""
    hits = {"n": 0}

    def handler(name: str) -> Any:
        def answer(req: RequestRecord) -> Response:
            tag = f'"{abs(hash(pages[name])) % 10**12}"'
            if etags and req.headers.get("if-none-match") == tag:
                return Response(304, b"", {"ETag": tag})
            hits["n"] += 1
            body = pages[name].replace("</footer>", f" Viewed {hits['n']} times.</footer>")
            headers = {"Content-Type": "text/html; charset=utf-8"}
            if etags:
                headers["ETag"] = tag
            return Response(200, body, headers)

        return answer

    for name in NAMES:
        server.route(f"/{name}", handler(name))


def outcomes(store: Store, config: Config) -> dict[str, CheckResult]:
    return {r.watch: r for r in asyncio.run(run_checks(store, config))}


def rows(store: Store) -> dict[str, Any]:
    with store.session() as s:
        watches = {w.name: w for w in s.scalars(select(Watch))}
        return {
            "checks": sorted(
                (w.name, c.outcome, c.not_modified, c.http_status)
                for w in watches.values()
                for c in s.scalars(select(Check).where(Check.watch_id == w.id))
            ),
            "versions": s.scalar(select(func.count()).select_from(Version)),
            "events": s.scalar(select(func.count()).select_from(Event)),
            "leases": sorted((w.name, w.lease_until) for w in watches.values() if w.lease_until is not None),
            "etags": sorted((w.name, w.etag is not None) for w in watches.values()),
            "due": all(w.next_due_at is not None and w.next_due_at > w.last_checked_at for w in watches.values()),
        }


@pytest.mark.parametrize("workers", [0, 2])
def test_rounds_in_the_pool_match_rounds_in_process(
    http_server: LocalHTTPServer, db_url: str, workers: int
) -> None:
    store = Store(db_url)
    config = config_for(http_server, db_url, workers)
    assert cpu_pool(config).workers == workers
    pages = {n: policy_html().replace("Brindlewick", n) for n in NAMES}
    try:
        site(http_server, pages, etags=True)
        first = outcomes(store, config)
        assert {n: r.outcome for n, r in first.items()} == dict.fromkeys(NAMES, "first"), first
        # ETags: every check is a 304, written in one batch.
        second = outcomes(store, config)
        assert {n: (r.outcome, r.http_status, r.version) for n, r in second.items()} == dict.fromkeys(
            NAMES, ("unchanged", 304, 1)
        )
        # No validators honoured, a counter in every page: each page is extracted again, and is the
        # current version (no alert).
        site(http_server, pages, etags=False)
        third = outcomes(store, config)
        assert {n: (r.outcome, r.http_status) for n, r in third.items()} == dict.fromkeys(NAMES, ("unchanged", 200))
        # One policy changes in substance: a version and an event for it alone.
        pages["Birch"] = pages["Birch"].replace("24 months", "9 years")
        assert "9 years" in pages["Birch"]
        fourth = outcomes(store, config)
        assert fourth["Birch"].outcome == "changed" and fourth["Birch"].substantive
        assert "retention" in fourth["Birch"].categories
        assert {n: r.outcome for n, r in fourth.items() if n != "Birch"} == dict.fromkeys(
            ["Alder", "Cedar", "Damson"], "unchanged"
        )
        got = rows(store)
        assert got["versions"] == 5 and got["events"] == 1
        assert got["leases"] == []  # every lease released, batched checks included
        assert got["due"]
        assert got["etags"] == [(n, False) for n in NAMES]  # the last full answers carried no ETag
        per_watch = {n: [c for c in got["checks"] if c[0] == n] for n in NAMES}
        assert per_watch["Alder"] == sorted(
            [("Alder", "first", False, 200), ("Alder", "unchanged", True, 304)]
            + [("Alder", "unchanged", False, 200)] * 2
        )
        assert sorted(c[1] for c in per_watch["Birch"]) == ["changed", "first", "unchanged", "unchanged"]
    finally:
        store.close()


class _Stored:
    def __init__(self, doc: Any) -> None:
        self.doc = doc

    def document(self) -> Any:
        return self.doc


def test_the_jobs_are_pure_and_agree_with_the_in_process_calls() -> None:
    old_html, new_html = policy_html(), policy_html(
        edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "9 years")})
    )
    old, new = extract(old_html, "text/html"), extract(new_html, "text/html")
    got = extract_job(new_html, "text/html", None, None, new_html.encode())
    assert got.doc == new and got.content_hash == new.content_hash() and got.error is None
    assert got.markdown_z and got.raw_z
    assert got.raw_sha == hashlib.sha256(new_html.encode()).hexdigest()
    # The current version again: only its hash comes back.
    same = extract_job(old_html, "text/html", None, None, old_html.encode(), old.content_hash())
    assert same.doc is None and same.content_hash == old.content_hash()
    report, ms = compare_job(old.to_markdown(), None, new, [], [old.to_markdown()])
    assert ms >= 0
    assert report.to_dict() == compare(old, new).to_dict()
    # The chrome evidence from markdown is the store's, computed the same way.
    assert cpu.FLAP_MIN == chrome_evidence.FLAP_MIN
    recent = [old, new, old, new]
    assert cpu.flapping_blocks([d.to_markdown() for d in recent], old) == chrome_evidence.flapping_blocks(
        [_Stored(d) for d in recent], old
    )
    assert cpu._sibling_keys(old.to_markdown()) == chrome_evidence._block_keys(old)
    bad = extract_job(b"%PDF-1.4 not really", "application/pdf", None, None)
    assert bad.doc is None and bad.error


def test_a_first_version_the_guard_passes_comes_back_as_its_summary_only() -> None:
    html = policy_html()
    doc = extract(html, "text/html")
    whole = extract_job(html, "text/html", None, None, html.encode(), None, True)
    summary = extract_job(html, "text/html", None, None, html.encode(), None, True, True)
    assert whole.doc == doc and not whole.summary_only and whole.alone is None
    assert summary.doc is None and summary.summary_only and summary.assessed and summary.alone is None
    assert (summary.word_count, summary.language) == (doc.word_count, doc.language) != (None, None)
    assert (summary.content_hash, summary.markdown_z, summary.raw_sha) == (
        whole.content_hash, whole.markdown_z, whole.raw_sha
    )
    # A page the guard objects to on its own comes back whole: the checker must judge it.
    blocked = "<html><body><h1>Access denied</h1><p>Please verify you are a human.</p></body></html>"
    objected = extract_job(blocked, "text/html", None, None, blocked.encode(), None, True, True)
    assert objected.alone is not None and objected.doc is not None and not objected.summary_only


def test_a_comparison_leaves_no_per_text_cache_behind_and_warm_caches_change_nothing() -> None:
    from monitor import chrome, sections

    old_html = policy_html()
    new_html = policy_html(edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "9 years")}))
    old, new = extract(old_html, "text/html"), extract(new_html, "text/html")
    compare_job(old.to_markdown(), None, new, [old.to_markdown()], [old.to_markdown()])
    caches = (chrome.shape, chrome.skeleton, chrome._visible, sections._heading_key, tokenize_block, word_key)
    assert all(c.cache_info().currsize == 0 for c in caches)  # workers are long-lived: memory
    # In process, with every per-text cache filled by the same comparison just before.
    context = chrome.ChromeContext(cpu._sibling_keys(old.to_markdown()))
    first = compare(old, new, context)
    assert all(c.cache_info().currsize > 0 for c in caches)
    assert compare(old, new, context).to_dict() == first.to_dict()
    cpu.forget_texts()
    assert all(c.cache_info().currsize == 0 for c in caches)


def test_the_checking_process_does_not_import_what_only_its_workers_use() -> None:
    """A checker with a pool never parses HTML or decodes a body, and never loads a second HTTP
    client or a command-line toolkit: lxml, ftfy, charset_normalizer, httpx and rich (~10 MB of the
    checking process) are not imported with it; reading a page in-process imports what it needs."""
    code = (
        "import sys\n"
        "import monitor.checker\n"
        "heavy = ('lxml', 'ftfy', 'charset_normalizer', 'httpx', 'httpcore', 'rich', 'pygments', 'click')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "from monitor.charset import decode_text\n"
        "from monitor.extract import extract\n"
        "extract(decode_text('<p>caf\\u00e9</p>'.encode(), None, 'text/html').text, 'text/html')\n"
        "print(sorted(m for m in heavy[:2] if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "['ftfy', 'lxml']"], out


MAIN_SCRIPT = """
import os
with open(os.environ["IMPORTS_LOG"], "a") as log:
    log.write(f"{os.getpid()}\\n")
if __name__ == "__main__":
    from monitor.cpu import CpuPool
    pool = CpuPool(2)
    workers = {pool.executor.submit(os.getpid).result() for _ in range(8)}
    print(" ".join(map(str, sorted(workers))))
"""


def test_the_main_script_is_imported_by_the_forkserver_not_by_each_worker(tmp_path: Path) -> None:
    """The pool's forkserver imports the main script once (CPython's own "__main__" preload does
    not before 3.13.8), so workers share it instead of each running its imports again."""
    script, log = tmp_path / "owner.py", tmp_path / "imports.log"
    script.write_text(MAIN_SCRIPT)
    env = {**os.environ, "IMPORTS_LOG": str(log)}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, env=env)
    workers = set(map(int, out.stdout.split()))
    importers = [int(line) for line in log.read_text().split()]
    assert workers and not workers & set(importers), (workers, importers)
    assert len(importers) == 2, importers  # this process and the forkserver


def test_a_comparison_leaves_no_text_cached_but_its_siblings_keys() -> None:
    """A worker compares a different page every time: the diff engine's per-text caches are
    emptied after each comparison (they held ~0.5 MB per comparison), the siblings' keys (the same
    few pages on every change of a host) are kept; the report is the same either way."""
    old_html, new_html = policy_html(), policy_html(
        edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "9 years")})
    )
    old, new = extract(old_html, "text/html"), extract(new_html, "text/html")
    sibling = extract(policy_html().replace("Brindlewick", "Alder"), "text/html").to_markdown()
    cpu._sibling_keys.cache_clear()
    report, _ = compare_job(old.to_markdown(), None, new, [sibling], [])
    caches = [tokenize_block, word_key, shape, extract_facts]
    assert [c.cache_info().currsize for c in caches] == [0] * len(caches)
    assert cpu._sibling_keys.cache_info().currsize == 1
    again, _ = compare_job(old.to_markdown(), None, new, [sibling], [])
    assert again.to_dict() == report.to_dict()
    assert "retention" in report.categories


def test_a_first_version_is_assessed_in_the_worker_as_the_checker_would() -> None:
    """For a watch without a current version the extract job also gives the guard's verdict on
    the page alone (the checker used to compute it in its own process): the same verdict."""
    policy, wall = policy_html(), "<html><body><h1>Sign in</h1><p>Please log in to continue.</p></body></html>"
    for html in (policy, wall):
        got = extract_job(html, "text/html", None, None, None, None, True)
        assert got.doc is not None and got.assessed
        assert got.alone == assess(got.doc)
    assert extract_job(wall, "text/html", None, None, None, None, True).alone is not None
    plain = extract_job(policy, "text/html", None, None)
    assert not plain.assessed and plain.alone is None


def test_siblings_and_recent_versions_may_come_compressed_as_stored() -> None:
    """The checker sends the siblings' and recent versions' `markdown_z` as stored, for the worker
    to decompress: the chrome evidence and the report are those of the same markdown as text."""
    old_html, new_html = policy_html(), policy_html(
        edited(**{"Retention": SECTIONS["Retention"].replace("24 months", "9 years")})
    )
    old, new = extract(old_html, "text/html"), extract(new_html, "text/html")
    sibling = extract(policy_html().replace("Brindlewick", "Alder"), "text/html").to_markdown()
    recent = [old.to_markdown(), new.to_markdown(), old.to_markdown(), new.to_markdown()]
    packed = [Version.pack(m) for m in recent]
    assert cpu._sibling_keys(Version.pack(sibling)) == cpu._sibling_keys(sibling)
    assert cpu.flapping_blocks(packed, old) == cpu.flapping_blocks(recent, old)
    as_text, _ = compare_job(old.to_markdown(), None, new, [sibling], recent)
    as_stored, _ = compare_job(old.to_markdown(), None, new, [Version.pack(sibling)], packed)
    assert as_stored.to_dict() == as_text.to_dict()


def test_a_batch_that_cannot_be_written_keeps_its_rows(tmp_path: Any) -> None:
    store = Store(f"sqlite:///{tmp_path}/m.db")
    batch = CheckBatch(store, max_rows=2, max_age=3600)
    now = utcnow()
    row = UnchangedCheck(12345, 678, now, now, 1, 304, True, now)  # no such watch or version
    assert batch.add(row) is False
    with pytest.raises(Exception):  # noqa: B017 - any database error
        batch.flush()
    assert len(batch) == 1
    store.close()


def test_a_row_the_database_refuses_does_not_hold_back_the_others(http_server: LocalHTTPServer, tmp_path: Any) -> None:
    """With `on_failed` (the daemon's batch), a failed flush writes its rows one at a time: the row
    of the watch whose writes fail goes to `on_failed` and leaves the batch, the others are
    written, and `on_written` names them."""
    url = f"sqlite:///{tmp_path}/m.db"
    config = config_for(http_server, url, 0)
    site(http_server, {n: policy_html() for n in NAMES}, etags=False)
    store = Store(url)
    outcomes(store, config)  # first versions
    with store.session() as s:
        ids = {w.name: (w.id, w.current_version_id) for w in s.scalars(select(Watch))}
    with store.engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON checks WHEN NEW.watch_id = "
            f"{ids['Birch'][0]} BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    failed: list[tuple[int, str]] = []
    written: list[int] = []
    batch = CheckBatch(
        store, max_age=3600, on_failed=lambda row, exc: failed.append((row.watch_id, str(exc))), on_written=written.extend
    )
    now = utcnow()
    for name in NAMES:
        batch.add(UnchangedCheck(ids[name][0], ids[name][1], now, now, 1, 304, True, now))
    assert batch.waiting() == {wid for wid, _ in ids.values()}
    assert batch.flush() == len(NAMES) - 1
    assert [wid for wid, _ in failed] == [ids["Birch"][0]] and "refused" in failed[0][1]
    assert sorted(written) == sorted(ids[n][0] for n in NAMES if n != "Birch")
    assert len(batch) == 0 and batch.waiting() == set()
    with store.session() as s:
        unchanged = set(s.scalars(select(Check.watch_id).where(Check.outcome == "unchanged")))
    assert unchanged == {ids[n][0] for n in NAMES if n != "Birch"}
    store.close()


SCANS_SCRIPT = """
from monitor import charset

def compiled():
    return charset._seeds.cache_info().currsize, charset._trigger_char.cache_info().currsize

if __name__ == "__main__":
    from monitor.cpu import CpuPool
    print(CpuPool(2).executor.submit(compiled).result())
"""


def test_workers_start_with_the_mojibake_scans_compiled(tmp_path: Path) -> None:
    """Reading ftfy's pattern and compiling the scans made from it takes ~15 ms: the forkserver
    does it once, and every worker it forks starts with them (not each on its first page)."""
    script = tmp_path / "owner.py"
    script.write_text(SCANS_SCRIPT)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1, 1)", out

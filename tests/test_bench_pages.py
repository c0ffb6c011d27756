"""bench/bench_jobs.py and bench/compare_extraction.py take the bench site's distinct pages from one
helper, bench_site.distinct_pages, and both scripts still run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
import bench_jobs  # noqa: E402
import bench_site  # noqa: E402
import compare_extraction  # noqa: E402


def test_both_scripts_take_their_pages_from_the_shared_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    fixed = [(False, 1, b"<p>first \xc3\xa9</p>"), (False, 2, b"<p>second</p>"), (True, 30, b"<p>third</p>")]
    asked: list[Path] = []

    def fake(shared: Path) -> list[tuple[bool, int, bytes]]:
        asked.append(shared)
        return fixed

    monkeypatch.setattr(bench_site, "distinct_pages", fake)
    assert bench_jobs.pages(Path("/nowhere"), 2) == [b"<p>first \xc3\xa9</p>", b"<p>second</p>"]
    assert compare_extraction._bench_pages(Path("/nowhere")) == [
        ("bench/old/1", ("<p>first é</p>", None, None)),
        ("bench/old/2", ("<p>second</p>", None, None)),
        ("bench/new/30", ("<p>third</p>", None, None)),
    ]
    assert asked == [Path("/nowhere")] * 2


def test_the_shared_pages_are_distinct_whole_pages_of_both_sides(shared_dir: Path) -> None:
    pages = bench_site.distinct_pages(shared_dir)
    bodies = [body for _, _, body in pages]
    assert len(bodies) == len(set(bodies)) > 100
    assert {switched for switched, _, _ in pages} == {False, True}
    assert all(i % 10 == 0 for switched, i, _ in pages if switched)  # the pairs' new side only
    assert all(b.startswith(b"<!doctype html>") and b.endswith(b"</html>") for b in bodies)


@pytest.mark.parametrize("script", ["bench_jobs.py", "compare_extraction.py"])
def test_the_scripts_still_run(script: str) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / script), "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: ") and "--shared" in proc.stdout

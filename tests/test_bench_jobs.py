"""bench/bench_jobs.py runs every stage of the worker jobs on the bench site's pages and prints them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_jobs  # noqa: E402


def test_prints_every_stage_per_page(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_jobs.main(["--pages", "3", "--repeat", "1", "--shared", str(shared_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 pages x 1")
    for stage in bench_jobs.STAGES:
        assert f"{stage} " in out, stage
    assert "unchanged page" in out and "first version" in out


def test_pages_are_the_sites_distinct_pages(shared_dir: Path) -> None:
    bodies = bench_jobs.pages(shared_dir, 10_000)
    assert len(bodies) == len(set(bodies)) > 100
    assert all(b.startswith(b"<!doctype html>") and b.endswith(b"</html>") for b in bodies)

"""`check --json` cut short by Ctrl-C prints the same shape as a whole round: a list with one
element per watch asked for, those not finished with the outcome "interrupted"."""

from __future__ import annotations

import argparse
import json

import pytest

from monitor.checkresult import CheckResult
from monitor.cli_check import _print_interrupted
from monitor.config import parse_config

NAMES = ["Alderbrook", "Birchfield", "Cobblemere", "Dunmoor"]


def _config():
    return parse_config({"watches": [{"name": n, "url": f"https://{n.lower()}.example/privacy"} for n in NAMES]})


def test_an_interrupted_json_round_is_a_list_of_every_watch_like_a_whole_round(
    capsys: pytest.CaptureFixture[str],
) -> None:
    finished = [
        CheckResult("Cobblemere", "unchanged", version=2, duration_ms=40),
        CheckResult("Alderbrook", "changed", version=3, event_id=7, substantive=True, categories=["retention"],
                    severity="high", summary="Retention: 1 year -> 5 years", duration_ms=55),
    ]  # fmt: skip
    # Birchfield's check row was written, but its result came after Ctrl-C; Dunmoor never ran.
    _print_interrupted(argparse.Namespace(json=True), _config(), finished, NAMES, {"Alderbrook", "Birchfield", "Cobblemere"})
    out, err = capsys.readouterr()
    printed = json.loads(out)
    assert isinstance(printed, list)
    assert [(r["watch"], r["outcome"]) for r in printed] == [
        ("Alderbrook", "changed"), ("Cobblemere", "unchanged"), ("Birchfield", "interrupted"), ("Dunmoor", "interrupted")
    ]  # fmt: skip
    assert printed[0] == finished[1].to_dict() and printed[1] == finished[0].to_dict()
    assert printed[2] == {
        "watch": "Birchfield",
        "outcome": "interrupted",
        "detail": "checked, but the result came after the interrupt: see `policy-monitor history Birchfield`",
        "duration_ms": 0,
    }
    assert printed[3] == {
        "watch": "Dunmoor", "outcome": "interrupted", "detail": "not checked: the round was interrupted", "duration_ms": 0
    }  # fmt: skip
    # Every element has the keys every element of a whole round has.
    assert all({"watch", "outcome", "duration_ms"} <= r.keys() for r in printed)
    assert err == "policy-monitor: interrupted after 3 of 4 checks (those are stored; the other 1 was not checked)\n"


def test_an_interrupted_text_round_prints_the_finished_results_only(capsys: pytest.CaptureFixture[str]) -> None:
    finished = [CheckResult("Birchfield", "unchanged", version=1)]
    _print_interrupted(argparse.Namespace(json=False), _config(), finished, ["Birchfield", "Dunmoor"], {"Birchfield"})
    out, err = capsys.readouterr()
    assert out == "Birchfield: unchanged\n"
    assert "interrupted after 1 of 2 checks" in err


@pytest.mark.parametrize(
    ("finished", "asked", "said"),
    [
        (["Alderbrook"], NAMES, "interrupted after 1 of 4 checks (those are stored; the other 3 were not checked)"),
        (NAMES[:3], NAMES, "interrupted after 3 of 4 checks (those are stored; the other 1 was not checked)"),
        ([], ["Dunmoor"], "interrupted after 0 of 1 check (none was checked)"),
        (NAMES[:2], NAMES[:2], "interrupted after 2 of 2 checks (those are stored)"),
    ],
)
def test_the_interrupted_line_agrees_in_number(
    capsys: pytest.CaptureFixture[str], finished: list[str], asked: list[str], said: str
) -> None:
    results = [CheckResult(n, "unchanged", version=1) for n in finished]
    _print_interrupted(argparse.Namespace(json=False), _config(), results, asked, set(finished))
    assert capsys.readouterr().err == f"policy-monitor: {said}\n"


def test_sigterm_cancels_the_round_inside_it_and_raises_terminated_outside_it() -> None:
    import asyncio
    import signal

    from monitor.interrupted import StopOnTerm, Terminated

    async def waits() -> None:
        signal.raise_signal(signal.SIGTERM)
        await asyncio.sleep(30)

    before = signal.getsignal(signal.SIGTERM)
    with StopOnTerm() as stop, pytest.raises(asyncio.CancelledError):
        asyncio.run(stop.round(waits()))
    assert stop.signum == signal.SIGTERM
    with StopOnTerm() as stop, pytest.raises(Terminated):
        signal.raise_signal(signal.SIGTERM)
    assert isinstance(Terminated(), KeyboardInterrupt)  # every Ctrl-C path handles it too
    assert signal.getsignal(signal.SIGTERM) == before

"""bench/eval_devset.py scores what the service reports (no dev set needed: fictional verdicts)."""

import importlib.util
import sys
from pathlib import Path

import pytest

from monitor.category_decision import FEATURES, Decision
from monitor.changes import DiffReport
from monitor.edit import Verdict

BENCH = Path(__file__).resolve().parents[1] / "bench" / "eval_devset.py"


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("eval_devset_harness", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def _pair(harness, verdicts: list[Verdict]):
    report = DiffReport(True, sorted({c for v in verdicts for c in v.categories}), "medium", False)
    pair = harness.Pair("X1", "Brindlecove", True, {"transfer", "sharing"}, report, verdicts, "en")
    pair.probs = [{c: 0.9 for c in v.candidates} for v in verdicts]
    return pair


def test_a_named_category_outside_the_candidates_is_scored(harness):
    """A company named in a new transfer clause: the rules' candidates say transfer, the verdict
    names sharing too (monitor.classify._recipient_is_sharing) and the service reports both."""
    transfer_clause = Verdict(
        True, ("transfer", "sharing"), "high", "new recipient: Quorvex Arbitration LLC",
        candidates=("transfer",), certain=("transfer",), named=("sharing", "transfer"),
        clause="Brindlecove and Quorvex Arbitration LLC follow the Data Privacy Framework.",
    )
    pair = _pair(harness, [transfer_clause])
    keep_all = Decision(tuple(0.0 for _ in FEATURES), 10.0, 0.5)
    assert pair.decided(keep_all, None) == {"transfer", "sharing"}
    # The per-change veto (text in another language than the decision's) keeps it as well.
    pair.language = "de"
    assert pair.decided(keep_all, {"transfer": 0.99}) == {"transfer", "sharing"}

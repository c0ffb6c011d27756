"""The report-level category decision: its features, its file, and how compare applies it."""

import json
import math
from dataclasses import dataclass

import pytest

from monitor.category_decision import (
    FEATURES,
    Decision,
    DecisionError,
    Narrow,
    default_decision,
    features,
)
from monitor.classify import Edit, classify_edit
from monitor.diff import compare
from monitor.document import DocumentBuilder
from monitor.normalize import Word, token_key
from monitor.veto import Veto


@dataclass
class Change:
    candidates: tuple[str, ...]
    certain: tuple[str, ...] = ()
    topical: tuple[str, ...] = ()


def test_features_per_candidate_category():
    changes = [Change(("retention", "security")), Change(("retention",), ("retention",)), Change(("use",))]
    probs = [{"retention": 0.9, "security": 0.2}, {"retention": 0.5}, {"use": 0.1}]
    f = features(changes, probs)
    assert set(f) == {"retention", "security", "use"}
    assert all(len(row) == len(FEATURES) for row in f.values())
    retention = dict(zip(FEATURES, f["retention"], strict=True))
    assert retention["max_probability"] == 0.9
    assert retention["mean_probability"] == pytest.approx(0.7)
    assert retention["log_changes_naming"] == pytest.approx(math.log1p(2))
    assert retention["share_of_changes"] == pytest.approx(2 / 3)
    assert retention["named_by_changed_words"] == 1.0
    assert dict(zip(FEATURES, f["security"], strict=True))["named_by_changed_words"] == 0.0
    # The second change names retention alone; the model prefers retention in both clauses.
    assert retention["log_changes_sole"] == pytest.approx(math.log1p(1))
    assert retention["top_ranked_share"] == 1.0
    security = dict(zip(FEATURES, f["security"], strict=True))
    assert security["log_changes_sole"] == 0.0 and security["top_ranked_share"] == 0.0
    # Without sentence probabilities each clause counts as one sentence; with them, their maximum.
    assert retention["max_sentence_probability"] == 0.9
    by_sentence = features(changes, probs, [{"retention": 0.95, "security": 0.7}, {"retention": 0.5}, {"use": 0.1}])
    assert dict(zip(FEATURES, by_sentence["security"], strict=True))["max_sentence_probability"] == 0.7
    assert dict(zip(FEATURES, by_sentence["security"], strict=True))["max_probability"] == 0.2


def w(text: str) -> tuple[Word, ...]:
    return tuple(Word(t, token_key(t), False) for t in text.split())


def test_a_category_only_reworded_around_the_change_is_the_clauses_topic():
    # A "not" added: the clause is about a child's messages, the changed word names no category.
    before = "Our support team may read the messages of a child below 13."
    after = "Our support team may not read the messages of a child below 13."
    v = classify_edit(Edit(("Young users",), before, after, (), w("not")))
    assert v.candidates == ("children",) and v.topical == ("children",)
    added = classify_edit(Edit(("Young users",), "", after, (), w(after)))
    assert added.topical == ()
    changes = [Change(("children", "use"), topical=("children",)), Change(("children",))]
    f = features(changes, [{"children": 0.9, "use": 0.1}, {"children": 0.8}])
    assert dict(zip(FEATURES, f["children"], strict=True))["topical_share"] == 0.5
    assert dict(zip(FEATURES, f["use"], strict=True))["topical_share"] == 0.0


def test_features_need_one_probability_mapping_per_change():
    with pytest.raises(ValueError):
        features([Change(("use",))], [])


def _weights(**named: float) -> tuple[float, ...]:
    """A weight per feature, zero but for those named."""
    assert set(named) <= set(FEATURES)
    return tuple(named.get(name, 0.0) for name in FEATURES)


def test_keep_follows_the_weights():
    # Only the highest clause probability counts: a category the model barely supports is dropped.
    decision = Decision(_weights(max_probability=10.0), -5.0, 0.5)
    changes = [Change(("retention", "security"))]
    assert decision.keep(changes, [{"retention": 0.9, "security": 0.1}]) == {"retention"}
    assert decision.keep([], []) == set()
    # When no category reaches the threshold, the likeliest one stays: an alert names a category.
    assert decision.keep(changes, [{"retention": 0.4, "security": 0.1}]) == {"retention"}


def test_decision_file_round_trip_and_clear_errors():
    decision = Decision(tuple(float(i) for i in range(len(FEATURES))), -1.5, 0.45)
    assert Decision.from_json(decision.to_json(source="test")) == decision
    body = json.loads(decision.to_json())
    body["features"] = ["something", "else"]
    with pytest.raises(DecisionError, match="odd.json"):
        Decision.from_json(json.dumps(body), "odd.json")
    with pytest.raises(DecisionError, match="broken.json"):
        Decision.from_json("{not json", "broken.json")
    body = json.loads(decision.to_json())
    body["weights"] = [1.0]
    with pytest.raises(DecisionError, match="1 weights"):
        Decision.from_json(json.dumps(body))


def test_the_shipped_decision_loads():
    decision = default_decision()
    assert decision is not None
    assert len(decision.weights) == len(FEATURES)
    assert 0.0 < decision.threshold < 1.0
    # More support from the clause model never lowers a category's chance.
    assert decision.weights[FEATURES.index("max_probability")] > 0


class Fixed:
    """A clause model whose probabilities are the same for every clause."""

    def __init__(self, probs: dict[str, float]) -> None:
        self.probs = probs

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        return [dict(self.probs) for _ in texts]


def _doc(logs: str, retention: str):
    b = DocumentBuilder()
    b.block("p", "Ostrava Pets s.r.o. runs the Ostrava Pets shop and controls your personal data.")
    b.heading("What we collect", 1)
    b.block("p", "We collect your name, postal address and the orders you place, to deliver them to you.")
    b.heading("How long we keep data", 1)
    b.block("p", retention)
    b.heading("Logs", 1)
    b.block("p", logs)
    return b.build("Privacy")


OLD = _doc("We review our server logs every week.", "We keep your orders for 2 years after delivery.")
NEW = _doc(
    "We review our server logs every week to detect unauthorised access and attacks on our shop.",
    "We keep your orders for 5 years after delivery.",
)
ALL = ["retention", "transfer", "rights", "sharing", "collection", "use", "tracking", "security",
       "children", "contact", "changes"]


def test_compare_narrows_every_change_to_the_reports_categories():
    veto = Veto(Fixed({c: 0.5 for c in ALL}), dict.fromkeys(ALL, 0.0))
    rules = compare(OLD, NEW, veto=None)
    assert rules.categories == ["retention", "security"]
    # A decision that keeps only categories the changed words themselves name (here the duration).
    only_named = Decision(_weights(named_by_changed_words=10.0), -5.0, 0.5)
    report = compare(OLD, NEW, veto=veto, decision=only_named)
    assert report.substantive
    assert report.categories == ["retention"]
    by_section = {c.section[-1]: c for c in report.changes if c.substantive}
    assert by_section["How long we keep data"].categories == ["retention"]
    assert "2 years -> 5 years" in by_section["How long we keep data"].reason
    # The logs change stays substantive and listed, with no category, and keeps its severity.
    logs = by_section["Logs"]
    assert logs.categories == []
    assert logs.reason == "changed: '...' -> 'to detect unauthorised access and attacks on our shop.'"
    assert logs.severity == {c.section[-1]: c for c in rules.changes}["Logs"].severity


def test_compare_without_a_decision_keeps_the_per_change_veto():
    veto = Veto(Fixed({c: 0.9 for c in ALL}), dict.fromkeys(ALL, 0.5))
    assert compare(OLD, NEW, veto=veto, decision=None).categories == compare(OLD, NEW, veto=None).categories


def test_narrow_keeps_only_the_reports_categories():
    assert Narrow(frozenset({"use"})).apply(["security", "use"], ("security",), "x") == ["use"]


def _shop(recipients: list[str], retention: str):
    b = DocumentBuilder()
    b.block("p", "Brindlecove Ltd runs the Brindlecove shop and controls your personal data.")
    b.heading("How long we keep data", 1)
    b.block("p", retention)
    b.heading("Who we share your information with", 1)
    b.block("p", "We share your information with these companies:")
    for r in recipients:
        b.block("li", r)
    return b.build("Privacy")


def test_a_recipient_added_beside_another_change_keeps_sharing():
    """A fresh user's find: a new recipient in a list, with a retention change in the same report,
    was listed 'uncategorised' once the report-level decision narrowed the categories."""
    old = _shop(["Parcelwise Ltd, which delivers your orders."], "We keep your orders for 12 months.")
    new = _shop(
        ["Parcelwise Ltd, which delivers your orders.", "Quorvex Advertising Inc., which provides services to us."],
        "We keep your orders for 7 years.",
    )
    report = compare(old, new)  # the shipped model and decision
    assert {"retention", "sharing"} <= set(report.categories), report.categories
    recipient = next(c for c in report.changes if c.substantive and "Quorvex" in c.after)
    assert "sharing" in recipient.categories


class PerSentence:
    """A clause model that finds retention only in a sentence about keeping data: read whole, a
    passage of several sentences dilutes it (as the real model, which learned from sentences)."""

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        out = []
        for text in texts:
            sentences = [s for s in text.replace("\n", " ").split(". ") if s.strip()]
            keeping = sum("keep" in s for s in sentences)
            out.append({c: 0.1 for c in ALL} | {"sharing": 0.6, "retention": 0.9 * keeping / len(sentences)})
        return out


def _lists(extra: list[str]):
    b = DocumentBuilder()
    b.block("p", "Brindlecove Ltd runs the Brindlecove mailing service and controls your personal data.")
    b.heading("What we collect", 1)
    b.block("p", "We collect your name, postal address and the orders you place, to deliver them to you.")
    b.heading("Customer lists", 1)
    b.block("p", "Shops may upload lists of their own customers to send them newsletters.")
    for text in extra:
        b.block("p", text)
    return b.build("Privacy")


def test_one_sentence_of_a_passage_speaks_for_its_category():
    """A new paragraph keeps data until the shop asks (one sentence of four): the clause read whole
    gives retention little support, its sentence gives much (max_sentence_probability)."""
    paragraph = (
        "We act as a service provider for the shops that upload customer lists. The shops decide which "
        "lists they upload and what they send. Our partners print the letters. We keep each customer list "
        "until the shop asks us to delete it."
    )
    veto = Veto(PerSentence(), dict.fromkeys(ALL, 0.5))
    assert veto.probabilities(paragraph)["retention"] < 0.3
    assert veto.sentence_probabilities(paragraph)["retention"] == pytest.approx(0.9)
    old, new = _lists([]), _lists([paragraph])
    assert {"retention", "sharing"} <= set(compare(old, new, veto=None).categories)
    by_sentence = Decision(_weights(max_sentence_probability=10.0), -5.0, 0.5)
    assert "retention" in compare(old, new, veto=veto, decision=by_sentence).categories

"""The learned veto: which categories survive, and that the shipped model and thresholds load."""

from monitor.diff import compare
from monitor.document import DocumentBuilder
from monitor.veto import Veto, default_veto


class TableModel:
    """A model whose answer is fixed per text (the veto's contract is predict(texts) -> dicts)."""

    def __init__(self, answers: dict[str, dict[str, float]]) -> None:
        self.answers = answers
        self.calls = 0

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        self.calls += 1
        return [self.answers[t] for t in texts]


THRESHOLDS = {"retention": 0.5, "security": 0.5, "sharing": 0.5}


def test_a_category_the_clause_does_not_support_is_dropped():
    veto = Veto(TableModel({"c1": {"retention": 0.9, "security": 0.1}}), THRESHOLDS)
    assert veto.apply(["retention", "security"], (), "c1") == ["retention"]


def test_a_category_the_changed_words_name_is_never_dropped():
    veto = Veto(TableModel({"c2": {"retention": 0.9, "security": 0.1}}), THRESHOLDS)
    assert veto.apply(["retention", "security"], ("security",), "c2") == ["retention", "security"]


def test_when_nothing_survives_the_likeliest_category_stays():
    veto = Veto(TableModel({"c3": {"retention": 0.2, "sharing": 0.3}}), THRESHOLDS)
    assert veto.apply(["retention", "sharing"], (), "c3") == ["sharing"]


def test_categories_without_a_threshold_pass_without_asking_the_model():
    model = TableModel({})
    assert Veto(model, THRESHOLDS).apply(["other"], (), "anything") == ["other"]
    assert model.calls == 0


def test_the_shipped_model_and_thresholds_load_and_answer_probabilities():
    veto = default_veto()
    assert veto is not None
    probs = veto.probabilities("We keep your invoices for ten years because tax law requires it.")
    assert set(veto.thresholds) <= set(probs)
    assert all(0.0 <= p <= 1.0 for p in probs.values())
    assert max(probs, key=probs.get) == "retention"


def test_compare_uses_the_veto_it_is_given():
    def doc(text: str):
        b = DocumentBuilder()
        b.block("p", "Ostrava Pets s.r.o. runs the Ostrava Pets shop and controls your personal data.")
        b.heading("What we collect", 1)
        b.block("p", "We collect your name, postal address and the orders you place, to deliver them to you.")
        b.heading("Your rights", 1)
        b.block("p", "You may ask for a copy of your data or ask us to correct it by writing to our shop.")
        b.heading("Logs", 1)
        b.block("p", text)
        return b.build("Privacy")

    old = doc("We review our server logs every week.")
    new = doc("We review our server logs every week to detect unauthorised access and improve our marketing.")
    rules = compare(old, new, veto=None)

    class Unconvinced:
        def predict(self, texts):
            return [{c: 0.0 for c in THRESHOLDS_ALL} for _ in texts]

    vetoed = compare(old, new, veto=Veto(Unconvinced(), dict.fromkeys(THRESHOLDS_ALL, 0.5)))
    assert rules.substantive and vetoed.substantive
    assert len(rules.categories) >= 2
    assert set(vetoed.categories) < set(rules.categories)


THRESHOLDS_ALL = ["retention", "transfer", "rights", "sharing", "collection", "use", "tracking", "security",
                  "children", "contact", "changes"]

"""The clause category model: heading weak labels, the training script, the shipped file, and the
pure-Python transform against scikit-learn's own (to 1e-6). Every policy text here is fictional."""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from monitor.category_model import (
    MODEL_CATEGORIES,
    CategoryModel,
    CategoryModelError,
    Vectorizer,
    load_model,
    model_path,
    prepare,
)

ROOT = Path(__file__).resolve().parents[1]


def _trainer() -> ModuleType:
    path = ROOT / "scripts" / "train_category_model.py"
    spec = importlib.util.spec_from_file_location("train_category_model", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


T = _trainer()


def _sklearn_or_skip() -> None:
    pytest.importorskip("sklearn", reason="scikit-learn is not installed (pip install -e '.[dev]')")


# -- a fictional corpus ----------------------------------------------------------------------------

SERVICES = ["Brindlewood", "Corvatta", "Dunmere Labs", "Elsinor Pay", "Fenwick Maps", "Galloway Tunes"]
SECTIONS = {
    "Introduction": "{name} offers {thing} to people in {n} towns and this notice explains our approach.",
    "How long we keep your data": "{name} keeps your {thing} records for {n} months after your last visit "
    "and then deletes them.",
    "International transfers": "{name} may transfer your data to servers in countries outside the European "
    "Economic Area under standard contractual clauses ({n}).",
    "Your rights": "You have the right to access, correct or erase the {thing} data {name} holds and to "
    "object to processing within {n} days.",
    "Who we share your information with": "{name} shares your {thing} details with payment processors, "
    "delivery partners and {n} affiliated companies.",
    "Information we collect": "{name} collects your name, email address, phone number and the {thing} "
    "you order, about {n} fields in all.",
    "How we use your information": "{name} uses your {thing} data to provide the service, send marketing "
    "with your consent and improve it, on {n} legal bases.",
    "Cookies": "{name} sets cookies and pixels from {n} analytics and advertising providers when you "
    "browse the {thing} pages.",
    "Security": "{name} protects your {thing} data with encryption, access controls and {n} security "
    "audits a year.",
    "Children": "{name} does not knowingly collect data from children under {n} and parents may ask us "
    "to remove a {thing} account.",
    "Contact us": "You can reach the {name} data protection officer by post at {n} Harbour Road or "
    "through the {thing} help form.",
    "Changes to this policy": "{name} will notify you by email {n} days before changes to this policy "
    "about {thing} take effect.",
}
THINGS = ["garden", "ticket", "lesson", "invoice", "route", "playlist"]


def _write_corpus(root: Path, services: list[str] = SERVICES) -> Path:
    policies = root / "corpus" / "policies"
    policies.mkdir(parents=True)
    with (policies / "manifest.jsonl").open("w", encoding="utf-8") as manifest:
        for i, name in enumerate(services):
            lines = [f"# {name} Privacy Policy", ""]
            for j, (heading, template) in enumerate(SECTIONS.items()):
                lines += [f"## {j + 1}. {heading}", ""]
                for k in range(3):  # three distinct sentences per section and service
                    thing = THINGS[(i + k) % len(THINGS)]
                    lines += [template.format(name=name, thing=thing, n=10 * i + k + 2), ""]
            lines += ["## Menu", "", "Home", "", "About", ""]
            (policies / f"P{i:04d}.md").write_text("\n".join(lines), encoding="utf-8")
            manifest.write(json.dumps({"file": f"P{i:04d}.md", "service": name}) + "\n")
    return root


@pytest.fixture(scope="module")
def fictional_shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_corpus(tmp_path_factory.mktemp("shared"))


PROBES = [
    "We retain invoices for seven years to meet tax law, then delete them.",
    "Your personal data may be stored on servers in the United States and India.",
    "You may ask us to delete, correct or export your data at any time.",
    "We disclose your details to our logistics partners and to law enforcement when required.",
    "We collect your postal address, date of birth and device identifiers.",
    "We use your purchase history to personalise offers, based on our legitimate interest.",
    "Our site uses cookies, web beacons and similar tracking technologies for analytics.",
    "We encrypt data in transit and at rest and test our systems against breaches.",
    "Our service is not directed to children under 13 and we do not knowingly collect their data.",
    "Questions? Write to our data protection officer at Quillon Ltd, 4 Mill Lane, Leeds.",
    "We will post any changes to this policy on this page and tell you by email.",
    "Die Verarbeitung erfolgt auf Grundlage von Art. 6 Abs. 1 lit. f DSGVO — légitime, señor, ﬁles.",
    "",
    "a",
    "[Read more](https://example.org/more) or mail privacy@example.org   now",
]


# -- the transform equals scikit-learn's -----------------------------------------------------------


@pytest.mark.parametrize(("analyzer", "ngrams"), [("word", (1, 2)), ("word", (1, 3)), ("char_wb", (2, 5))])
def test_terms_equal_sklearn_analyzer(analyzer: str, ngrams: tuple[int, int]) -> None:
    _sklearn_or_skip()
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(
        analyzer=analyzer, ngram_range=ngrams, lowercase=True, strip_accents="unicode"
    ).build_analyzer()
    ours = Vectorizer(analyzer, ngrams, True, True, {}, ())
    texts = [*PROBES, "Über Straße naïve café  \t résumé\n\nA1 b2 ÉLAN", "x y z", "ab"]
    for text in texts:
        assert ours.terms(prepare(text)) == reference(prepare(text)), text


@pytest.mark.parametrize("params", [{}, {"char_ngrams": (3, 5)}, {"word_ngrams": (1, 1), "C": 0.5}])
def test_fitted_model_equals_sklearn_predict_proba(
    fictional_shared: Path, params: dict, tmp_path: Path
) -> None:
    _sklearn_or_skip()
    sentences = T.corpus_sentences(fictional_shared)
    fitted, model = T.fit(sentences, params)
    texts = PROBES + [s.text for s in sentences[:40]]
    reference = fitted.predict_proba(texts)
    got = model.predict(texts)
    assert model.categories == fitted.categories
    for row, probs in zip(reference, got, strict=True):
        assert list(probs) == list(model.categories)
        for expected, (_, value) in zip(row, probs.items(), strict=True):
            assert abs(expected - value) < 1e-9
    # and the file form (floats rounded to 9 digits) stays within 1e-6
    model.save(tmp_path / "m.json.gz")
    loaded = CategoryModel.load(tmp_path / "m.json.gz")
    for row, probs in zip(reference, loaded.predict(texts), strict=True):
        assert max(abs(e - v) for e, v in zip(row, probs.values(), strict=True)) < 1e-6


def test_train_learns_the_fictional_categories(fictional_shared: Path) -> None:
    _sklearn_or_skip()
    model = T.train(fictional_shared, set())
    assert set(model.categories) == set(MODEL_CATEGORIES)
    retention, transfer, children = model.predict(PROBES[0:2] + PROBES[8:9])
    assert max(retention, key=retention.get) == "retention"
    assert max(transfer, key=transfer.get) == "transfer"
    assert max(children, key=children.get) == "children"


def test_exclude_services_leaves_their_sentences_out(fictional_shared: Path) -> None:
    everything = T.corpus_sentences(fictional_shared)
    fewer = T.corpus_sentences(fictional_shared, {"Corvatta", "Elsinor Pay"})
    assert {s.service for s in everything} == set(SERVICES)
    assert {s.service for s in fewer} == set(SERVICES) - {"Corvatta", "Elsinor Pay"}
    assert len(fewer) == len(everything) - len(
        [s for s in everything if s.service in {"Corvatta", "Elsinor Pay"}]
    )


def test_training_is_deterministic(fictional_shared: Path, tmp_path: Path) -> None:
    _sklearn_or_skip()
    for name in ("a", "b"):
        T.fit(list(reversed(T.corpus_sentences(fictional_shared))))[1].save(tmp_path / f"{name}.json.gz")
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()


# -- weak labels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("9. How long do we keep your data?", {"retention"}),
        ("Data retention", {"retention"}),
        ("Durée de conservation", {"retention"}),
        ("Speicherdauer", {"retention"}),
        ("International transfers", {"transfer"}),
        ("Does Acme transfer your data to other countries?", {"transfer"}),
        ("Your rights and choices", {"rights"}),
        ("Vos droits", {"rights"}),
        ("Ihre Rechte", {"rights"}),
        ("Sus derechos", {"rights"}),
        ("Right to opt out of the sale or sharing of personal information", {"rights"}),
        ("Who we share your information with", {"sharing"}),
        ("Disclosure of personal information", {"sharing"}),
        ("Weitergabe an Dritte", {"sharing"}),
        ("Information we collect", {"collection"}),
        ("Data we collect from third parties", {"collection"}),
        ("Quelles données collectons-nous ?", {"collection"}),
        ("How we use your information", {"use"}),
        ("How we use the information we collect", {"use"}),
        ("Legal basis", {"use"}),
        ("Rechtsgrundlage der Verarbeitung", {"use"}),
        ("Cookies and similar technologies", {"tracking"}),
        ("How we use cookies", {"tracking"}),
        ("Security", {"security"}),
        ("Keeping your information secure", {"security"}),
        ("Children's privacy", {"children"}),
        ("Kinder", {"children"}),
        ("Contact us", {"contact"}),
        ("Who we are", {"contact"}),
        ("Data controller", {"contact"}),
        ("Contactgegevens", {"contact"}),
        ("Changes to this privacy policy", {"changes"}),
        ("Wijzigingen in dit beleid", {"changes"}),
        ("Sharing and international transfers", {"sharing", "transfer"}),
        ("Information we collect and how we use it", {"collection", "use"}),
        ("Introduction", {T.NONE}),
        ("1. Definitions", {T.NONE}),
        ("The Acme Privacy and Cookies Policy", set()),
        ("Table of contents", set()),
        ("California residents", set()),
    ],
)
def test_heading_table(heading: str, expected: set[str]) -> None:
    assert set(T.heading_categories(heading)) == expected


def test_deepest_announcing_heading_speaks_for_the_section() -> None:
    assert T.section_labels(("Privacy Policy", "Your rights", "Right of access")) == {"rights"}
    assert T.section_labels(("Privacy Policy", "Information we collect", "Account details")) == {"collection"}
    assert T.section_labels(("Privacy Policy", "California residents")) == frozenset()
    assert T.section_labels(()) == frozenset()


def test_boilerplate_is_dropped(tmp_path: Path) -> None:
    shared = _write_corpus(tmp_path)
    policies = shared / "corpus" / "policies"
    shared_line = "This very same sentence about cookies appears in the policies of many services."
    for p in sorted(policies.glob("P*.md"))[:3]:
        p.write_text(p.read_text() + f"\n## Cookies\n\n{shared_line}\n\nHome | Blog | Careers | Press\n")
    first = sorted(policies.glob("P*.md"))[0]
    own = "Only Brindlewood writes this cookie sentence, and it writes it twice in its policy text."
    first.write_text(first.read_text() + f"\n## Cookies\n\n{own}\n\n## Tracking\n\n{own}\n")
    texts = [s.text for s in T.corpus_sentences(shared)]
    assert shared_line not in texts  # shared by three services: template text
    assert texts.count(own) == 1  # repeated inside one service: kept once
    assert not any(t in ("Home", "About") or "Careers" in t for t in texts)  # menus and short lines


def test_training_prints_sentence_counts(fictional_shared: Path, tmp_path: Path, capsys) -> None:
    _sklearn_or_skip()
    out = tmp_path / "models" / "c.json.gz"
    assert (
        T.main(["--shared", str(fictional_shared), "--out", str(out), "--exclude-services", "Corvatta"]) == 0
    )
    printed = capsys.readouterr().out
    assert "from 5 services" in printed
    for category in MODEL_CATEGORIES:
        assert f"  {category:<11}     15" in printed  # 5 services x 3 sentences
    assert CategoryModel.load(out).info["sentences"]["retention"] == 15


def test_training_without_a_corpus_is_a_clear_error(tmp_path: Path, capsys) -> None:
    _sklearn_or_skip()
    assert T.main(["--shared", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.json.gz")]) == 2
    assert "no corpus of policies" in capsys.readouterr().err
    assert not (tmp_path / "m.json.gz").exists()


# -- the shipped model -----------------------------------------------------------------------------


def test_shipped_model_loads_and_speaks_for_every_category() -> None:
    model = load_model()
    assert load_model() is model  # cached
    assert model.categories == MODEL_CATEGORIES
    assert model_path().stat().st_size < 2_000_000
    results = model.predict(PROBES[:11])
    for expected, probs in zip(MODEL_CATEGORIES, results, strict=True):
        assert max(probs, key=probs.get) == expected, (expected, probs)
        assert probs[expected] >= 0.5
    # a veto: a clause about keeping invoices gives no support to children or security
    assert results[0]["children"] < 0.2 and results[0]["security"] < 0.2


def test_shipped_model_holds_no_sentence() -> None:
    model = load_model()
    for vectorizer in model.vectorizers:
        longest = max(
            len(t.split()) if vectorizer.analyzer == "word" else len(t) for t in vectorizer.vocabulary
        )
        assert longest <= vectorizer.ngram_range[1]
    assert set(model.info["sentences"]) >= set(MODEL_CATEGORIES)


def test_predict_handles_empty_and_odd_texts() -> None:
    model = load_model()
    results = model.predict(["", "   ", "12 34", "🙂", "\x00"])
    for probs in results:
        assert set(probs) == set(MODEL_CATEGORIES)
        assert all(0.0 < p < 1.0 for p in probs.values())
    assert model.predict([]) == []


@pytest.mark.slow
def test_shipped_model_is_what_the_rebuild_command_makes(shared_dir: Path) -> None:
    """The file in the package equals a fresh fit on ../shared (to 1e-6, through scikit-learn)."""
    _sklearn_or_skip()
    if not (shared_dir / "corpus" / "policies" / "manifest.jsonl").exists():
        pytest.skip("no corpus under the shared folder")
    fitted, _ = T.fit(T.corpus_sentences(shared_dir))
    shipped = load_model()
    reference = fitted.predict_proba(PROBES)
    for row, probs in zip(reference, shipped.predict(PROBES), strict=True):
        assert max(abs(e - v) for e, v in zip(row, probs.values(), strict=True)) < 1e-6


# -- bad files -------------------------------------------------------------------------------------


def test_bad_model_files_raise_a_clear_error(tmp_path: Path) -> None:
    good = load_model().to_dict()
    cases = {
        "missing.json.gz": None,
        "plain.json.gz": b"not gzip at all",
        "notjson.json.gz": gzip.compress(b"{nope"),
        "otherformat.json.gz": gzip.compress(json.dumps({"format": "x", "version": 1}).encode()),
        "short.json.gz": gzip.compress(json.dumps({**good, "intercepts": [0.0]}).encode()),
        "narrow.json.gz": gzip.compress(json.dumps({**good, "weights": good["weights"][:-1]}).encode()),
        "nokeys.json.gz": gzip.compress(json.dumps({"format": good["format"], "version": 1}).encode()),
    }
    for name, data in cases.items():
        path = tmp_path / name
        if data is not None:
            path.write_bytes(data)
        with pytest.raises(CategoryModelError, match="category model"):
            CategoryModel.load(path)


def test_prepare_folds_links_addresses_and_marks() -> None:
    assert prepare("See [our partners](https://x.example/p) **now**") == "See our partners now"
    assert prepare("Write to privacy@acme.example or visit https://acme.example/privacy.") == (
        "Write to emailaddress or visit webaddress"
    )
    assert prepare("  a\n\tb  ") == "a b"

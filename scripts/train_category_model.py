"""Fit the clause category model on the corpus and write the file the package ships.

    python scripts/train_category_model.py [--shared ../shared] [--exclude-services A,B]
        [--out monitor/models/categories.json.gz] [--cv]

Sentences of <shared>/corpus/policies/*.md (read with monitor.extract, as the service reads a page)
are weakly labeled by the section heading they sit under, through one small table of heading
patterns (English, and the common French, German, Spanish and Dutch heading words); sentences under
an introduction / scope / definitions heading are kept as examples of no category. Boilerplate is
dropped: very short or nav-like lines, link lists, and any sentence that several services share.
Then TF-IDF on word 1-2-grams and char_wb 2-5-grams (scikit-learn) feeds one logistic regression per
category (class_weight='balanced'); a first fit picks the features that carry weight, a second fit
on those alone is the model, exported as monitor.category_model.CategoryModel (pure Python at run
time). Everything is sorted and seeded, so the same corpus gives the same file.

`train(shared, exclude_services)` is the same fit in memory (for a cross-validation harness that
refits per fold); `--cv` prints sentence-level precision / recall per category over 5 folds grouped
by service. scikit-learn is needed here only (`pip install -e '.[train]'`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(REPO))

from monitor.category_model import (  # noqa: E402
    MODEL_CATEGORIES,
    TOKEN_PATTERN,
    CategoryModel,
    Vectorizer,
    prepare,
    strip_accents,
)
from monitor.extract import ExtractError, extract_file  # noqa: E402
from monitor.tokens import split_sentences  # noqa: E402

SEED = 0
NONE = "none"  # label of sentences under a heading that announces no category (intro, scope, ...)

# Heading patterns -> categories. Matched on the lower-cased, accent-stripped heading without its
# numbering; a heading may match several ("Sharing and international transfers"). Kept narrow:
# a clean label on fewer sentences beats a noisy one on more.
# fmt: off
HEADING_TABLE: dict[str, tuple[str, ...]] = {
    "retention": (
        r"retention", r"\bretain", r"how long",
        r"keep(?:ing)? (?:your |personal |the )?(?:data|information) (?:for|until)", r"storage period",
        r"period (?:saved|stored)", r"(?:data|information) (?:is |are )?(?:saved|stored)\b.*\blong",
        r"deletion of (?:your )?(?:data|information)", r"duree", r"conservation", r"combien de temps",
        r"speicherdauer", r"aufbewahr", r"wie lange", r"loschung", r"conservacion", r"plazo",
        r"cuanto tiempo", r"bewaartermijn", r"bewaren", r"hoe lang",
    ),
    "transfer": (
        r"international", r"cross[- ]border", r"(?:data|information) transfers?",
        r"transfers? of (?:your )?(?:personal )?(?:data|information)",
        r"transfers? (?:outside|abroad|to (?:other|third) countr)",
        r"where (?:we|your).*\b(?:store|stored|process|processed|located)\b", r"data (?:storage )?location",
        r"(?:other|third|foreign) countr", r"outside (?:the|your) (?:eea|eu|uk|country)",
        r"transfer (?:\w+ )?(?:your )?(?:personal )?data", r"transferts?", r"drittland", r"drittstaat",
        r"auslandsubermittlung", r"transferencias?", r"doorgifte",
    ),
    "rights": (
        r"\brights?\b", r"choices", r"opt[- ]?out", r"do not sell", r"exercis", r"complain",
        r"non[- ]?discrimination",
        r"(?:access|correct|delet|updat|manag|review|export)\w*(?: and \w+)? (?:to )?(?:your|personal) "
        r"(?:data|information|account|privacy)",
        r"privacy controls", r"droits?", r"vos choix", r"rechte", r"\brecht\b", r"widerspruch", r"widerruf",
        r"plainte", r"beschwerde", r"queja", r"klacht", r"derechos", r"rechten", r"uw keuzes",
    ),
    "sharing": (
        r"\bshar(?:e|es|ed|ing)\b", r"(?<!privacy )disclos",
        r"third[- ]part(?:y|ies)(?! (?:web)?sites?| links)", r"service providers", r"recipients?",
        r"who (?:has access|we share|receives)", r"business transfers", r"\bsales? of\b", r"\bsell",
        r"affiliates", r"partenaires", r"destinataires", r"partage", r"weitergabe", r"empfanger",
        r"compartir", r"destinatarios", r"cesion", r"delen", r"ontvangers", r"derden",
    ),
    "collection": (
        r"(?:data|information)(?: that)? (?:we|you) (?:collect|provide|give|receive|obtain|process)",
        r"(?:what|which|types? of|categories of|kinds? of) (?:personal )?(?:data|information)",
        r"collect(?:s|ed|ion)?\b", r"sources? of",
        r"(?:data|information) (?:from|about) (?:you|other|third)", r"donnees (?:collectees|que nous)",
        r"collecte", r"quelles donnees", r"welche daten", r"erhobene", r"erhebung", r"datenkategorien",
        r"kategorien (?:personenbezogener|von) daten", r"datos (?:que|recopilados|recogidos)", r"recopila",
        r"recogida", r"welke gegevens", r"verzamel",
    ),
    "use": (
        r"how (?:we|do we|does \w+) use (?:it\b|them\b|(?:your |the )?(?:personal )?(?:data|information))",
        r"use of (?:your |the )?(?:personal )?(?:data|information)", r"(?:data|information) (?:use|usage)\b",
        r"(?:is|are) used\b", r"(?<!business )purposes?", r"why (?:we|do we|does|\w+ collects?)",
        r"based on (?:our|your) (?:contract|consent|legitimate)", r"art\.? 6\b", r"legal bas[ie]s",
        r"lawful bas[ie]s", r"legitimate interest", r"profiling", r"automated decision", r"\bmarketing",
        r"finalites?", r"base legale", r"utilisation", r"utilisons", r"zweck", r"rechtsgrundlage",
        r"verwendung", r"finalidad", r"base juridica", r"legitimacion", r"uso de (?:sus|los|tus)",
        r"doeleinden", r"grondslag", r"gebruiken",
    ),
    "tracking": (
        r"cookie", r"tracking", r"tracker", r"pixel", r"beacon", r"similar technolog", r"analytics",
        r"do not track", r"\bsdks?\b", r"local storage", r"interest[- ]based (?:advertising|ads)",
        r"targeted advertising", r"personali[sz]ed ads", r"traceurs", r"temoins", r"analysedienste",
        r"rastreo", r"seguimiento",
    ),
    "security": (
        r"secur", r"safeguard", r"breach",
        r"protect(?:ing|ion of)? (?:your |the )?(?:personal )?(?:data|information)",
        r"(?:data|information) (?:safe|secure)", r"securite", r"sicherheit", r"seguridad", r"beveiliging",
    ),
    "children": (
        r"child", r"minors?\b", r"\bkids?\b", r"under (?:the age of )?1[3-8]",
        r"age (?:limit|requirement|restriction)", r"young people", r"teen", r"enfants?", r"mineurs?",
        r"kinder", r"minderjahrig", r"jugendlich", r"ninos", r"menores", r"minderjarig",
    ),
    "contact": (
        r"contact", r"who we are", r"about us", r"controller", r"data protection officer", r"\bdpo\b",
        r"responsible (?:party|entity)", r"questions", r"how to reach", r"our details",
        r"company information", r"representative", r"nous contacter", r"responsable du traitement",
        r"qui sommes", r"coordonnees", r"kontakt", r"verantwortlich", r"datenschutzbeauftragt", r"contacto",
        r"responsable del tratamiento", r"quienes somos", r"verantwoordelijke", r"wie zijn wij",
    ),
    "changes": (
        r"changes? (?:to|in|of) (?:this|our|the)", r"updates? (?:to|of) (?:this|our|the)",
        r"^(?:updates?|changes?)$", r"amendments?", r"revisions?", r"modifications?",
        r"policy (?:changes|updates)", r"mises? a jour", r"anderung(?:en)? (?:dieser|der)",
        r"aktualisierung", r"cambios", r"modificacion", r"actualizacion", r"wijziging",
    ),
}
# Headings whose sentences are about no category in particular: examples of "none".
NEUTRAL_HEADINGS = (
    r"introduction", r"overview", r"scope", r"definitions?", r"key terms", r"general(?: information)?",
    r"about this (?:policy|notice|privacy policy|statement)", r"who (?:this|the) (?:policy|notice) applies",
    r"where this (?:privacy )?policy applies", r"when this policy applies", r"applicability", r"preamble",
    r"summary", r"einleitung", r"allgemeines", r"geltungsbereich", r"begriffsbestimmungen", r"preambule",
    r"definitions et", r"champ d'application", r"introduccion", r"definiciones", r"ambito", r"inleiding",
    r"definities", r"reikwijdte",
)
# fmt: on
NEUTRAL_HEADING = re.compile(r"^(?:" + "|".join(NEUTRAL_HEADINGS) + r")$")
_COMPILED = {c: re.compile("|".join(alternatives)) for c, alternatives in HEADING_TABLE.items()}
_NUMBERING = re.compile(
    r"^(?:(?:section|article|art\.|part|chapter)\s+)?(?:[0-9ivxlc]+|[a-z])(?:[.)][0-9.]*)*[.):]?\s+"
)
_TRAILING = re.compile(r"[\s:.?!]+$")

MIN_WORDS = 4  # shorter lines are labels, menu entries or table cells
MAX_WORDS = 120  # longer "sentences" are unsplit blobs (tables flattened into one line)
SHARED_BY_SERVICES = 3  # a sentence in the policies of this many services is boilerplate


def heading_key(heading: str) -> str:
    text = strip_accents(prepare(heading).lower()).strip()
    for _ in range(2):
        text = _NUMBERING.sub("", text)
    return _TRAILING.sub("", text).strip()


@lru_cache(maxsize=4096)
def heading_categories(heading: str) -> frozenset[str]:
    """Categories one heading announces; {NONE} for a neutral one; empty when it says nothing."""
    key = heading_key(heading)
    cats = {c for c, rx in _COMPILED.items() if rx.search(key)}
    if "tracking" in cats:
        cats.discard("use")  # "How we use cookies" is about cookies
    if (
        cats
        and "changes" not in cats
        and re.search(r"privacy (?:and cookies? )?(?:policy|notice|statement)", key)
    ):
        return frozenset()  # the document's own title ("Privacy and cookies policy") announces nothing
    if "rights" in cats and (
        key.startswith(("right", "your right", "choice", "your choice"))
        or re.search(r"opt[- ]?out|do not sell", key)
    ):
        cats &= {"rights"}  # "Right to limit collection", "Your right to opt out of the sale"
    if "use" in cats and re.search(r"^(?:why|purposes?)\b|\buse\b.*\b(?:we|you) collect", key):
        cats.discard("collection")  # "How we use the data we collect", "Why we collect data"
    if "collection" in cats and re.search(r"(?:from|by) (?:other |third[- ]part)", key):
        cats.discard("sharing")  # "Data we collect from third parties": a source
    if cats:
        return frozenset(cats)
    return frozenset({NONE}) if NEUTRAL_HEADING.search(key) else frozenset()


def section_labels(path: tuple[str, ...]) -> frozenset[str]:
    """The deepest heading that announces something speaks for the section."""
    for heading in reversed(path):
        cats = heading_categories(heading)
        if cats:
            return cats
    return frozenset()


@dataclass(frozen=True)
class Sentence:
    service: str
    text: str  # prepared (monitor.category_model.prepare)
    labels: frozenset[str]  # categories, or {NONE}


def _looks_like_boilerplate(text: str) -> bool:
    words = text.split()
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return True
    letters = sum(ch.isalpha() for ch in text)
    if letters < 0.6 * len(text.replace(" ", "")):
        return True  # numbers, codes, table of links
    if "webaddress" in words and len(words) <= 8:
        return True  # "More information: <link>"
    # a run of Title Case labels without a verb-like lower-case word: a menu or a list of headings
    lower = [w for w in words if w[:1].islower()]
    return len(lower) < 0.25 * len(words)


def _manifest(shared: Path) -> dict[str, str]:
    services: dict[str, str] = {}
    path = shared / "corpus" / "policies" / "manifest.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            services[entry["file"]] = entry["service"]
    return services


@lru_cache(maxsize=4)
def _corpus_sentences(policies: Path) -> tuple[Sentence, ...]:
    """Every candidate sentence of the corpus with its weak label (cached: CV refits reuse it)."""
    services = _manifest(policies.parents[1])
    raw: list[tuple[str, str, frozenset[str]]] = []
    for path in sorted(policies.glob("*.md")):
        service = services.get(path.name, path.stem)
        try:
            doc = extract_file(path)
        except (ExtractError, OSError) as e:
            print(f"skipped {path.name}: {e}", file=sys.stderr)
            continue
        for section in doc.sections:
            labels = section_labels(section.path)
            if not labels:
                continue
            for block in section.blocks:
                for sentence in split_sentences(block.text):
                    text = prepare(sentence)
                    if not _looks_like_boilerplate(text):
                        raw.append((service, text, labels))
    # A sentence several services share is template text; one repeated inside a service (the same
    # policy under several names) is kept once.
    seen_in: dict[str, set[str]] = defaultdict(set)
    for service, text, _ in raw:
        seen_in[text.lower()].add(service)
    out: list[Sentence] = []
    kept: set[str] = set()
    for service, text, labels in raw:
        key = text.lower()
        if key in kept or len(seen_in[key]) >= SHARED_BY_SERVICES:
            continue
        kept.add(key)
        out.append(Sentence(service, text, labels))
    return tuple(out)


def corpus_sentences(
    shared: Path, exclude_services: set[str] | frozenset[str] = frozenset()
) -> list[Sentence]:
    policies = (shared / "corpus" / "policies").resolve()
    if not policies.is_dir():
        raise FileNotFoundError(f"{policies}: no corpus of policies there")
    return [s for s in _corpus_sentences(policies) if s.service not in exclude_services]


def label_counts(sentences: list[Sentence]) -> dict[str, int]:
    counts = Counter(label for s in sentences for label in s.labels)
    return {c: counts.get(c, 0) for c in (*MODEL_CATEGORIES, NONE)}


# ---------------------------------------------------------------------------------------------------
# Fitting (scikit-learn, imported here only)
# ---------------------------------------------------------------------------------------------------

PARAMS: dict[str, Any] = {
    "word_ngrams": (1, 2),
    "char_ngrams": None,  # e.g. (3, 5) adds char_wb n-grams as a second vectorizer
    "min_df": 3,
    "per_category": 2500,  # features kept per category (chi2 on presence), the union is the vocabulary
    "C": 2.0,
    # sentences under intro / scope / definitions headings, as negatives for every category
    "none_examples": True,
    # None gives calibrated-looking but lower probabilities to the small categories; on the dev pairs
    # the precision/recall curve is the same, shifted (and 'balanced' leaves room for a low veto bar)
    "class_weight": "balanced",
}


def _counters(params: dict[str, Any]) -> list[Any]:
    from sklearn.feature_extraction.text import CountVectorizer

    specs = [("word", tuple(params["word_ngrams"]))]
    if params.get("char_ngrams"):
        specs.append(("char_wb", tuple(params["char_ngrams"])))
    return [
        CountVectorizer(
            analyzer=analyzer,
            ngram_range=ngrams,
            lowercase=True,
            strip_accents="unicode",
            token_pattern=TOKEN_PATTERN,
            min_df=params["min_df"],
        )
        for analyzer, ngrams in specs
    ]


def _targets(sentences: list[Sentence], categories: tuple[str, ...]) -> Any:
    import numpy as np

    return np.array([[c in s.labels for c in categories] for s in sentences], dtype=int)


def _select(counts: Any, Y: Any, per_category: int) -> Any:
    """Columns among the `per_category` most category-bound (chi2 on presence) of any category."""
    import numpy as np
    from sklearn.feature_selection import chi2

    present = (counts > 0).astype(np.float64)
    keep = np.zeros(counts.shape[1], dtype=bool)
    for k in range(Y.shape[1]):
        scores, _ = chi2(present, Y[:, k])
        scores = np.nan_to_num(scores)
        keep[np.argsort(-scores, kind="stable")[:per_category]] = True
    return np.flatnonzero(keep)


def _regression(X: Any, y: Any, params: dict[str, Any]) -> Any:
    from sklearn.linear_model import LogisticRegression

    # liblinear's dual solver: several times faster than the primal one when features outnumber
    # the positive examples, and deterministic with a fixed seed.
    lr = LogisticRegression(
        C=params["C"],
        class_weight=params["class_weight"],
        solver="liblinear",
        dual=True,
        max_iter=2000,
        random_state=SEED,
    )
    return lr.fit(X, y)


@dataclass
class Fitted:
    """The scikit-learn objects of a fit: per vectorizer a CountVectorizer over the kept terms and
    its fitted TfidfTransformer, then one LogisticRegression per category."""

    transforms: list[tuple[Any, Any]]
    regressions: list[Any]
    categories: tuple[str, ...]

    def features(self, texts: list[str]) -> Any:
        from scipy.sparse import hstack

        prepared = [prepare(t) for t in texts]
        return hstack(
            [tfidf.transform(counter.transform(prepared)) for counter, tfidf in self.transforms]
        ).tocsr()

    def predict_proba(self, texts: list[str]) -> Any:
        """texts x categories, by scikit-learn itself (the reference the exported model must equal)."""
        import numpy as np

        X = self.features(texts)
        return np.column_stack([lr.predict_proba(X)[:, 1] for lr in self.regressions])


def fit(sentences: list[Sentence], params: dict[str, Any] | None = None) -> tuple[Fitted, CategoryModel]:
    """Count n-grams, keep the category-bound ones, tf-idf them (sublinear tf, l2 norm over the kept
    features only: the shipped transform sees exactly those), one logistic regression per category."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

    params = {**PARAMS, **(params or {})}
    if not params["none_examples"]:
        sentences = [s for s in sentences if NONE not in s.labels]
    sentences = sorted(sentences, key=lambda s: (s.service, s.text))
    categories = tuple(c for c in MODEL_CATEGORIES if any(c in s.labels for s in sentences))
    texts = [s.text for s in sentences]
    Y = _targets(sentences, categories)
    transforms, parts = [], []
    for counter in _counters(params):
        counts = counter.fit_transform(texts)
        columns = _select(counts, Y, params["per_category"])
        names = counter.get_feature_names_out()
        kept = CountVectorizer(
            **{**counter.get_params(), "min_df": 1, "vocabulary": [str(names[j]) for j in columns]}
        )
        kept.fit(texts[:1])  # a fixed vocabulary: fitting only validates it
        tfidf = TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=True)
        parts.append(tfidf.fit_transform(counts[:, columns]))
        transforms.append((kept, tfidf))
    X = hstack(parts).tocsr()
    regressions = [_regression(X, Y[:, k], params) for k in range(len(categories))]
    fitted = Fitted(transforms, regressions, categories)
    return fitted, export(fitted, params, label_counts(sentences))


def export(fitted: Fitted, params: dict[str, Any], counts: dict[str, int]) -> CategoryModel:
    import numpy as np

    vectorizers = []
    for counter, tfidf in fitted.transforms:
        vectorizers.append(
            Vectorizer(
                analyzer=counter.analyzer,
                ngram_range=tuple(counter.ngram_range),
                strip_accents=counter.strip_accents == "unicode",
                sublinear_tf=bool(tfidf.sublinear_tf),
                vocabulary={str(t): int(i) for t, i in counter.vocabulary_.items()},
                idf=tuple(float(x) for x in tfidf.idf_),
            )
        )
    coef = np.vstack([lr.coef_[0] for lr in fitted.regressions])  # categories x features
    weights = array("d", coef.T.ravel().tolist())  # feature-major
    intercepts = tuple(float(lr.intercept_[0]) for lr in fitted.regressions)
    info = {
        "trained_on": "sentences of the corpus policies, weakly labeled by section heading",
        "sentences": counts,
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
    }
    return CategoryModel(fitted.categories, tuple(vectorizers), weights, intercepts, info)


def train(
    shared: Path,
    exclude_services: set[str] | frozenset[str] = frozenset(),
    params: dict[str, Any] | None = None,
) -> CategoryModel:
    """The model fitted on the corpus under `shared`, leaving out the policies of `exclude_services`."""
    return fit(corpus_sentences(shared, exclude_services), params)[1]


# ---------------------------------------------------------------------------------------------------
# Sentence-level cross-validation, grouped by service
# ---------------------------------------------------------------------------------------------------


def folds_by_service(services: list[str], k: int = 5) -> list[set[str]]:
    """Deterministic folds: sorted services dealt round-robin."""
    out: list[set[str]] = [set() for _ in range(k)]
    for i, service in enumerate(sorted(set(services))):
        out[i % k].add(service)
    return out


def cross_validate(
    sentences: list[Sentence], threshold: float = 0.5, k: int = 5
) -> dict[str, tuple[float, float]]:
    """Per category (precision, recall) of `probability >= threshold` on held-out services."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for fold in folds_by_service([s.service for s in sentences], k):
        train_set = [s for s in sentences if s.service not in fold]
        test_set = [s for s in sentences if s.service in fold and NONE not in s.labels]
        _, model = fit(train_set)
        for s, probs in zip(test_set, model.predict([s.text for s in test_set]), strict=True):
            for c, p in probs.items():
                predicted, gold = p >= threshold, c in s.labels
                tp[c] += predicted and gold
                fp[c] += predicted and not gold
                fn[c] += gold and not predicted
    out = {}
    for c in MODEL_CATEGORIES:
        out[c] = (tp[c] / max(1, tp[c] + fp[c]), tp[c] / max(1, tp[c] + fn[c]))
    out["micro"] = (
        sum(tp.values()) / max(1, sum(tp.values()) + sum(fp.values())),
        sum(tp.values()) / max(1, sum(tp.values()) + sum(fn.values())),
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--exclude-services", default="", help="comma-separated corpus services to leave out")
    parser.add_argument("--out", type=Path, default=REPO / "monitor" / "models" / "categories.json.gz")
    parser.add_argument("--cv", action="store_true", help="also print 5-fold CV grouped by service")
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn is needed to train: pip install -e '.[train]'", file=sys.stderr)
        return 2
    exclude = {s.strip() for s in args.exclude_services.split(",") if s.strip()}
    try:
        sentences = corpus_sentences(args.shared, exclude)
    except (FileNotFoundError, json.JSONDecodeError, KeyError) as e:
        print(f"cannot read the corpus: {e}", file=sys.stderr)
        return 2
    print(f"{len(sentences)} labeled sentences from {len({s.service for s in sentences})} services")
    for c, n in label_counts(sentences).items():
        print(f"  {c:<11} {n:>6}")
    started = time.perf_counter()
    _, model = fit(sentences)
    print(f"fitted in {time.perf_counter() - started:.1f} s")
    model.save(args.out)
    width = sum(len(v.idf) for v in model.vectorizers)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, {width} features)")
    if args.cv:
        print("sentence-level CV (5 folds grouped by service, p >= 0.5): precision / recall")
        for c, (p, r) in cross_validate(sentences).items():
            print(f"  {c:<11} {p:.2f} / {r:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A learned second opinion on what a clause is about: one probability per taxonomy category.

The engine finds a change's categories from its vocabulary; this model, fitted offline with
scikit-learn (`scripts/train_category_model.py`) on policy sentences weakly labeled by their section
headings, says how much a clause supports each category, so the engine can veto a category the
clause gives no support to. It ships as a small gzip'ed JSON file (vocabulary terms, idf and
weights; no sentence of any policy) and this module reimplements the fitted transform exactly in
plain Python, so the service never imports scikit-learn or numpy:

    text -> prepare() -> for each vectorizer: lower-case (+ accents stripped), word or char_wb
    n-grams, counts -> sublinear tf (1 + log tf) * idf -> l2 norm; the vectors side by side
    -> per category: sigmoid(w . x + b)

`load_model().predict(["We keep your data for 5 years."])` ->
`[{"retention": 0.93, "transfer": 0.02, ...}]` (every category of `CategoryModel.categories`).
"""

from __future__ import annotations

import gzip
import json
import math
import re
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from monitor.changes import CATEGORIES

FORMAT = "policy-monitor/category-model"
FORMAT_VERSION = 1
MODEL_FILE = "categories.json.gz"
# The taxonomy categories the model speaks for ('other' is what is left when none applies).
MODEL_CATEGORIES = tuple(c for c in CATEGORIES if c != "other")

_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MD_MARKS = re.compile(r"[*_`#>|]+")
_WS = re.compile(r"\s+")
# scikit-learn's defaults, which the training script also uses: words of two or more word characters.
TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's char_wb analyzer collapses first


class CategoryModelError(ValueError):
    """The model file is missing, unreadable, or of another format."""


def prepare(text: str) -> str:
    """The text the vectorizers see, at training and at run time alike: markdown links become their
    text, URLs and e-mail addresses become one placeholder word each (a contact clause names an
    address; which one does not matter), and markdown marks and white space are folded."""
    text = _MD_LINK.sub(r" \1 ", text)
    text = _EMAIL.sub(" emailaddress ", text)
    text = _URL.sub(" webaddress ", text)
    text = _MD_MARKS.sub(" ", text)
    return _WS.sub(" ", text).strip()


def strip_accents(text: str) -> str:
    """scikit-learn's `strip_accents_unicode`, the same way."""
    try:
        text.encode("ASCII", errors="strict")
        return text
    except UnicodeEncodeError:
        normalized = unicodedata.normalize("NFKD", text)
        return "".join(c for c in normalized if not unicodedata.combining(c))


@dataclass(frozen=True)
class Vectorizer:
    """One fitted TfidfVectorizer: analyzer 'word' or 'char_wb', lowercase=True, norm='l2'."""

    analyzer: str
    ngram_range: tuple[int, int]
    strip_accents: bool
    sublinear_tf: bool
    vocabulary: dict[str, int]  # term -> column of this vectorizer
    idf: tuple[float, ...]

    def terms(self, text: str) -> list[str]:
        text = text.lower()
        if self.strip_accents:
            text = strip_accents(text)
        lo, hi = self.ngram_range
        if self.analyzer == "word":
            tokens = _token_re().findall(text)
            out = list(tokens) if lo == 1 else []
            for n in range(max(lo, 2), min(hi, len(tokens)) + 1):
                out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
            return out
        grams: list[str] = []
        for w in _WHITE_SPACES.sub(" ", text).split():
            w = " " + w + " "
            for n in range(lo, hi + 1):
                offset = 0
                grams.append(w[offset : offset + n])
                while offset + n < len(w):
                    offset += 1
                    grams.append(w[offset : offset + n])
                if offset == 0:  # a word shorter than n counts once
                    break
        return grams

    def transform(self, text: str) -> dict[int, float]:
        """Column -> tf-idf value, l2-normalized over this vectorizer's columns."""
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for term in self.terms(text):
            column = vocabulary.get(term)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        values = {
            c: ((1.0 + math.log(n)) if self.sublinear_tf else float(n)) * self.idf[c]
            for c, n in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in values.values()))
        return {c: v / norm for c, v in values.items()} if norm > 0 else {}

    def to_dict(self) -> dict[str, Any]:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "analyzer": self.analyzer,
            "ngram_range": list(self.ngram_range),
            "strip_accents": self.strip_accents,
            "sublinear_tf": self.sublinear_tf,
            "terms": terms,
            "idf": [float(v) for v in self.idf],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Vectorizer:
        terms = d["terms"]
        if d["analyzer"] not in ("word", "char_wb") or len(terms) != len(d["idf"]):
            raise CategoryModelError("category model: bad vectorizer")
        return cls(
            analyzer=d["analyzer"],
            ngram_range=(int(d["ngram_range"][0]), int(d["ngram_range"][1])),
            strip_accents=bool(d["strip_accents"]),
            sublinear_tf=bool(d["sublinear_tf"]),
            vocabulary={t: i for i, t in enumerate(terms)},
            idf=tuple(float(v) for v in d["idf"]),
        )


@lru_cache(maxsize=1)
def _token_re() -> re.Pattern[str]:
    return re.compile(TOKEN_PATTERN)


def _sigmoid(z: float) -> float:
    # scipy's expit, without overflow for large negative z
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass(frozen=True)
class CategoryModel:
    """Vectorizers whose outputs sit side by side, and one logistic regression per category.

    `weights` is flat, feature-major: the coefficients of feature i (columns of the vectorizers in
    order) for the categories are weights[i * K : (i + 1) * K] with K = len(categories), so scoring
    a text touches only the features it contains (and 8 bytes a weight in memory)."""

    categories: tuple[str, ...]
    vectorizers: tuple[Vectorizer, ...]
    weights: array  # array('d'), n_features * n_categories
    intercepts: tuple[float, ...]
    info: dict[str, Any]  # how it was trained: label counts, parameters (for the record)

    def scores(self, text: str) -> list[float]:
        """Per category, the decision value w . x + b of one text."""
        z = list(self.intercepts)
        width = len(z)
        weights = self.weights
        offset = 0
        for vectorizer in self.vectorizers:
            for column, value in vectorizer.transform(prepare(text)).items():
                start = (offset + column) * width
                for k in range(width):
                    z[k] += weights[start + k] * value
            offset += len(vectorizer.idf)
        return z

    def predict(self, texts: list[str]) -> list[dict[str, float]]:
        """For each text, {category: probability} over `categories` (independent per category: a
        clause may be about several things, or about none)."""
        return [
            {c: _sigmoid(z) for c, z in zip(self.categories, self.scores(text), strict=True)}
            for text in texts
        ]

    # -- file form ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "categories": list(self.categories),
            "vectorizers": [v.to_dict() for v in self.vectorizers],
            "weights": [
                list(self.weights[i : i + len(self.categories)])
                for i in range(0, len(self.weights), len(self.categories))
            ],
            "intercepts": list(self.intercepts),
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CategoryModel:
        if not isinstance(d, dict) or d.get("format") != FORMAT or d.get("version") != FORMAT_VERSION:
            raise CategoryModelError("category model: not a policy-monitor category model of this version")
        try:
            categories = tuple(str(c) for c in d["categories"])
            vectorizers = tuple(Vectorizer.from_dict(v) for v in d["vectorizers"])
            rows = d["weights"]
            intercepts = tuple(float(b) for b in d["intercepts"])
            if len(rows) != sum(len(v.idf) for v in vectorizers) or len(intercepts) != len(categories):
                raise CategoryModelError("category model: weights do not match the vocabulary")
            if any(len(row) != len(categories) for row in rows):
                raise CategoryModelError("category model: weights do not match the categories")
            weights = array("d", (float(w) for row in rows for w in row))
        except (KeyError, TypeError, ValueError, IndexError) as e:
            if isinstance(e, CategoryModelError):
                raise
            raise CategoryModelError(f"category model: malformed ({e})") from e
        return cls(categories, vectorizers, weights, intercepts, dict(d.get("info") or {}))

    def save(self, path: Path) -> None:
        """Write the gzip'ed JSON. Floats keep 9 significant digits (the probabilities move by far
        less than 1e-6) and the gzip header carries no time, so a rebuild gives the same bytes."""
        d = self.to_dict()
        d["weights"] = [[_round(w) for w in row] for row in d["weights"]]
        d["intercepts"] = [_round(b) for b in self.intercepts]
        for v in d["vectorizers"]:
            v["idf"] = [_round(x) for x in v["idf"]]
        raw = json.dumps(d, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0) as gz:
            gz.write(raw)

    @classmethod
    def load(cls, path: Path) -> CategoryModel:
        """Raises CategoryModelError when the file is missing, not gzip'ed JSON, or malformed."""
        try:
            with gzip.open(path, "rb") as fh:
                data = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError as e:
            raise CategoryModelError(f"category model: {path} not found") from e
        except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise CategoryModelError(f"category model: {path} is not readable gzip'ed JSON ({e})") from e
        return cls.from_dict(data)


def _round(x: float) -> float:
    return float(f"{x:.9g}")


def model_path() -> Path:
    """Where the shipped model file sits inside the installed package."""
    return Path(str(resources.files("monitor.models").joinpath(MODEL_FILE)))


@lru_cache(maxsize=1)
def load_model() -> CategoryModel:
    """The shipped model, read once per process. Raises CategoryModelError if the package lacks it."""
    return CategoryModel.load(model_path())

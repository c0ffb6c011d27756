"""A company's legal form in its abbreviated or written-out form: one name either way.

"Harlowe Payments Ltd" and "Harlowe Payments Limited", "Brindle, Inc." and "Brindle Incorporated",
"Corvane GmbH" and "Corvane Gesellschaft mit beschränkter Haftung" are one company. A recipient fact
(monitor.facts) is identified by its name with the form canonical, and monitor.same_form reads a
form written another way as a change of form, not a recipient removed and another added.

A form counts only right after a word written with a capital or a digit (a company's name): "a
limited company" or "the company" are ordinary words. A form spelled out in words ("Limited",
"Corporation") must be capitalised too; the abbreviations ("plc", "GmbH") are written either way.
"""

from __future__ import annotations

from monitor.wordscan import unaccent

# Canonical form -> the ways it is written, each as word keys (lower case, dots dropped, no accents).
LEGAL_FORMS: dict[str, tuple[tuple[str, ...], ...]] = {
    "ltd": (("ltd",), ("limited",)),
    "inc": (("inc",), ("incorporated",)),
    "corp": (("corp",), ("corporation",)),
    "co": (("co",), ("company",)),
    "llc": (("llc",), ("limited", "liability", "company")),
    "llp": (("llp",), ("limited", "liability", "partnership")),
    "lp": (("lp",), ("limited", "partnership")),
    "plc": (("plc",), ("public", "limited", "company")),
    "pty ltd": (("pty", "ltd"), ("pty", "limited"), ("proprietary", "limited"), ("proprietary", "ltd")),
    "gmbh": (("gmbh",), ("gesellschaft", "mit", "beschrankter", "haftung")),
    "ag": (("ag",), ("aktiengesellschaft",)),
    "sa": (("sa",), ("societe", "anonyme"), ("sociedad", "anonima")),
    "sarl": (("sarl",), ("sa", "rl"), ("societe", "a", "responsabilite", "limitee")),
    "bv": (("bv",), ("besloten", "vennootschap")),
    "nv": (("nv",), ("naamloze", "vennootschap")),
}
# Longest first: "Pty Ltd" before "Ltd"-less "Pty", "S.à r.l." before "S.A.".
_WRITTEN = sorted(
    ((words, canon) for canon, forms in LEGAL_FORMS.items() for words in forms), key=lambda f: -len(f[0])
)
_ABBREVIATIONS = frozenset(words[0] for words, _ in _WRITTEN if len(words) == 1 and len(words[0]) <= 4)


def form_key(token: str) -> str:
    """A word's key for matching a form: "L.L.C.," -> "llc", "S.à" -> "sa"."""
    return unaccent(token.lower()).strip(" \t,;:()\"'").replace(".", "")


def _names_before(tokens: list[str], i: int) -> bool:
    prev = tokens[i - 1].rstrip(",") if i > 0 else ""
    return bool(prev) and (prev[0].isupper() or prev[0].isdigit()) and not prev.endswith((".", ";", ":"))


def legal_form_spans(tokens: list[str]) -> list[tuple[int, int, str]]:
    """(first token, end token, canonical form) of every legal form in whitespace `tokens` that
    follows a company's name: ["Harlowe", "Payments", "Limited."] -> [(2, 3, "ltd")]."""
    keys = [form_key(t) for t in tokens]
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        hit = None
        if _names_before(tokens, i):
            for words, canon in _WRITTEN:
                if tuple(keys[i : i + len(words)]) != words:
                    continue
                spelled = words[0] not in _ABBREVIATIONS
                if spelled and not tokens[i][:1].isupper():
                    continue  # "a limited company": ordinary words
                hit = (i, i + len(words), canon)
                break
        if hit is None:
            i += 1
            continue
        out.append(hit)
        i = hit[1]
    return out


def canonical_company(name: str) -> str:
    """`name` with its legal form written canonically: "Harlowe Payments Limited" -> "Harlowe
    Payments ltd"; a name without one is returned as it is."""
    tokens = name.split()
    spans = legal_form_spans(tokens)
    if not spans:
        return name
    out: list[str] = []
    i = 0
    for start, end, canon in spans:
        out += tokens[i:start] + [canon]
        i = end
    return " ".join(out + tokens[i:])


__all__ = ["LEGAL_FORMS", "canonical_company", "form_key", "legal_form_spans"]

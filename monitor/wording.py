"""The words of an edit: names and recipients among them, periods, and the words around a change."""

from __future__ import annotations

import re

from monitor.countries import country_name, places_in
from monitor.data_items import is_data_item, modifies_data_noun
from monitor.edit import Edit
from monitor.institutions import is_institution
from monitor.normalize import COMPANY_SUFFIXES, COUNTRIES, Word, token_key, word_set
from monitor.quantities import NUMBER_PATTERN, number_value, spelled_out_with_digits
from monitor.tokens import split_sentences
from monitor.vocabulary import categories_in
from monitor.wordscan import unaccent

SMALL_WORDS = word_set("a an the and or of for to in on at by with & your our my")


DURATION = re.compile(
    rf"\b(\d+(?:[.,]\d+)?|{NUMBER_PATTERN})(?:\s*|-)(business days?|working days?|calendar days?|days?|weeks?|months?"
    r"|years?|hours?|jours?|mois|ans?|annees?|tage?n?|wochen?|monate?n?|jahre?n?|dagen|weken|maanden|jaar|jaren"
    r"|dagar|veckor|manader|ar)\b",
)


def durations_in(text: str) -> list[str]:
    """The periods of `text` as written ("six months", "30 days"), in lower case; a number written
    twice ("6 (six) months") as it is read ("6 months")."""
    low = unaccent(text.lower()) if len(text.lower()) == len(text) else text.lower()
    read = spelled_out_with_digits(low)
    return [
        " ".join((text if read[m.start() : m.end()] == low[m.start() : m.end()] else read)[m.start() : m.end()].lower().split())
        for m in DURATION.finditer(read)
    ]


def duration_days(text: str) -> list[float]:
    """The length in days of each period of `text`: "six months", "6 months" and "6 (six) months"
    are one value."""
    low = unaccent(text.lower()) if len(text.lower()) == len(text) else text.lower()
    return [number_value(m.group(1)) * _unit_days(m.group(2)) for m in DURATION.finditer(spelled_out_with_digits(low))]


def _unit_days(unit: str) -> float:
    unit = unit.split()[-1]  # "business days" counts as days
    for prefix, days in (("day", 1), ("jour", 1), ("tag", 1), ("dag", 1), ("week", 7), ("woche", 7), ("veck", 7)):
        if unit.startswith(prefix):
            return days
    if unit.startswith(("mon", "mois", "maand", "manad")):
        return 365 / 12
    if unit.startswith("hour"):
        return 1 / 24
    return 365


def is_name(w: Word, vocabulary: frozenset[str] | None) -> bool:
    t = w.text.strip(",;:()\"'")
    if not t or w.sentence_start or not t[:1].isupper():
        return False
    if any(part.isalpha() and part.islower() for part in t.split("-")[1:]):
        return False  # "Opt-out", "Self-service", "Policy-are" (a dash typed as a hyphen): not a name
    return vocabulary is None or w.key not in vocabulary or w.key in COUNTRIES


def opens_with_name(w: Word, vocabulary: frozenset[str] | None) -> bool:
    """A capitalised first word of a sentence that neither version writes in lower case."""
    return w.sentence_start and w.text[:1].isupper() and vocabulary is not None and w.key not in vocabulary


def named_runs(words: tuple[Word, ...], vocabulary: frozenset[str] | None = None) -> list[str]:
    """Runs of capitalised words (with company suffixes) among the changed words: new recipients, entities."""
    runs: list[list[str]] = []
    current: list[str] = []
    for i, w in enumerate(words):
        t = re.sub(r"[,;:\"']+$|(?<=\))\.$", "", w.text)
        nxt = words[i + 1] if i + 1 < len(words) else None
        if w.sentence_start and t[:1].isupper() and nxt is not None and is_name(nxt, vocabulary):
            current.append(t)  # "Veritrope Metrics Inc.": the first word of a name opening a sentence or row
            continue
        if t.startswith("(") != t.endswith(")"):
            t = t.strip("()")
        if not current and w.key in COMPANY_SUFFIXES and t[:1].isupper():
            current = _name_before_suffix(words, i)  # "Duration Analytics Inc.": its words are vocabulary
        if is_name(w, vocabulary) or (current and w.key in COMPANY_SUFFIXES and t[:1].isupper()):
            current.append(t)
            if re.search(r"[,;:]$", w.text):  # "... Department of Commerce, Fennick commits": two names
                runs.append(current)
                current = []
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [" ".join(r) for r in runs if r]


def _name_before_suffix(words: tuple[Word, ...], i: int) -> list[str]:
    """The capitalised words right before a company suffix (at most 4; a comma only just before it,
    as in "Acme, Inc."): a company's name, whatever the documents write in lower case elsewhere."""
    out: list[str] = []
    j = i - 1
    while j >= 0 and len(out) < 4:
        t = words[j].text
        if not t[:1].isupper() or (re.search(r"[,;:.)]$", t) and not (j == i - 1 and t.endswith(","))):
            break
        out.insert(0, t.rstrip(","))
        j -= 1
    return out


_CONNECTORS = word_set("of and for on the & de du der für")


def capitalised_spans(words: tuple[Word, ...]) -> list[str]:
    """The longest runs of capitalised words, joined by connectors ("U.S. Department of Commerce",
    "Swiss Federal Data Protection and Information Commissioner (FDPIC)"), whatever the documents
    write in lower case elsewhere: the whole name a shorter named run sits in."""
    spans: list[list[str]] = []
    current: list[str] = []
    for w in words:
        t = w.text.strip("\"'")
        if t.strip("(")[:1].isupper():
            current.append(t)
        elif current and w.key in _CONNECTORS:
            current.append(t)
            continue
        else:
            if current:
                spans.append(current)
            current = []
            continue
        if re.search(r"[.;:]$", t) and not t.rstrip(".").count("."):  # a sentence or clause ends here
            spans.append(current)
            current = []
    if current:
        spans.append(current)
    out = []
    for span in spans:
        while span and span[-1].lower() in _CONNECTORS:
            span = span[:-1]
        if span:
            out.append(" ".join(span))
    return out


def is_suffix(w: Word) -> bool:
    return w.key in COMPANY_SUFFIXES and w.text[:1].isupper()  # "Inc.", "AS", not "such as"


def names_only(edit: Edit) -> bool:
    """Every changed word is part of a name (capitalised), and at least one is a real name."""
    changed = [w for w in edit.removed + edit.added if w.key not in SMALL_WORDS]
    return (
        bool(changed)
        and all(w.text.strip("(\"'")[:1].isupper() for w in changed)
        and any(is_name(w, edit.vocabulary) for w in changed)
    )


def _ends_with_company_suffix(name: str) -> bool:
    last = name.split()[-1]
    return is_suffix(Word(last, last.lower().strip(".,;:()\"'")))


def recipient_names(
    words: tuple[Word, ...],
    vocabulary: frozenset[str] | None,
    known: frozenset[str] | None = None,
    context: str = "",
) -> str:
    """ "Veritrope Metrics Inc. (United States)": named entities, with the country they sit in.
    `known`: word keys of the old version; a name made only of them (the company itself) is not new.
    `context`: the sentences the words sit in (the edit's new text), where a name written before a
    data noun ("IP address") is read as such; without it, the words themselves."""
    spans = capitalised_spans(words)
    text = " ".join(w.text for w in words)
    sentences = " ".join(context.split()) or text
    found = places_in(text)
    # A name read as a place in its sentence is one, though alone it could be a person or a word
    # ("in Georgia (Tbilisi)", "from Jersey.": monitor.countries reads those only in context).
    in_context = {text[p.start : p.end]: p.name for p in found}

    def place_of(n: str) -> str | None:
        return country_name(n) or in_context.get(n.strip(" .,;:()"))

    names = [
        n
        for n in named_runs(words, vocabulary)
        # not "Standard Contractual Clauses"; but "Quorvex Advertising Inc." is a company
        if (not categories_in(n) or _ends_with_company_suffix(n))
        # a part of "the Swiss Federal Data Protection and Information Commissioner" is no company
        and (place_of(n) or not any(is_institution(span) for span in spans if n in span))
        and not (known is not None and all(token_key(p) in known for p in n.split()))
        # "IP" of "your IP address", "URL", "Apple ID": which data, not who receives it
        and not is_data_item(n)
        and not modifies_data_noun(n, sentences)
    ]
    # A run inside a country's official name ("People's Republic" of "the People's Republic of
    # China", "Republic" of "the Republic of Korea") is part of a place, never a company.
    places = [(text[p.start : p.end], p.name) for p in found if " " in text[p.start : p.end]]
    inside = {n: name for n in names for whole, name in places if n in whole and not place_of(n)}
    names = [inside.get(n, n) for n in names]
    names = list(dict.fromkeys(names))  # a name written twice is one recipient
    countries = [n for n in names if place_of(n)]
    entities = [n for n in names if n not in countries]
    if len(entities) == 1 and countries and countries[0] not in entities[0]:
        return f"{entities[0]} ({place_of(countries[0])})"
    return ", ".join(entities[:3])  # a country alone is where data goes, not who receives it


def sentences_naming(edit: Edit) -> str:
    """The sentences that hold the changed names (not the "contact us" line two sentences on)."""
    out = []
    for text, words in ((edit.before, edit.removed), (edit.after, edit.added)):
        names = {part for name in named_runs(words, edit.vocabulary) for part in name.split()}
        out.extend(s for s in split_sentences(text) if names & {t.strip(",;:()\"'.") for t in s.split()})
    return " ".join(out)


def words_of(text: str) -> list[Word]:
    return [Word(t, t.lower().strip(".,;:()\"'")) for t in text.split()]


def around(sentence: str, changed: tuple[Word, ...], radius: int = 5) -> str:
    """The words around the change: where the changed words occur in sequence, else around the first
    distinctive one (a lone "the" or "and" would anchor anywhere)."""
    tokens = sentence.split()
    if not changed or not tokens:
        return ""
    run = [w.text for w in changed[:3]]
    spots = [i for i in range(len(tokens) - len(run) + 1) if tokens[i : i + len(run)] == run]
    if not spots:
        distinctive = {w.text for w in changed if w.key not in SMALL_WORDS and len(w.key) > 2}
        spots = [i for i, tok in enumerate(tokens) if tok in (distinctive or {w.text for w in changed})]
    if not spots:
        return ""
    i = spots[0]
    return " ".join(tokens[max(0, i - radius) : i + len(run) + radius])

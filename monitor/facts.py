"""Named facts of a policy clause, compared as sets.

A clause says which rights people have, which data is collected, who receives it, where it goes, for
what purposes, how long it is kept, and whether it is sold. `extract_facts` turns a passage into a set
of `Fact`s with canonical values (synonyms and languages folded: "erase", "Löschung" and "be
forgotten" are all the right to `deletion`), so that `compare_facts` can say what was added or removed
("right removed: deletion", "country added: India", "retention period: 24 months -> 5 years",
"sale: 'do not sell' -> 'sell'") however the sentence around it was reworded or reordered.

Pure and cached: the text is folded once (NFKC, typography, markup, case, diacritics) and each
vocabulary table (monitor.facts_vocab) is one precompiled pattern scanned at word starts only. Negation
is scoped to the clause: "we do not sell your data to advertisers" holds the facts sale and recipient
`advertisers`, both negated. Never raises on text; unknown text simply states no facts.

Integration: `compare_facts(change.before, change.after, heading)` per changed passage; each
FactChange has a `category` (LABELING.md taxonomy), a `reason` to show, and `expands`/`severity`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from monitor import facts_vocab as V
from monitor.countries import list_heads, named_as_excluded, places_in
from monitor.data_items import is_data_item
from monitor.institutions import is_institution, names_public_body
from monitor.legal_forms import canonical_company
from monitor.normalize import COUNTRIES, display_text, word_set
from monitor.quantities import periods, preposition_before
from monitor.tokens import split_sentences
from monitor.wordscan import Scan, Table, compile_folded, unaccent

# Which taxonomy category (../shared/LABELING.md) a fact of each kind belongs to.
KIND_CATEGORY = {
    "right": "rights",
    "response": "rights",
    "retention": "retention",
    "country": "transfer",
    "recipient": "sharing",
    "sale": "sharing",
    "data": "collection",
    "purpose": "use",
}
_KIND_ORDER = list(KIND_CATEGORY)
# How a reason names each kind.
_LABEL = {"retention": "retention period", "response": "response time for requests"}
# Kinds whose positive mention widens what is done with data (so adding one is the bad news).
_EXPANSIVE_KINDS = {"country", "recipient", "sale", "data", "purpose"}


@dataclass(frozen=True)
class Fact:
    """One named fact: `kind` (see KIND_CATEGORY), canonical `value`, taxonomy `category`.

    `negated`: the clause denies it ("we do not sell", "we never share ... with advertisers").
    `days`: for periods, the length in days (inf for "indefinitely"; None for an open period)."""

    kind: str
    value: str
    category: str
    negated: bool = False
    days: float | None = field(default=None, compare=False)

    @property
    def ident(self) -> tuple[str, str]:
        """What makes two facts the same item: "24 months" and "2 years" are one period."""
        if self.days is not None and math.isfinite(self.days):
            # "at least 90 days" is not "90 days": the minimum lifts the limit
            return (self.kind, f"{'min ' if self.value.startswith('at least') else ''}{self.days:.1f}")
        # "Harlowe Payments Ltd" and "Harlowe Payments Limited" are one recipient.
        value = canonical_company(self.value) if self.kind == "recipient" else self.value
        return (self.kind, re.sub(r"[^\w]+", "", value.lower()))

    def shown(self) -> str:
        if not self.negated:
            return self.value
        if self.kind == "sale":
            return f"do not {self.value}"
        return f"no {self.value}" if self.kind == "right" else f"not {self.value}"


@dataclass(frozen=True)
class FactChange:
    """A fact added, removed, or changed (a period's length, a stance's negation).

    `expands`: the change widens what is done with data or narrows what people can do about it (a
    right removed, a recipient, country, purpose or kind of data added, a "do not sell" dropped, a
    longer period): the integrator rates it high."""

    change: str  # "added" | "removed" | "changed"
    before: Fact | None
    after: Fact | None
    reason: str
    expands: bool

    @property
    def fact(self) -> Fact:
        fact = self.after or self.before
        assert fact is not None
        return fact

    @property
    def kind(self) -> str:
        return self.fact.kind

    @property
    def category(self) -> str:
        return self.fact.category

    @property
    def severity(self) -> str:
        return "high" if self.expands else "medium"


_RIGHTS = Table([(v, p) for v, p, _ in V.RIGHTS])
_STRONG_RIGHTS = {v for v, _, strong in V.RIGHTS if strong}
_RECIPIENTS = Table(V.RECIPIENTS)
_DATA = Table(V.DATA)
_PURPOSES = Table(V.PURPOSES)
_OPEN = Table([(v, p) for v, _, p in V.OPEN_PERIODS])
_OPEN_DAYS = {v: d for v, d, _ in V.OPEN_PERIODS}
# A legal form written out (monitor.legal_forms) is matched whole, before the words it starts with.
_SPELLED_FORM = (
    r"Limited Liability (?:Company|Partnership)|Public Limited Company|Limited Partnership"
    r"|Gesellschaft mit beschr(?:ä|ae)nkter Haftung|Besloten Vennootschap|Naamloze Vennootschap"
    r"|Soci[ée]t[ée] Anonyme|Sociedad An[óo]nima|Proprietary Limited|Pty Limited"
)
_ORG_SUFFIX = (
    _SPELLED_FORM + r"|Inc\.?|Incorporated|LLC|L\.L\.C\.|Ltd\.?|Limited|Corp\.?|Corporation|GmbH|AG|S\.A\.S\.|S\.A\.|SAS"
    r"|SARL|SA|SE"
    r"|B\.V\.|BV|N\.V\.|NV|AB|ASA|plc|PLC|Oy|A/S|ApS|S\.r\.l\.|Srl|S\.p\.A\.|SpA|Pty Ltd\.?|Pty|LLP|LP|KG"
    r"|K\.K\."
)
_ORG = re.compile(
    rf"((?:(?!{_SPELLED_FORM})[A-Z][\w&'.-]*\s+(?:(?:of|&|de|du|der|für)\s+)?){{0,4}}(?!{_SPELLED_FORM})[A-Z][\w&'.-]*),?\s+"
    rf"({_ORG_SUFFIX})(?![\w])"
)
# Capitalised words in a row, joined by "of" / "and" / "for" ("Swiss Federal Data Protection and
# Information Commissioner", "UK Extension"), for finding the names of public bodies.
_CAPITALISED_RUN = re.compile(r"[A-Z][\w.'’-]*(?:\s+(?:(?:of|and|for|the|to)\s+)?[A-Z][\w.'’-]*)+")
# The user is the seller ("if you sell items from your profile", "users who sell"): no sale of data.
_USER_SELLS = re.compile(r"\b(?:you|users?|sellers?|merchants?|vendors?)(?: who| that)?(?: \w+)? $")
_NOT_NAME_START = word_set("the our its their with and including such for to by from please we your a an")
_LIST_INTRO = re.compile(
    r"\b(?:such as|including(?: but not limited to)?|e\.g\.,?|for example,?|namely|notably)\s"
)
_LIST_SPLIT = re.compile(r",|;| and | or | & |/")
# "technologies such as GPS, Bluetooth", "identifiers (e.g., IDFA)": the list names things, not receivers.
_THINGS_LISTED = re.compile(
    r"\b(?:technolog\w*|identifiers?|ids|devices?|browsers?|operating systems?|features?|sensors?)\W*$"
)
# "Acme Ltd is the representative of Acme Inc.": a contact point, and the company it stands for.
_REPRESENTED = re.compile(r"\b(?:representative|representatives|on behalf) of\s+(?:the\s+)?$", re.IGNORECASE)
_CONTACT_ROLE = re.compile(
    r",?\s+(?:is|acts as|has been appointed as|serves as)\s+(?:the\s+|our\s+|its\s+)?(?:\w+\s+){0,3}?"
    r"(?:representative|controller|data protection officer)\b",
    re.IGNORECASE,
)


_RIGHTS_CONTEXT = Scan(V.RIGHTS_CONTEXT)
_SHARING_CONTEXT = Scan(V.SHARING_CONTEXT)
_LOCATION_CONTEXT = Scan(V.LOCATION_CONTEXT)
_RETENTION_CONTEXT = Scan(V.RETENTION_CONTEXT)
_RESPONSE_CONTEXT = Scan(V.RESPONSE_CONTEXT)
_REQUEST_WORDS = Scan(V.REQUEST_WORDS)
_SALE = Scan(V.SALE_VERBS)
_SHARE_FOR_ADS = compile_folded(V.SHARE_FOR_ADS)
_DATA_WORDS = Scan(V.DATA_WORDS)
_BUSINESS_SALE = Scan(V.BUSINESS_SALE)
_SALE_AS_RIGHT = compile_folded(V.SALE_AS_RIGHT)
_NEGATION = Scan(V.NEGATION)
_CJK_NEGATION = compile_folded(V.CJK_NEGATION)
_POST_NEGATION = compile_folded(V.POST_NEGATION)
_EXCEPTION = compile_folded(V.EXCEPTION)
_CLAUSE_BREAK = compile_folded(V.CLAUSE_BREAK)
_CONDITIONAL = compile_folded(V.CONDITIONAL)
_NOT_PLACE = compile_folded(V.COUNTRY_NOT_PLACE)
_NOT_TRANSFER = compile_folded(V.COUNTRY_NOT_TRANSFER)
_OPT_OUT_OF = re.compile(r"opt(?:ing)?[- ]?out (?:of|from) [^.;]{0,100}")
_SENTENCE_CJK = re.compile(r"(?<=[。！？])")


def _fold(text: str) -> str:
    """Display text with compatibility forms folded: "２４ months" is "24 months", "ﬁles" is "files"."""
    return display_text(unicodedata.normalize("NFKC", text))


def _lower(text: str) -> str:
    """Lower case without diacritics, with the same length, so positions found in it hold in the original."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return unaccent(low)


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        for sentence in split_sentences(line):
            out.extend(s for s in _SENTENCE_CJK.split(sentence) if s.strip())
    return out


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


class _Clause:
    """One clause of a sentence (lower case) with where its negations and exceptions are."""

    def __init__(self, low: str, start: int, end: int, negations: list[int]) -> None:
        self.text = low
        self.start, self.end = start, end
        cond = _CONDITIONAL.match(low, start, end)
        # A negation inside "if you do not consent," is the reader's choice, not the policy's stance.
        self.open = cond.end() if cond else start
        self.negations = [n for n in negations if self.open < n <= end]

    def negated(self, pos: int) -> bool:
        """Whether the item at `pos` is denied: a negation before it in the clause, no exception between."""
        before = [n for n in self.negations if n <= pos]
        # A negation reaches the list it governs, not a whole paragraph-long sentence.
        if (
            before
            and pos - before[-1] <= _NEGATION_REACH
            and not _EXCEPTION.search(self.text, before[-1], pos)
        ):
            return True
        return bool(_CJK_NEGATION.search(self.text, max(self.open, pos - 6), pos))


_NEGATION_REACH = 120  # characters: "we do not sell or share your personal information with ... or ..."


def _clauses(low: str) -> list[_Clause]:
    negations = [end for _, end in _NEGATION.spans(low)]
    out, start = [], 0
    for m in _CLAUSE_BREAK.finditer(low):
        out.append(_Clause(low, start, m.start(), negations))
        start = m.end()
    out.append(_Clause(low, start, len(low), negations))
    return out


def _clause_at(clauses: list[_Clause], pos: int) -> _Clause:
    for c in clauses:
        if pos <= c.end:
            return c
    return clauses[-1]


def _fact(kind: str, value: str, negated: bool = False, days: float | None = None) -> Fact:
    return Fact(kind, value, KIND_CATEGORY[kind], negated, days)


def _table_facts(kind: str, table: Table, low: str, clauses: list[_Clause]) -> list[tuple[Fact, int]]:
    return [
        (_fact(kind, value, _clause_at(clauses, pos).negated(pos)), pos) for pos, value in table.finditer(low)
    ]


def _rights(low: str, clauses: list[_Clause], in_context: bool) -> list[Fact]:
    out = []
    for fact, pos in _table_facts("right", _RIGHTS, low, clauses):
        if not (in_context or fact.value in _STRONG_RIGHTS):
            continue
        if fact.value == "opt-out":
            # "Opt out of the sale" and "opt out of targeted advertising" are distinct rights.
            tail = re.split(r"[.;]", low[pos : pos + 110], maxsplit=1)[0]
            values = [value for word, value in V.OPT_OUT_OBJECTS if word in tail]
            for value in dict.fromkeys(values) or ["opt-out"]:
                out.append(_fact("right", value, fact.negated))
            continue
        out.append(fact)
    return out


def _sale(low: str, clauses: list[_Clause]) -> list[Fact]:
    if not _SALE.search(low) or not _DATA_WORDS.search(low) or _BUSINESS_SALE.search(low):
        return []
    text = _blank(low, _SALE_AS_RIGHT)
    # The data sold is named near the verb ("we sell your data", "personal data is never sold"), not
    # in another part of the sentence ("if you sell items ..., we use your personal data").
    data_at = [start for start, _ in _DATA_WORDS.spans(text)]
    found = [
        (start, end, "sell")
        for start, end in _SALE.spans(text)
        if any(-80 <= d - start <= 80 for d in data_at) and not _USER_SELLS.search(text[max(0, start - 30) : start])
    ]
    found += [(m.start(), m.end(), "share for targeted advertising") for m in _SHARE_FOR_ADS.finditer(text)]
    out = []
    for start, end, value in found:
        clause = _clause_at(clauses, start)
        negated = clause.negated(start) or bool(_POST_NEGATION.search(text[end : clause.end]))
        out.append(_fact("sale", value, negated))
    return out


def _periods(low: str, in_retention: bool) -> list[Fact]:
    found: list[tuple[int, str, float | None]] = [(start, shown, days) for start, _, shown, days in periods(low)]
    found += [(start, value, _OPEN_DAYS[value]) for start, value in _OPEN.finditer(low)]
    out = []
    for pos, value, days in found:
        kind = _period_kind(low, pos, in_retention)
        if kind:
            out.append(_fact(kind, value, days=days))
    return out


def _period_kind(text: str, pos: int, in_retention: bool) -> str | None:
    """A period means keeping data or answering a request, whichever the nearest words speak of. A
    period something is kept "for" is a retention period whatever else the clause names ("proof of
    consent and of your requests is kept for 3 years"); a request makes a response time only of a
    deadline ("requests are handled within 30 days")."""

    def distance(pattern: Scan) -> int:
        return min((abs(start - pos) for start, _ in pattern.spans(text)), default=10**6)

    keep, answer = distance(_RETENTION_CONTEXT), distance(_RESPONSE_CONTEXT)
    before = preposition_before(text[:pos])
    if before == "for" and (keep < 10**6 or in_retention):
        return "retention"
    if before == "within":
        answer = min(answer, distance(_REQUEST_WORDS))
    if keep < 10**6 and keep <= answer:
        return "retention"
    if answer < 10**6:
        return "response"
    return "retention" if in_retention else None


_WITH_THE = frozenset({"EEA", "EU", "United Kingdom", "United States", "Netherlands", "United Arab Emirates"})


def _countries(sentence: str, low: str, clauses: list[_Clause], heading_says: bool) -> list[Fact]:
    """Places data goes or sits: a country named near words of storing or transferring (or under a
    heading about it), not where people live ("residents of the EU") or a company is registered."""
    # A country in a company's name ("Quillmere Europe Ltd") names the company, and the recipient
    # fact reports it whole; nor is one in the name of a regulator or a transfer mechanism ("the UK
    # Information Commissioner's Office", "the UK Extension to the EU-U.S. DPF").
    names = list(_ORG.finditer(sentence))
    names += [m for m in _CAPITALISED_RUN.finditer(sentence) if names_public_body(m.group(0))]
    chars = list(_blank(low, _NOT_PLACE))
    for m in names:
        chars[m.start() : m.end()] = " " * (m.end() - m.start())
    text = "".join(chars)
    context = [start for start, _ in _LOCATION_CONTEXT.spans(text)]

    def is_place(pos: int) -> bool:
        if _NOT_TRANSFER.search(text[max(0, pos - 120) : pos]):
            return False
        return heading_says or any(-60 <= start - pos <= 100 for start in context)

    # The sentence as written (capitals tell "Turkey" from "turkey", "Jordan Reyes" from Jordan),
    # with the same names blanked.
    shown = "".join(c if t != " " else " " for c, t in zip(sentence, text, strict=True))
    places = places_in(shown)
    words = sentence.split()
    out = []
    # Each place is judged where its list starts: "to the United Kingdom of Great Britain and Northern
    # Ireland and Norway" sends data to Norway however long the names before it.
    for p, head in zip(places, list_heads(shown, places), strict=True):
        if not is_place(head):
            continue
        if shown[p.start : p.end] in V.COUNTRY_ABBREVIATIONS:
            prev = sentence[: p.start].split()[-1:] or [""]
            if len(words) > 1 and prev[0].isupper() and len(prev[0]) > 1:
                continue  # a line in capitals ("CONTACT US")
        # A negation before the list reaches all of it ("we do not transfer data to ... or Norway").
        clause = _clause_at(clauses, p.start)
        at = head if _clause_at(clauses, head) is clause else p.start
        if named_as_excluded(shown, head) or named_as_excluded(shown, p.start):
            # "countries outside the EEA": data goes anywhere but there, which is a fact of its own
            # ("country added: outside the EEA"), never the EEA as a destination.
            name = f"outside the {p.name}" if p.name in _WITH_THE else f"outside {p.name}"
            out.append(_fact("country", name, clause.negated(at)))
            continue
        out.append(_fact("country", p.name, clause.negated(at)))
    return out


def _organisations(sentence: str, low: str, clauses: list[_Clause]) -> list[Fact]:
    """Named recipients: capitalised runs ending in a company suffix, and names listed after "such as"."""
    out = []
    for m in _ORG.finditer(sentence):
        if _CONTACT_ROLE.match(sentence, m.end()) or _REPRESENTED.search(sentence, 0, m.start()):
            continue
        words = m.group(1).split()
        while words and words[0].lower() in _NOT_NAME_START:
            words = words[1:]
        if words:
            name = " ".join(words).rstrip(",") + " " + m.group(2)
            out.append(_fact("recipient", name, _clause_at(clauses, m.start()).negated(m.start())))
    intro = _LIST_INTRO.search(low)
    if intro and not _THINGS_LISTED.search(low[: intro.start()].rstrip(" (")):
        end = _clause_at(clauses, intro.end()).end
        listed = re.sub(r"\([^)]*\)", " ", sentence[intro.end() : end])
        for item in _LIST_SPLIT.split(listed):
            words = item.strip(" .:'\"").split()
            if words and words[0].lower() == "the":
                words = words[1:]
            if (
                not words
                or len(words) > 4
                or not all(w[:1].isupper() or w in ("of", "&", "for") for w in words)
            ):
                continue
            name = " ".join(words)
            lname = _lower(name)
            if (
                _RECIPIENTS.search(lname)
                or any(name[p.start : p.end] not in V.COUNTRY_ABBREVIATIONS for p in places_in(name))
                or all(w.lower().strip(".,") in COUNTRIES for w in words)  # "UK", "U.S."
                or _DATA.search(lname)
                or is_data_item(name)  # "such as UDID, URL": data items listed, not receivers
                or is_institution(name)
            ):
                continue
            if not any(f.ident == _fact("recipient", name).ident or f.value.startswith(name) for f in out):
                pos = intro.end() + max(0, listed.find(words[0]))
                out.append(_fact("recipient", name, _clause_at(clauses, pos).negated(pos)))
    return out


@lru_cache(maxsize=1024)  # passages can be long: a bounded cache of recent ones
def extract_facts(text: str, context: str = "") -> frozenset[Fact]:
    """The named facts a passage states. `context`: the heading it sits under, which lets a bare list
    entry ("India", "Advertising partners") count as a place or a recipient. Never raises on text."""
    folded = _fold(text)
    ctx = _lower(_fold(context)) if context else ""
    facts: list[Fact] = []
    for sentence in _sentences(folded):
        facts += _sentence_facts(sentence, ctx)
    return frozenset(facts)


# A sentence's facts depend on it and its heading alone: two versions of a policy share most of
# their sentences, and the facts of both whole versions are read (~65 ms each for a dev-set
# policy), so the second finds most of its sentences done.
@lru_cache(maxsize=8192)
def _sentence_facts(sentence: str, ctx: str) -> tuple[Fact, ...]:
    """The facts of one folded sentence under a heading (`ctx`: folded, lower case, or "")."""
    facts: list[Fact] = []
    low = _lower(sentence)
    clauses = _clauses(low)
    # "Kept until you request deletion" states a period, not the right to deletion.
    rights_text = low
    for start, end, _ in _OPEN.spans(low) if "until" in low else ():
        rights_text = rights_text[:start] + " " * (end - start) + rights_text[end:]
    in_context = _RIGHTS_CONTEXT.search(rights_text) or _RIGHTS_CONTEXT.search(ctx)
    facts += _rights(rights_text, clauses, bool(in_context))
    facts += _sale(low, clauses)
    facts += [f for f, _ in _table_facts("data", _DATA, low, clauses)]
    # "Opt out of targeted advertising" names a right, "share for targeted advertising" a stance.
    plain = _blank(_blank(low, _SHARE_FOR_ADS), _OPT_OUT_OF) if "advertis" in low or "opt" in low else low
    facts += [f for f, _ in _table_facts("purpose", _PURPOSES, plain, clauses)]
    if _SHARING_CONTEXT.search(low) or _SHARING_CONTEXT.search(ctx):
        facts += [f for f, _ in _table_facts("recipient", _RECIPIENTS, low, clauses)]
        facts += _organisations(sentence, low, clauses)
    if _LOCATION_CONTEXT.search(low) or _LOCATION_CONTEXT.search(ctx):
        facts += _countries(sentence, low, clauses, bool(_LOCATION_CONTEXT.search(ctx)))
    facts += _periods(low, bool(_RETENTION_CONTEXT.search(ctx)))
    return tuple(facts)


def _reason_added_removed(fact: Fact, verb: str) -> str:
    label = _LABEL.get(fact.kind, fact.kind)
    if fact.kind == "sale":
        return f"{label} {verb}: '{fact.shown()}'"
    if fact.negated:
        return f"{label} {'ruled out' if verb == 'added' else 'no longer ruled out'}: {fact.value}"
    return f"{label} {verb}: {fact.value}"


def _expands(change: str, before: Fact | None, after: Fact | None) -> bool:
    fact = after or before
    assert fact is not None
    if fact.kind in ("retention", "response"):
        if change != "changed" or before is None or after is None:
            return False
        if after.value.startswith("at least") and not before.value.startswith("at least"):
            return (after.days or 0) >= (before.days or 0)  # a fixed period became a minimum
        return (after.days if after.days is not None else math.inf) > (
            before.days if before.days is not None else math.inf
        ) or (after.days is None and before.days is not None)
    # "Positive" = the fact holds after the change and did not before.
    gained = (
        (change == "added" and not fact.negated)
        or (change == "removed" and fact.negated)
        or (change == "changed" and after is not None and not after.negated)
    )
    return gained if fact.kind in _EXPANSIVE_KINDS else not gained


def _order(f: Fact) -> tuple[int, float, str]:
    return (_KIND_ORDER.index(f.kind), f.days if f.days is not None else math.inf, f.value.lower())


def compare_facts(before: str, after: str, context: str = "") -> list[FactChange]:
    """What the named facts of `after` add to or remove from those of `before` (see FactChange).

    A fact that merely moved inside the passage, or a reworded sentence stating the same facts, gives
    nothing. Periods removed and added are paired shortest to shortest into "changed" items."""
    old, new = extract_facts(before, context), extract_facts(after, context)
    if old == new:
        return []

    def by_ident(facts: frozenset[Fact]) -> dict[tuple[str, str], dict[bool, Fact]]:
        out: dict[tuple[str, str], dict[bool, Fact]] = {}
        for f in sorted(facts, key=_order):
            out.setdefault(f.ident, {}).setdefault(f.negated, f)
        return out

    a, b = by_ident(old), by_ident(new)
    changes: list[FactChange] = []
    removed: list[Fact] = []
    added: list[Fact] = []
    for ident in sorted(set(a) | set(b), key=lambda i: _order(next(iter((a.get(i) or b[i]).values())))):
        pa, pb = a.get(ident, {}), b.get(ident, {})
        if set(pa) == set(pb):
            continue
        if len(pa) == 1 and len(pb) == 1:
            (fa,), (fb,) = pa.values(), pb.values()
            reason = f"{_LABEL.get(fa.kind, fa.kind)}: '{fa.shown()}' -> '{fb.shown()}'"
            changes.append(FactChange("changed", fa, fb, reason, _expands("changed", fa, fb)))
            continue
        removed += [f for n, f in pa.items() if n not in pb]
        added += [f for n, f in pb.items() if n not in pa]
    for kind in ("retention", "response", "opt-out"):
        # Periods pair up into one "changed" item; so does an opt-out that now says what it is from.
        gone = [f for f in removed if f.kind == kind or (kind == "opt-out" and f.value == "opt-out")]
        came = [f for f in added if f.kind == kind or (kind == "opt-out" and f.value.startswith("opt-out"))]
        if kind == "opt-out":
            gone, came = gone[: len(came)], came[: len(gone)]
        for fa, fb in zip(gone, came, strict=False):
            reason = f"{_LABEL.get(fa.kind, fa.kind)}: {fa.value} -> {fb.value}"
            changes.append(FactChange("changed", fa, fb, reason, _expands("changed", fa, fb)))
            removed.remove(fa)
            added.remove(fb)
    for fa in [f for f in removed if f.kind == "recipient"]:
        renamed = next((fb for fb in added if fb.kind == "recipient" and _renamed(fa.value, fb.value)), None)
        if renamed is not None:  # "Woo Shipping" -> "WooCommerce Shipping": the same recipient
            removed.remove(fa)
            added.remove(renamed)
    changes += [
        FactChange("removed", f, None, _reason_added_removed(f, "removed"), _expands("removed", f, None))
        for f in removed
    ]
    changes += [
        FactChange("added", None, f, _reason_added_removed(f, "added"), _expands("added", None, f))
        for f in added
    ]
    changes.sort(key=lambda c: (not c.expands, _order(c.fact)))
    return changes


def _renamed(old: str, new: str) -> bool:
    """Two names for one company or product: word for word equal or one the other's prefix ("Woo
    Shipping" / "WooCommerce Shipping"), with at least one word unchanged. "Google Analytics" and
    "Google Ads" are two products."""
    a, b = old.lower().strip("()").split(), new.lower().strip("()").split()
    if len(a) != len(b) or a == b:
        return False
    pairs = list(zip(a, b, strict=True))
    return any(x == y for x, y in pairs) and all(x.startswith(y) or y.startswith(x) for x, y in pairs)


def clear_caches() -> None:
    extract_facts.cache_clear()
    _sentence_facts.cache_clear()


__all__ = [
    "Fact",
    "FactChange",
    "KIND_CATEGORY",
    "clear_caches",
    "compare_facts",
    "extract_facts",
]

"""From one edit (changed words in their sentences) to a verdict: substantive or not, categories,
severity and a reason a person can act on.

Categories come from vocabulary (LABELING.md's taxonomy, English first, with French, German, Dutch
and Swedish terms for the main categories). Strictness: the changed words decide first; the whole
sentence only when the words themselves are neutral (a number, a negation, a name) or the sentence
is new/removed as a whole; the section heading only as a last resort.
"""

from __future__ import annotations

import re

from monitor.asides import is_pointer, is_revision_entry, is_version_line, off_topic
from monitor.changes import CATEGORIES, max_severity
from monitor.clause_numbers import (
    duration_categories,
    is_contact_number,
    is_measure,
    is_phone,
    same_quantities,
)
from monitor.countries import list_heads, named_as_excluded, places_in
from monitor.edit import Edit, Verdict
from monitor.fact_diff import edit_fact_changes
from monitor.facts import FactChange
from monitor.institutions import names_public_body
from monitor.language import word_units
from monitor.normalize import (
    COMPANY_SUFFIXES,
    COUNTRIES,
    MODALS,
    NEGATIONS,
    OBFUSCATED_EMAIL,
    QUANTIFIERS,
    Word,
    is_date_part,
    is_email,
    is_noise_edit,
    is_number,
    is_protected,
    token_key,
    word_set,
)
from monitor.reasons import explain, rate_severity
from monitor.same_form import described, without_form_changes
from monitor.tokens import split_sentences
from monitor.veto import CategoryFilter
from monitor.vocabulary import as_sources, categories_in, category_hits, dominant, mentions
from monitor.wording import (
    SMALL_WORDS,
    around,
    capitalised_spans,
    is_name,
    is_suffix,
    named_runs,
    names_only,
    opens_with_name,
    recipient_names,
    sentences_naming,
    words_of,
)

_NAV_DOC = re.compile(
    r"(?:policy|policies|notice|terms|statement|guidelines|agreement|center|centre|settings|faq|blog|careers|home|help|about us"
    r"|sitemap|press|log ?in|sign ?in|sign ?up|guest|menu|search)$",
    re.IGNORECASE,
)
def is_nav_like(text: str, topical: bool = False) -> bool:
    """A short line that reads like a menu or footer link, not like a policy statement.

    `topical`: the line sits under a heading about a privacy topic, where a short item ("Voice
    recordings", "Acme Analytics") is a list entry with meaning, unless it names another document."""
    words = text.split()
    if (
        not words
        or word_units(text) > 6
        or text.rstrip().endswith((".", ";", ":", "。", "！", "？", "；", "："))
        or any(c.isdigit() for c in text)
    ):
        return False
    if any(
        w.lower().strip(".,()") in COMPANY_SUFFIXES or w.lower().strip(".,()") in COUNTRIES for w in words
    ) or any(p.capitalised for p in places_in(text)):
        return False  # a company or a place ("Hong Kong", matched whole) is a list entry, not a link
    title_case = all(w[:1].isupper() or w.lower() in SMALL_WORDS or not w[:1].isalpha() for w in words)
    if title_case and _NAV_DOC.search(text.strip(" .")):
        return True
    if len(words) <= 4 and _PAGE_MOVE.match(text.strip()):
        return True  # "Back to top", "Skip to content": moves around the page, says nothing
    return not topical and len(words) <= 3 and not categories_in(text)


_PAGE_MOVE = re.compile(r"^(?:back|skip|go|return|jump|scroll)(?: back)? to\b", re.IGNORECASE)
_CONSENT = re.compile(
    r"\b(?:consent\w*|permission|agree\w*|opt[- ]?in|einwillig\w*|consentement|toestemming|samtycke)\b",
    re.IGNORECASE,
)
# A names-only change means something when the sentence is about which companies, products or services the
# policy covers (its scope); elsewhere a product named or dropped from a list is not a privacy change.
_SCOPE = re.compile(
    r"\b(?:compan(?:y|ies)|entit(?:y|ies)|subsidiar\w*|group|brands?|products?|apps?|applications?|websites?"
    r"|(?:policy|notice|statement) (?:applies|covers|describes)|appl(?:y|ies) to|covers?|offered as|formerly)\b",
    re.IGNORECASE,
)
# What the policy covers, said of the policy itself: "this policy also applies to ...".
_COVERAGE = re.compile(
    r"\b(?:policy|notice|statement)\b (?:(?:also|now|only|no longer|does not|doesn't|will) )?"
    r"(?:appl(?:y|ies)|covers?|governs?) (?:to )?",
    re.IGNORECASE,
)
_LIST_ENTRY_WORDS = 15
# The opt-out links California requires, by their statutory names (Cal. Civ. Code 1798.135(a)).
_OPT_OUT_LINK = re.compile(
    r"\bdo not (?:sell|share)\b[^.]{0,30}\bmy\b|\blimit the use of my\b", re.IGNORECASE
)
_CONTACT_HEADING = re.compile(
    r"contact|address|who (?:we are|is responsible)|about us|data protection officer|\bdpo\b|representative"
    r"|kontakt|adresse|verantwortlich|contactgegevens|kontaktuppgifter",
    re.IGNORECASE,
)


def heading_topic(section: tuple[str, ...]) -> list[str]:
    """Categories of the nearest heading that has one (the deepest heading speaks for the passage).
    A heading naming a role ("As a data controller") is not about how to reach the company."""
    for heading in reversed(section):
        cats = categories_in(heading)
        if "contact" in cats and not _CONTACT_HEADING.search(heading):
            cats.remove("contact")
        if cats:
            return cats
    return []


def _is_list_entry(text: str) -> bool:
    """A table row or a short list item rather than a statement: its heading gives it its meaning."""
    words = text.split()
    if "\n" in text.strip():
        return False
    return len(words) <= _LIST_ENTRY_WORDS or ("|" in text and len(words) <= 2 * _LIST_ENTRY_WORDS)


def _passage_categories(text: str, topic: list[str]) -> list[str]:
    """A whole added or removed passage: what it is mostly about, the heading breaking ties."""
    if topic and _is_list_entry(text):
        return topic
    hits = category_hits(text)
    if not hits:
        # A new sentence that extends or narrows what the policy covers (another site, app or service)
        # changes whose data it speaks of, though it names no category of the taxonomy.
        return topic[:1] or (["other"] if _COVERAGE.search(text) else [])
    top = max(hits.values())
    on_topic = [c for c in topic if c in hits]
    if on_topic:
        # The passage is about its heading's topic; another category counts only as strongly as that.
        bar = max(hits[c] for c in on_topic)
        return [c for c, n in hits.items() if c in on_topic or n >= max(2, bar)]
    return [c for c, n in hits.items() if n >= max(1, 0.34 * top)]


def _shifted(before: str, after: str) -> list[str]:
    """Categories a rewrite talks about more or less than before (the same mention on both sides is context)."""
    hb, ha = category_hits(before), category_hits(after)
    main = set(dominant(before)) | set(dominant(after))
    return [c for c in main if hb.get(c, 0) != ha.get(c, 0)]


def _focus_categories(edit: Edit, topic: list[str]) -> list[str]:
    """The categories whose meaning this edit changes (strict: see module docstring)."""
    if not edit.before or not edit.after:
        text = edit.after or edit.before
        if edit.novel == "":
            # Reworded or moved text: only what it is most about, not every topic it touches.
            return dominant(text, share=1.0) or _passage_categories(text, topic)
        return _passage_categories(edit.novel or text, topic)
    periods = duration_categories(edit, topic)
    if periods:
        return periods
    if _OPT_OUT_LINK.search(around(edit.before, edit.removed, 3) + " " + around(edit.after, edit.added, 3)):
        return ["rights"]  # "Do Not Sell [or Share] My Personal Information": what the opt-out covers
    changed = " ".join(w.text for w in edit.removed + edit.added)
    cats = categories_in(changed)
    if "collection" in cats and "collection" not in categories_in(edit.before + "\n" + edit.after):
        cats.remove("collection")  # the changed "collected" was half of "collected and processed"
    if "use" in cats and _CONSENT.search(changed) and "use" not in categories_in(_CONSENT.sub(" ", changed)):
        # A consent condition takes the category of what it is asked for: "marketing cookies only with
        # your consent" dropped is about cookies (tracking), not about a purpose of processing.
        sentence = edit.after or edit.before
        if mentions("tracking", sentence):
            cats = sorted((set(cats) - {"use"}) | {"tracking"}, key=CATEGORIES.index)
    if "contact" not in cats and any(is_phone(w) for w in edit.removed + edit.added):
        cats.append("contact")  # a number to call changed, whatever the sentence is about
    sentence_words = max(1, len((edit.before + " " + edit.after).split()) // 2)
    if len(edit.removed) + len(edit.added) >= sentence_words:  # mostly rewritten: the sentences speak
        cats = sorted(set(cats) | set(_shifted(edit.before, edit.after)))
    if cats:
        return cats
    names = named_runs(edit.removed + edit.added, edit.vocabulary)
    sentence = edit.after or edit.before
    near = around(edit.before, edit.removed) + " " + around(edit.after, edit.added)
    if names and mentions("contact", sentences_naming(edit)):
        return ["contact"]  # a different entity named as controller / at an address
    if names and names_only(edit):
        # A name added to or dropped from a list: a recipient under a recipients heading, a company
        # that serves you, the policy's scope; a product merely mentioned means nothing.
        if _inside_public_body(names, edit):
            return []  # "Department of Commerce" -> "US Department of Commerce": the same body, named fully
        recipients = [c for c in topic if c in ("sharing", "transfer")]
        if recipients:
            return recipients
        if any(is_suffix(w) for w in edit.removed + edit.added + tuple(words_of(sentence))):
            return ["sharing"] if mentions("sharing", sentence) else ["contact"]
        found = dominant(near, share=1.0) or dominant(sentence, share=1.0)
        return found or (["other"] if _SCOPE.search(sentence) else [])
    # Neutral words that carry meaning (a number, "not", a name, "publicly") take their category from
    # the words around them first, then from the whole sentence. Other words ("and", "e.g." -> "for
    # example", "is" -> "are") are editing: the sentence's topics did not change.
    if not any(_carries_meaning(w, edit) for w in edit.removed + edit.added):
        return []
    return dominant(as_sources(near), share=1.0) or dominant(as_sources(sentence), share=1.0) or topic[:1]


def _inside_public_body(names: list[str], edit: Edit) -> bool:
    """Every changed name is part of a public body's or a law's name in its sentence."""
    spans = capitalised_spans(tuple(words_of(edit.after))) + capitalised_spans(tuple(words_of(edit.before)))
    return all(any(n in span and n != span and names_public_body(span) for span in spans) for n in names)


def _carries_meaning(w: Word, edit: Edit) -> bool:
    """A changed word that changes what a sentence says about data without naming a category: a
    negation, a swapped modal or quantifier, a period or amount, a country, a stance word. A product
    or section name, a conjunction or a synonym does not."""
    if w.key in STANCE_WORDS or w.key in NEGATIONS or w.key in COUNTRIES:
        return True
    if is_number(w.key):
        return is_measure(w, edit) or is_contact_number(w, edit)
    return (w.key in MODALS or w.key in QUANTIFIERS) and _weighty(w, edit)


# Words that change what is done with data without naming a category: who can see it, whether a
# person has a choice, whether it identifies them.
STANCE_WORDS = word_set(
    "public publicly private privately optional mandatory required voluntary voluntarily explicit explicitly "
    "automatic automatically manual manually permanent permanently temporary temporarily anonymous "
    "anonymously identifiable aggregated aggregate sensitive unencrypted encrypted opt-in opt-out "
    "öffentlich freiwillig verpflichtend publiquement obligatoire facultatif openbaar verplicht offentlig frivillig"
)


NOISE_REASON = "noise: formatting, dates, typography or spelling only"


def classify_edit(edit: Edit, veto: CategoryFilter | None = None) -> Verdict:
    """The final call on one edit. `veto` (monitor.veto.Veto, or the report-level
    monitor.category_decision.Narrow) drops categories the changed clause gives no support to; None
    keeps every category the rules found. A substantive edit left with no category keeps the
    severity its candidates give (dropping a category never hides how much a change matters)."""
    formed = edit if edit.relocated or edit.chrome else without_form_changes(edit)
    if formed is not edit and not (formed.removed or formed.added):
        return Verdict(False, reason=described(edit))
    if is_noise_edit(list(formed.removed), list(formed.added), edit.before, edit.after):
        # What is left beside a change of form is noise: the change of form is what a reader is told.
        return Verdict(False, reason=described(edit) if formed is not edit else NOISE_REASON)
    edit = formed  # "don't" -> "do not" or "UK" -> "United Kingdom" beside a real change: judged without them
    if same_quantities(edit):
        said = [" ".join(w.text.strip("()[]") for w in ws).strip(" .,;:") for ws in (edit.removed, edit.added)]
        if not (said[0] and said[1]):  # "6 months" -> "6 (six) months": one side only repeats the figure
            verb = "added beside" if said[1] else "dropped from beside"
            return Verdict(False, reason=f"the same quantity written another way: {said[0] or said[1]} {verb} the same figure")
        return Verdict(False, reason=f"the same quantity written another way: {said[0]} -> {said[1]}")
    if edit.relocated:
        return Verdict(False, reason="moved: the same text exists elsewhere")
    if edit.chrome:
        return Verdict(False, reason="page chrome: a menu, link list or label run, not policy text")
    if edit.lead_in and (
        edit.removed or not any(is_protected(w.text, w.key, w.sentence_start, edit.vocabulary) for w in edit.added)
    ):  # "... including:" -> "... such as:"; but states or a "not" inserted into the lead-in change its meaning
        return Verdict(False, reason="editorial: line introducing an unchanged list")
    if off_topic(edit.before, edit.after, edit.novel):
        return Verdict(False, reason="off-topic: a passage that speaks of no data, privacy or contact")
    facts = edit_fact_changes(
        edit.before if edit.novel is None or not edit.before else edit.novel,
        edit.after if edit.novel is None or not edit.after else edit.novel,
        edit.context,
        edit.other_facts,
    )
    facts = [f for f in facts if not _known_recipient(f, edit)]
    if facts:
        return _fact_verdict(edit, facts, veto)
    if edit.novel == "":
        return Verdict(False, reason="reworded or moved: the same facts are stated elsewhere")
    changed = edit.removed + edit.added
    if (
        edit.renamed_throughout
        and edit.removed
        and edit.added
        and all(is_name(w, edit.vocabulary) or opens_with_name(w, edit.vocabulary) for w in changed)
        and not any(mentions(c, edit.before + " " + edit.after) for c in ("contact", "sharing", "transfer"))
    ):
        return Verdict(False, reason="renamed throughout the document")
    if _name_lengthened(edit):
        return Verdict(False, reason="a name written out or shortened (Woo -> WooCommerce)")
    # The section's heading speaks first; a table's header row only where no heading has a topic
    # (its column names, "Purpose", "Duration", are about the table, not about the passage).
    topic = heading_topic(edit.section) or (heading_topic((edit.table_header,)) if edit.table_header else [])
    lines = _lines(edit)
    if lines and all(is_nav_like(line, bool(topic)) or is_version_line(line) for line in lines):
        return Verdict(False, reason="navigation or page chrome")
    if lines and all(is_pointer(line) for line in lines):
        return Verdict(False, reason="a pointer to another document, not policy text")
    if lines and all(is_revision_entry(line) for line in lines):
        return Verdict(False, reason="a dated entry of the policy's revision history: the changes are in the text")
    protected = [
        w for w in edit.removed + edit.added if is_protected(w.text, w.key, w.sentence_start, edit.vocabulary)
    ]
    if (
        edit.before
        and edit.after
        and any(is_number(w.key) for w in changed)
        and all(is_number(w.key) or is_date_part(w.key) or w.key in SMALL_WORDS for w in changed)
        and not any(is_number(w.key) and (is_measure(w, edit) or is_phone(w)) for w in changed)
        and not mentions("contact", around(edit.before, edit.removed) + " " + around(edit.after, edit.added))
    ):  # a house number or postcode in an address is contact
        return Verdict(False, reason="figures only: dates or counts, not a period, age, amount or share")
    cats = _focus_categories(edit, topic)
    if not cats and names_only(edit):
        return Verdict(False, reason="names only: a product or service named, no privacy meaning")
    if not cats and not any(_weighty(w, edit) for w in protected):
        return Verdict(False, reason="no privacy meaning in the changed words")
    certain = _certain_categories(edit, topic)
    # A new country is added to the rules' categories; other certain ones only keep theirs from the veto.
    named = certain & {"transfer"}
    if "sharing" in (cats or ()) and "recipient" in NAMED_KINDS and recipient_names(
        edit.added, edit.vocabulary, edit.old_words, edit.after
    ):
        named = named | {"sharing"}  # a company added to who receives the data
    cats = sorted(set(cats or ["other"]) | named, key=CATEGORIES.index)
    clause = changed_clause(edit)
    candidates = tuple(cats)
    if veto is not None:
        cats = sorted(set(veto.apply(cats, certain, clause)) | named, key=CATEGORIES.index)
    countries = new_countries(edit)
    severity = "high" if countries and "transfer" in cats else rate_severity(edit, cats or list(candidates))
    reason = explain(edit, cats)
    if countries and "transfer" in cats and not reason.startswith("new recipient"):
        reason = f"country added: {', '.join(countries)}"
    cats, named = _recipient_is_sharing(reason, cats, named)
    return Verdict(
        True,
        tuple(cats),
        severity,
        reason,
        candidates=candidates,
        certain=tuple(sorted(certain)),
        clause=clause,
        named=tuple(sorted(named)),
        topical=_topical(edit, candidates, certain),
    )


def _topical(edit: Edit, candidates: tuple[str, ...], certain: set[str]) -> tuple[str, ...]:
    """The candidates a rewording mentions equally often on both sides and whose words are not among
    the changed ones (see Verdict.topical); () for text added or removed whole."""
    if not edit.before or not edit.after:
        return ()
    changed = categories_in(" ".join(w.text for w in edit.removed + edit.added))
    before, after = category_hits(edit.before), category_hits(edit.after)
    return tuple(
        c for c in candidates if c not in certain and c not in changed and before.get(c, 0) == after.get(c, 0) > 0
    )


# Facts whose category no veto or report decision drops: a country added to where data goes, a
# company added to who receives it. On the dev pairs (CV) keeping these costs 3 of 195 predicted
# categories in precision (0.807 -> 0.795); a new recipient reported without "sharing" is the miss
# a reader would not forgive. Rights and retention periods cost more and are left to the decision.
NAMED_KINDS = frozenset({"country", "recipient"})
# Grouped CV on the dev pairs (bench/eval_devset.py), categories P/R/F1 with the decision: the main
# topic alone (1.0) 0.814/0.735/0.773; 0.5: 0.817/0.749/0.782; 0.2 (and 0.1, 0.0): 0.815/0.758/0.786.
PASSAGE_SHARE = 0.2
_FACT_REASONS = 3  # a reason names this many fact changes at most, the widening ones first
# Reasons the rules word more precisely than a list of facts (a period with its own units, a
# recipient with its country, a dropped negation quoted in full).
_SPECIFIC_REASON = re.compile(r"^(?:retention period|response time|period|new recipient|negation dropped|right )")


def _recipient_is_sharing(reason: str, cats: list[str], named: set[str]) -> tuple[list[str], set[str]]:
    """A reason that announces a new recipient reports sharing, wherever the recipient sits: a
    processor added in a non-EU country is a transfer and a disclosure (README: "a new recipient
    is reported as sharing")."""
    if not re.search(r"(?:^|; )(?:new recipient|recipient added):", reason):
        return cats, named
    return sorted(set(cats) | {"sharing"}, key=CATEGORIES.index), named | {"sharing"}


def _known_recipient(change: FactChange, edit: Edit) -> bool:
    """A recipient "added" whose every word the old version already used (the company itself)."""
    if change.kind != "recipient" or change.change != "added" or edit.old_words is None:
        return False
    return all(token_key(p) in edit.old_words for p in change.fact.value.split())


def _fact_verdict(edit: Edit, facts: list[FactChange], veto: CategoryFilter | None) -> Verdict:
    """A named fact added or removed is substantive: its category is certain, its reason names it
    ("right removed: deletion"), and a change that widens processing or narrows rights is high."""
    certain = {f.category for f in facts} | ({"transfer"} if new_countries(edit) else set())
    # Beside the facts, only what the changed words themselves say: the sentence around a named fact
    # mentions other topics in passing.
    if edit.before and edit.after:
        rules = categories_in(" ".join(w.text for w in edit.removed + edit.added))
    else:
        # A whole passage with a named fact: every topic it gives real space to (a fifth of its main
        # one's mentions, PASSAGE_SHARE), and its heading's topic where it speaks of it. A new
        # biometric-data paragraph says what is collected, why, and for how long; the report-level
        # decision (monitor.category_decision) keeps those the evidence supports.
        text = edit.novel or edit.after or edit.before
        mentioned = categories_in(text)
        rules = dominant(text, share=PASSAGE_SHARE) + [c for c in heading_topic(edit.section) if c in mentioned]
    clause = changed_clause(edit)
    candidates = sorted(certain | set(rules), key=CATEGORIES.index)
    named = (certain & {"transfer"}) | {f.category for f in facts if f.kind in NAMED_KINDS}
    cats = (
        sorted(set(veto.apply(candidates, certain, clause)) | named, key=CATEGORIES.index)
        if veto is not None
        else candidates
    )
    severity = (
        "high" if any(f.expands for f in facts) else max_severity([rate_severity(edit, cats or candidates), "medium"])
    )
    reasons = explain(edit, cats)
    # A sale stance flipped is said as such in every language ("sale: 'do not sell' -> 'sell'").
    if not _SPECIFIC_REASON.match(reasons) or any(f.kind == "sale" for f in facts):
        reasons = "; ".join(f.reason for f in facts[:_FACT_REASONS])
        if len(facts) > _FACT_REASONS:
            reasons += f" (+{len(facts) - _FACT_REASONS} more)"
    # Not a country the reason names already, as the recipient's ("Mixpanel Inc. (USA)").
    said = {p.name for p in places_in(reasons)}
    countries = [c for c in new_countries(edit) if c not in said] if "transfer" in cats else []
    if countries and not any(f.kind == "country" for f in facts) and "country added" not in reasons:
        reasons = f"country added: {', '.join(countries)}; {reasons}"  # why the change is a transfer
    cats, named = _recipient_is_sharing(reasons, cats, named)
    return Verdict(
        True,
        tuple(cats),
        severity,
        reasons,
        candidates=tuple(candidates),
        certain=tuple(sorted(certain)),
        clause=clause,
        named=tuple(sorted(named)),
    )


def _name_lengthened(edit: Edit) -> bool:
    """Every changed word is a name replaced by a longer or shorter form of itself, in place ("Woo
    Shipping" -> "WooCommerce Shipping"): the same product or company, written out."""
    if not edit.removed or len(edit.removed) != len(edit.added):
        return False
    lengthened = False
    for a, b in zip(edit.removed, edit.added, strict=True):
        x, y = a.key.strip(".,;:()"), b.key.strip(".,;:()")
        if x == y:
            continue  # "Woo Shipping, Woo" -> "WooCommerce Shipping, WooCommerce": the diff took "Shipping" along
        if not (is_name(a, edit.vocabulary) and is_name(b, edit.vocabulary)) or min(len(x), len(y)) < 3:
            return False
        if not (x.startswith(y) or y.startswith(x)) or not (x.isalpha() and y.isalpha()):
            return False
        lengthened = True
    return lengthened


def changed_clause(edit: Edit) -> str:
    """The text the model judges: the sentences the changed words sit in (a passage's novel part)."""
    if edit.before and edit.after:
        return edit.before + "\n" + edit.after
    return edit.novel or edit.after or edit.before


def _certain_categories(edit: Edit, topic: list[str]) -> set[str]:
    """Categories the changed words name themselves: a changed period, an e-mail address, a country
    that data now goes to."""
    certain = set(duration_categories(edit, topic))
    if any(is_email(w.key) or is_phone(w) for w in edit.removed + edit.added if w.key != OBFUSCATED_EMAIL):
        certain.add("contact")
    if new_countries(edit):
        certain.add("transfer")
    return certain


# Words of a clause that sends or keeps data somewhere: a country named in it is where data goes.
_DATA_FLOW = re.compile(
    r"\b(?:shar\w*|transfer\w*|disclos\w*|stor\w*|host\w*|process\w*|sen[dt]\w*|provid\w*|sell\w*|kept|keep\w*"
    r"|servers?|data cent\w*|recipients?|partners?|vendors?|providers?|processors?)\b",
    re.IGNORECASE,
)


def new_countries(edit: Edit) -> list[str]:
    """Countries the edit adds to a clause about sending, storing or processing data that the old
    version names nowhere ("with Brightlytics Inc. in India").

    Names are matched whole in the new text (monitor.countries), not word by word among the added
    words: "United" is known from "United Kingdom", yet "United States" is new, and "States" alone
    is no country."""
    if not edit.added or not _DATA_FLOW.search(edit.after):
        return []
    added = {w.key for w in edit.added}
    known = edit.old_words or frozenset()
    out: list[str] = []
    # The country must sit in a sentence that moves or keeps data, not in an address or a complaint.
    for line in edit.after.split("\n"):
        for x in split_sentences(line):
            if not _DATA_FLOW.search(x) or mentions("contact", x) or mentions("rights", x):
                continue
            places = places_in(x)
            for p, head in zip(places, list_heads(x, places), strict=True):
                keys = {token_key(t) for t in x[p.start : p.end].split()}
                if not p.capitalised or p.name in ("EU", "Europe") or not keys & added:
                    continue  # "turkey" the bird; the EU is where the law is, not a transfer
                if named_as_excluded(x, head) or named_as_excluded(x, p.start):
                    continue  # "countries outside the EEA": not where data goes
                if p.name in (edit.old_version.places if edit.old_version is not None else ()):
                    continue
                if edit.old_version is None and keys <= known:
                    continue  # no whole old version at hand: its words are all it gives
                out.append(p.name)
    return list(dict.fromkeys(out))


def _weighty(w: Word, edit: Edit) -> bool:
    """A protected word that changes meaning on its own, where no category names what changed.

    A negation always does; a modal or quantifier when it is swapped ("will" -> "may", "all" ->
    "some"), not when it sits inside a whole new clause; a number only as a period, an age, an
    amount or a share. A name, a date or a bare figure (a count of requests in a yearly report)
    says nothing about personal data by itself."""
    if not (edit.before and edit.after):
        return False  # a whole passage without privacy vocabulary: no category, no meaning
    if w.key in NEGATIONS:
        return True
    if w.key in MODALS or w.key in QUANTIFIERS:
        return len(edit.removed) <= 3 and len(edit.added) <= 3
    if is_number(w.key):
        return is_measure(w, edit)
    return False


def _lines(edit: Edit) -> list[str]:
    """The changed lines (blocks) of the edit, each judged on its own for menu-likeness."""
    out = []
    for text in (edit.before, edit.after):
        out.extend(line for line in text.split("\n") if line.strip())
    return out


__all__ = ["Edit", "Verdict", "categories_in", "classify_edit", "heading_topic", "is_nav_like", "MODALS", "QUANTIFIERS"]

"""Wording that changed form but not meaning, taken out of an edit before it is judged.

Two forms of one wording compare as equal here:
- a contraction and its full form: "do not" / "don't" / "don’t", "cannot" / "can't" / "can not",
  "will not" / "won't", "is not" / "isn't", "we are" / "we're", "we will" / "we'll", "it is" /
  "it's" (straight or typographic apostrophe: monitor.normalize.token_key folds them);
- one country or region by another of its names: "United Kingdom" / "UK" / "U.K." / "Great
  Britain", "United States (of America)" / "US" / "U.S." / "USA", "European Union" / "EU" / "E.U."
  (the canonical names of monitor.countries, which the facts read too).

Each side of an edit is read as a sequence of canonical word keys (a contraction as its full
words, a country name as one key); the words that differ only in the plain reading are the form
changes. "We do not sell" -> "We don't sell" leaves nothing changed; "We sell" -> "We don't sell"
keeps "don't", whose "do not" is new in either reading, so a negation added or removed still counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from monitor.countries import Place, places_in
from monitor.edit import Edit
from monitor.legal_forms import LEGAL_FORMS, form_key, legal_form_spans
from monitor.normalize import Word, token_key
from monitor.worddiff import key_diff

# Contractions whose stem is not the full form's first word.
_IRREGULAR = {
    "can't": ("can", "not"),
    "cannot": ("can", "not"),
    "won't": ("will", "not"),
    "shan't": ("shall", "not"),
}
# "'re", "'ll", "'ve", "'m", "'d" after a personal pronoun; "'s" only after the words where it is
# "is" (never a possessive: "the company's" stays one word).
_PRONOUNS = frozenset(["i", "you", "we", "they", "he", "she", "it"])
_SUFFIXES = {"re": "are", "ll": "will", "ve": "have", "m": "am", "d": "would"}
_FORM_WORDS = frozenset(word for forms in LEGAL_FORMS.values() for words in forms for word in words) - {"a"}
_IS_AFTER = frozenset(["it", "that", "there", "here", "what", "who", "he", "she", "where"])


def full_form(key: str) -> tuple[str, ...]:
    """The words a (lower-case, straight-apostrophe) word key stands for: ("do", "not") for
    "don't", ("we", "are") for "we're", ("let", "us") for "let's"; (key,) for any other word."""
    if key in _IRREGULAR:
        return _IRREGULAR[key]
    if "'" not in key:
        return (key,)
    if key.endswith("n't") and len(key) > 3:
        return (key[:-3], "not")  # "don't", "isn't", "doesn't", "wouldn't"
    stem, _, tail = key.rpartition("'")
    if stem == "let" and tail == "s":
        return ("let", "us")
    if tail == "s" and stem in _IS_AFTER:
        return (stem, "is")
    if tail in _SUFFIXES and stem in _PRONOUNS:
        return (stem, _SUFFIXES[tail])
    return (key,)


def canonical_keys(text: str) -> tuple[list[str], list[str], list[tuple[int, ...]]]:
    """(plain keys, canonical keys, the plain keys each canonical key stands for) of `text`'s
    whitespace words.

    Plain keys are monitor.normalize.token_key's (a word of punctuation only is left out); canonical
    keys write contractions in full and each country named in the text as one key, which stands for
    every word of the name ("United Kingdom" -> "United States" changes both words)."""
    tokens = text.split()
    starts, pos = [], 0
    for tok in tokens:
        pos = text.index(tok, pos)
        starts.append(pos)
        pos += len(tok)
    capitals = any(t[:1].isupper() for t in tokens)
    places = [p for p in places_in(text) if p.capitalised] if capitals else []
    place_words: list[list[int]] = [[] for _ in places]  # token indices of each place
    place_of: dict[int, int] = {}
    for k, p in enumerate(places):
        for i, s in enumerate(starts):
            if s < p.end and s + len(tokens[i]) > p.start and i not in place_of:
                place_of[i] = k
                place_words[k].append(i)
    # A company's legal form ("Ltd" / "Limited") is one key, read as a place is.
    for first, end, canon in legal_form_spans(tokens) if capitals else []:
        if any(i in place_of for i in range(first, end)):
            continue
        places.append(Place(starts[first], starts[end - 1] + len(tokens[end - 1]), f"form:{canon}", True))
        place_words.append(list(range(first, end)))
        for i in range(first, end):
            place_of[i] = len(places) - 1
    plain_at: dict[int, int] = {}  # token index -> plain index
    plain: list[str] = []
    for i, tok in enumerate(tokens):
        key = token_key(tok)
        if key:
            plain_at[i] = len(plain)
            plain.append(key)
    canon: list[str] = []
    owner: list[tuple[int, ...]] = []
    for i, tok in enumerate(tokens):
        if i not in plain_at:
            continue
        k = place_of.get(i)
        if k is None:
            for part in full_form(plain[plain_at[i]]):
                canon.append(part)
                owner.append((plain_at[i],))
            continue
        p, words = places[k], place_words[k]
        head = token_key(tok[: max(0, p.start - starts[i])]) if i == words[0] else ""
        tail = token_key(tok[max(0, p.end - starts[i]) :]) if i == words[-1] else ""
        name = f"\x00{p.name}" if i == words[0] else ""
        for part, own in ((head, (plain_at[i],)), (name, tuple(plain_at[w] for w in words if w in plain_at)), (tail, (plain_at[i],))):
            if part:
                canon.append(part)
                owner.append(own)
    return plain, *_one_per_place(canon, owner)


_JOINS = frozenset(["and", "&", "or"])


def _one_per_place(canon: list[str], owner: list[tuple[int, ...]]) -> tuple[list[str], list[tuple[int, ...]]]:
    """Canonical keys with an article before a place taken into the place ("the United Kingdom" /
    "Great Britain"), and a place listed twice in a row under one name taken as one ("Great Britain
    and Northern Ireland" is the United Kingdom, once)."""
    keys: list[str] = []
    owns: list[tuple[int, ...]] = []
    for k, own in zip(canon, owner, strict=True):
        if k.startswith("\x00") and keys and keys[-1] == "the":
            keys.pop()
            own = owns.pop() + own
        if k.startswith("\x00") and len(keys) >= 2 and keys[-2] == k and keys[-1] in _JOINS:
            keys.pop()
            own = owns.pop() + own
            owns[-1] = owns[-1] + own
            continue
        keys.append(k)
        owns.append(own)
    return keys, owns


def _form_only(before: str, after: str) -> tuple[Counter[str] | None, Counter[str]]:
    """Keys of the words of each side that differ in the plain reading but not in the canonical one
    (None, when the two sides read the same canonically: every changed word changed form only)."""
    (p_old, c_old, o_old), (p_new, c_new, o_new) = canonical_keys(before), canonical_keys(after)
    if c_old == c_new:
        return None, Counter()  # no word diff needed: the two read the same
    plain_old, plain_new = _changed(p_old, p_new)
    canon_old, canon_new = _changed(c_old, c_new)
    still_old = {x for i in canon_old for x in o_old[i]}
    still_new = {x for j in canon_new for x in o_new[j]}
    return (
        Counter(p_old[i] for i in plain_old if i not in still_old),
        Counter(p_new[j] for j in plain_new if j not in still_new),
    )


def _changed(a: list[str], b: list[str]) -> tuple[list[int], list[int]]:
    """Indices of the keys of `a` removed and of `b` added by a word diff."""
    gone: list[int] = []
    came: list[int] = []
    i = j = 0
    for op, count in key_diff(a, b):
        if op < 0:
            gone.extend(range(i, i + count))
        elif op > 0:
            came.extend(range(j, j + count))
        i += count if op <= 0 else 0
        j += count if op >= 0 else 0
    return gone, came


def _without(words: tuple[Word, ...], keys: Counter[str]) -> tuple[Word, ...]:
    left = Counter(keys)
    out = []
    for w in words:
        if left[w.key] > 0:
            left[w.key] -= 1
            continue
        out.append(w)
    return tuple(out)


def _may_change_form(edit: Edit) -> bool:
    """A changed word can be half of a form change: one side of a contraction pair is always the
    contraction ("don't", "cannot"; not "the company's"); a country's name is written with capitals."""
    changed = edit.removed + edit.added
    if any(len(full_form(w.key)) > 1 for w in changed):
        return True
    if any(form_key(w.text) in _FORM_WORDS and (w.text[:1].isupper() or len(w.key) <= 4) for w in changed):
        return True  # "Ltd" -> "Limited"
    capitals = {w.key for w in changed if w.text[:1].isupper()}
    return bool(capitals) and any(
        capitals & {token_key(t) for t in text[p.start : p.end].split()}
        for text in (edit.before, edit.after)
        for p in places_in(text)
        if p.capitalised
    )


def without_form_changes(edit: Edit) -> Edit:
    """`edit` with the changed words that only changed form taken out of `removed` and `added`
    (both may end up empty: the edit then says what it said). A wholly added or removed passage is
    returned as it is: it has no other wording to be compared with."""
    if not (edit.before and edit.after and (edit.removed or edit.added)) or not _may_change_form(edit):
        return edit  # the common edit: no contraction, no country named among its changed words
    gone, came = _form_only(edit.before, edit.after)
    if gone is None:
        return replace(edit, removed=(), added=())  # the same canonical words: every change is of form
    if not gone and not came:
        return edit
    return replace(edit, removed=_without(edit.removed, gone), added=_without(edit.added, came))


def _runs(indices: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in indices:
        if out and out[-1][-1] == i - 1:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def _worded(text: str) -> list[str]:
    """The whitespace words of `text` that have a key, as written (edge punctuation off)."""
    return [t.strip(" .,;:!?()\"'") for t in text.split() if token_key(t)]


def described(edit: Edit) -> str:
    """ "the same wording in another form: do not -> don't": what changed form in an edit, each
    pair of wordings once ("do not" twice in a passage is said once), named for what it is: a country
    by another of its names, a company's legal form, or other wording."""
    (p_old, c_old, o_old), (p_new, c_new, o_new) = canonical_keys(edit.before), canonical_keys(edit.after)
    w_old, w_new = _worded(edit.before), _worded(edit.after)
    if c_old == c_new:
        # Read the same: pair the wordings of each canonical key written differently, whole
        # ("Macedonia" -> "North Macedonia", not "..." -> "North").
        differ = [k for k in range(len(c_old)) if [p_old[i] for i in o_old[k]] != [p_new[j] for j in o_new[k]]]
        groups = _runs(differ)
        old_runs = [sorted({i for k in g for i in o_old[k]}) for g in groups]
        new_runs = [sorted({j for k in g for j in o_new[k]}) for g in groups]
    else:
        gone, came = _changed(p_old, p_new)
        old_runs, new_runs = _runs(gone), _runs(came)
    pairs: list[str] = []
    for k in range(max(len(old_runs), len(new_runs))):
        a = " ".join(w_old[i] for i in old_runs[k]) if k < len(old_runs) else "..."
        b = " ".join(w_new[i] for i in new_runs[k]) if k < len(new_runs) else "..."
        if f"{a} -> {b}" not in pairs:
            pairs.append(f"{a} -> {b}")
    said = "; ".join(pairs) or "..."
    if any(p.capitalised for text in (edit.before, edit.after) for p in places_in(text)) and all(
        (a == "..." or places_in(a)) and (b == "..." or places_in(b))
        for a, _, b in (pair.partition(" -> ") for pair in pairs)
    ):
        return f"the same country by another name: {said}"
    if pairs and all(
        legal_form_spans(("X " + a).split()) or legal_form_spans(("X " + b).split())
        for a, _, b in (pair.partition(" -> ") for pair in pairs)
    ):
        return f"the same company name in another form: {said}"
    return f"the same wording in another form: {said}"


__all__ = ["canonical_keys", "described", "full_form", "without_form_changes"]

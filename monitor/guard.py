"""Failed-capture detection: a new version that is not a policy change but a broken capture.

A capture that is empty, a login, consent or captcha gate, a page without policy content, cut off
mid-sentence, in another language than the last version, or that lost most of its text would
otherwise be reported as a huge policy change (or, on the first check, stored as the policy). The
service calls `assess` before storing any version, the first one included, so it must stay quiet
on ordinary pages: policies often end with an address, a date or a list item without a full stop,
short policies exist, policies mention the CAPTCHA on their forms, and policies are written in
every language and script.

Problems are of two kinds (`Problem.relative`):
- intrinsic: the page alone shows it is not a policy (empty, a gate, no policy content). Only an
  operator can overrule it (`policy-monitor accept`).
- relative: judged against the last version (lost most of its text, cut off, another language).
  A page cut off before its closing tags is told from its markup, not its text: monitor.cutoff.
  A capture that repeats unchanged is not a glitch: the checker accepts it as the new version
  after `checker.ACCEPT_AFTER` identical captures, with a note to the ops target. Not so a
  capture that also does not read as a privacy policy (it names its subject rarely, and shares
  little with the last version: a maintenance page with headings): repetition shows the site
  changed for good, not that the page is the policy, so that problem is intrinsic (`_another_text`).
  Nor a short capture whose title or first heading says it is a maintenance, outage or error page
  ("Scheduled maintenance", "503 Service Unavailable": monitor.service_notice), however much it
  speaks of privacy: intrinsic too, on the first capture as on any other (`_out_of_service`).

What is a policy is judged from general evidence, not from phrases: how much of the page is
prose (blocks of several words), and how many headed sections hold prose. A gate (login form,
consent dialog, bot check, region picker) has little prose and no section structure; a policy,
even a short one, has several sections of prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from monitor.counts import count
from monitor.document import Block, Document, Section
from monitor.language import (
    american_spelling,
    base_language,
    english_variant,
    has_unspaced_script,
    word_units,
)
from monitor.normalize import word_set
from monitor.service_notice import notice_title
from monitor.tokens import tokenize_block

NEAR_EMPTY_WORDS = 40  # below this, no page is a usable privacy policy (word units, any script)
LOST_TEXT_RATIO = 0.5  # losing more than this share of the words in one step is a capture failure
PROSE_BLOCK_UNITS = 8  # a block of at least this many words is prose; shorter ones are labels...
PROSE_SENTENCE_UNITS = 4  # ...unless they are a sentence of at least this many words
POLICY_SECTIONS = 4  # a policy has at least this many headed sections holding prose,
POLICY_SECTION_PROSE = 150  # or one fewer and this much prose in all,
POLICY_PROSE = 400  # or this much prose without headings (a long unstructured policy)
GATE_MAX_PROSE = 200  # a page with less prose than this and no headed prose section has no policy content
GATE_MAX_PARAGRAPHS = 5  # ...and says it in at most this many paragraphs (a dialog, a form)
LABEL_PAGE_PROSE_SHARE = 0.5  # a short page whose text is mostly labels (links, names) is a picker or menu
RECUT_SHARED_WORDS = 0.8  # a capture sharing this share of its words with a policy version is that policy
NOT_POLICY_MAX_WORDS = 1500  # a long page without privacy wording is unusual enough to leave alone
POLICY_WORDS_MIN = 3  # a text that reads as a policy names its subject at least this often,
POLICY_WORDS_PER = 80  # and at least once per this many words
UNLIKE_SHARED_WORDS = 0.5  # a capture sharing less than this share of its words with the last version is another text
NOTICE_MAX_WORDS = 500  # a page titled as a maintenance or error page is one when it is this short (or shrank)
NOTICE_REASON = "titled as a maintenance or error page"

# What a wall asks of the visitor. It only decides when the page is not policy-shaped: a policy
# that explains the reCAPTCHA on its sign-up form mentions these words too.
_WALL = re.compile(
    r"captcha|are you a robot|verify (?:that )?you are (?:a )?human|checking your browser|attention required"
    r"|access denied|enable (?:javascript and )?cookies to continue|please (?:log|sign) ?in to continue"
    r"|sign in to (?:continue|view)|log in to (?:continue|view)|just a moment\.\.\.|request blocked|unusual traffic",
    re.IGNORECASE,
)
# A policy page names its subject somewhere; a homepage or error page captured instead does not.
# Only applied to pages in a language listed in _WORDING_LANGUAGES (or of no clear language): a
# policy in any other language is never refused for lacking these words.
_POLICY_WORDS = re.compile(
    r"privacy|personal|\bdata\b|policy|terms|cookie"
    r"|données|confidentialité|personnelles"  # fr
    r"|datenschutz|daten\b|personenbezogen"  # de
    r"|persoonsgegevens|gegevens|privacybeleid"  # nl
    r"|personuppgift|integritet"  # sv
    r"|privacidad|datos personales|privacidade|dados pessoais"  # es, pt
    r"|riservatezza|dati personali"  # it
    r"|prywatno|dane osobowe|danych osobowych"  # pl
    r"|osobní údaj|osobných údaj|ochrana soukrom"  # cs, sk
    r"|persondata|personopplysning|henkilötie|tietosuoja"  # da, no, fi
    r"|kişisel veri|gizlilik"  # tr
    r"|персональн|конфиденциальн|персональних|конфіденційн"  # ru, uk
    r"|個人情報|プライバシー|个人信息|個人資料|個人資訊|隐私|隱私|개인정보",  # ja, zh, ko
    re.IGNORECASE,
)
_WORDING_LANGUAGES = word_set("en fr de nl sv es pt it pl cs sk da no nb nn fi tr ru uk ja zh ko")

# Words that cannot end a sentence: a block ending on one of them was cut.
_DANGLING = word_set(
    "the a an and or of to for with in on at by from that which as our your their its is are was be we you "
    "this these those such any all if when than into about le la les des du de et ou pour avec dans "
    "der die das und oder für mit von zu den het een en voor met van och eller för med av till"
)


@dataclass(frozen=True)
class Problem:
    """Why a capture is suspect. `relative` problems are judged against the last version and may
    be accepted by repetition; intrinsic ones only by an operator."""

    reason: str
    relative: bool = False


@dataclass(frozen=True)
class Shape:
    """How much of a document is prose, and how it is divided: the evidence for "is a policy"."""

    prose_units: int  # word units in blocks of at least PROSE_BLOCK_UNITS
    prose_sections: int  # headed sections holding at least one prose block
    body_units: int  # word units in all blocks
    prose_blocks: int = 0  # blocks of at least PROSE_BLOCK_UNITS

    @property
    def policy_like(self) -> bool:
        return (
            self.prose_sections >= POLICY_SECTIONS
            or (self.prose_sections >= POLICY_SECTIONS - 1 and self.prose_units >= POLICY_SECTION_PROSE)
            or self.prose_units >= POLICY_PROSE
        )

    @property
    def gate_like(self) -> bool:
        """Little prose and no section structure: a form, a dialog, a list of links (a region
        picker: mostly short labels). A short notice of sentences under one heading is not: it
        is a policy, however brief."""
        if self.prose_units >= GATE_MAX_PROSE or self.prose_sections > 1:
            return False
        if self.prose_units < self.body_units * LABEL_PAGE_PROSE_SHARE:
            return True
        # A dialog says its piece in a few paragraphs; a policy whose headings were not marked up
        # as such (questions in buttons, bold lines) still has many.
        return self.prose_sections == 0 and self.prose_blocks <= GATE_MAX_PARAGRAPHS


_SENTENCE_END = re.compile(r"[.!?\u3002\uff01\uff1f\u0964][\"'\u201d\u2019)\]\u300d\u300f]*$")


def _is_prose(text: str, units: int) -> bool:
    """A sentence or more: a long block, or a short one that ends like a sentence ("We do not
    sell your data."); labels (menu items, names, buttons) do neither."""
    return units >= PROSE_BLOCK_UNITS or (units >= PROSE_SENTENCE_UNITS and _SENTENCE_END.search(text) is not None)


def shape(doc: Document) -> Shape:
    prose_units = prose_sections = body_units = prose_blocks = 0
    for section, units in zip(doc.sections, doc.block_units, strict=True):
        prose = [u for u, b in zip(units, section.blocks, strict=True) if _is_prose(b.text, u)]
        prose_units += sum(prose)
        prose_blocks += len(prose)
        body_units += sum(units)
        if section.path and prose:
            prose_sections += 1
    return Shape(prose_units, prose_sections, body_units, prose_blocks)


def _last_block(doc: Document) -> Block | None:
    for section in reversed(doc.sections):
        if section.blocks:
            return section.blocks[-1]
    return None


def _blocks(doc: Document) -> list[Block]:
    return [b for s in doc.sections for b in s.blocks]


def _cut_against_old(new: Document, old: Document) -> bool:
    """The new text stops partway through a block the old version had in full."""
    last = _last_block(new)
    if last is None:
        return False
    text = last.text.rstrip()
    if len(text.split()) < 3:
        return False
    if text[-1] in ".!?;:)\"'":
        return False
    for block in _blocks(old):
        if len(block.text) > len(text) and block.text.startswith(text):
            rest = block.text[len(text) :]
            # Mid-word ("for au|thority"), or several more words of the same sentence followed.
            if rest[0].isalnum() or len(rest.split()) >= 3:
                return True
    return False


def _cut_alone(new: Document) -> bool:
    """Without the old version, only the unmistakable case: a long paragraph ending on a word that
    cannot end a sentence ("... kept for the")."""
    last = _last_block(new)
    if last is None or last.kind == "row":
        return False
    words = last.text.split()
    if len(words) < 12:
        return False
    tail = words[-1]
    return tail.isalpha() and tail.islower() and tail in _DANGLING


SAME_LANGUAGE_SHARED_WORDS = 0.5  # share of the new version's distinct words the old one also uses


def language_change(new: Document, old: Document) -> str | None:
    """"en -> de" when the two versions are clearly in different languages or locale variants
    (zh-Hans -> zh-Hant); None when they agree or either is unclear."""
    # Versions that share most of their paragraphs word for word are in the same language; this
    # spares the detector on nearly every comparison.
    new_blocks = {b.text for s in new.sections for b in s.blocks}
    old_blocks = {b.text for s in old.sections for b in s.blocks}
    if 2 * len(new_blocks & old_blocks) >= len(new_blocks):
        return None
    # The en-GB and en-US pages of one policy share their words but not their spelling; served in
    # turn by a geo-routing site, each would read as a rewrite of the other.
    # A rewrite that also changes its spelling is a rewrite: the switch needs the old paragraphs back
    # once both are spelled alike.
    variants = english_variant(old.text), english_variant(new.text)
    if None not in variants and variants[0] != variants[1]:
        old_spelled = {american_spelling(t) for t in old_blocks}
        if 2 * sum(american_spelling(t) in old_spelled for t in new_blocks) >= len(new_blocks):
            return f"{variants[0]} -> {variants[1]}"
    # A rewrite in the same language shares its function words with the old text; a translation
    # shares only names and numbers. A detector's guess on a short page with foreign names ("nb"
    # for English naming Tromsø) must not call a rewrite a language switch. Scripts without
    # spaces are left to the detector: their word keys are characters.
    if not (has_unspaced_script(new.text[:2000]) or has_unspaced_script(old.text[:2000])):
        mine = _word_keys(new)
        if mine and len(mine & _word_keys(old)) >= SAME_LANGUAGE_SHARED_WORDS * len(mine):
            return None
    a, b = old.language, new.language
    if a is None or b is None or a == b:
        return None
    if base_language(a) == base_language(b) and ("-" not in a or "-" not in b):
        return None  # one side's variant is unknown ("zh" against "zh-Hans"): no evidence of a switch
    return f"{a} -> {b}"


def _intrinsic(new: Document, old: Document | None = None) -> str | None:
    """What the page alone shows; `old` only spares a re-cut of a real policy version (see below)."""
    words = new.word_count
    form = shape(new)  # its body_units are the word units of all blocks, counted once for both
    if new.is_empty() or form.body_units == 0:
        return "empty document"
    if words < NEAR_EMPTY_WORDS:
        return f"near-empty document ({count(words, 'word')})"
    if not form.policy_like and _WALL.search(new.text) and not _recut_of_policy(new, old):
        return "looks like a login or captcha wall"
    if (
        words <= NOT_POLICY_MAX_WORDS
        and not _POLICY_WORDS.search(new.text)
        and base_language(new.language) in _WORDING_LANGUAGES | {None}
    ):
        return f"does not look like a policy page ({count(words, 'word')}, no privacy wording)"
    if form.gate_like and not _recut_of_policy(new, old):
        return f"does not look like a policy page ({count(words, 'word')}, little prose and no sections)"
    return None


def _word_keys(doc: Document) -> set[str]:
    return {w[1] for b in _blocks(doc) for w in tokenize_block(b.text).words}


def _recut_of_policy(new: Document, old: Document | None) -> bool:
    """`new` says mostly what a policy-shaped `old` said: the same policy with its headings lost
    (markup changed), not a gate, whose text has little in common with the policy it hides."""
    if old is None or old.is_empty() or not shape(old).policy_like:
        return False
    mine = _word_keys(new)
    return bool(mine) and len(mine & _word_keys(old)) >= RECUT_SHARED_WORDS * len(mine)


def assess(new: Document, old: Document | None = None) -> Problem | None:
    """None when `new` looks like a real policy page (and, given `old`, a plausible next version
    of it), else the problem. Pure; never raises on any Document."""
    reason = _intrinsic(new, old)
    if reason:
        return Problem(reason)
    problem = relative_problem(new, old)
    if problem is not None and old is not None and _another_text(new, old):
        # Repetition shows the site changed for good, not that what it now serves is the policy: a
        # maintenance or error page with headings repeats as faithfully as a shorter policy does.
        hits, words = count(policy_word_hits(new.text), "policy word"), count(new.word_count, "word")
        return Problem(f"{problem.reason} and does not read as a privacy policy ({hits} in {words})")
    notice = _out_of_service(new, old, problem)
    if notice:
        # Intrinsic: a maintenance page served unchanged for days is still not the policy.
        return Problem(notice)
    return problem


def _out_of_service(new: Document, old: Document | None, problem: Problem | None) -> str | None:
    """Why `new` is a maintenance, outage or error page, when its title or first heading says so
    (monitor.service_notice) and it is short: at most `NOTICE_MAX_WORDS` words, or it lost more
    than `LOST_TEXT_RATIO` of `old`'s words. None otherwise. The reason opens with the same words
    with or without `old`, so an operator's acceptance of one such page covers the next
    (`accepted_kind`)."""
    title = notice_title(new)
    if title is None:
        return None
    words = new.word_count
    old_words = old.word_count if old is not None and not old.is_empty() else 0
    lost = bool(old_words) and words < old_words * (1 - LOST_TEXT_RATIO)
    if words > NOTICE_MAX_WORDS and not lost:
        return None
    detail = f"{title!r}, {count(words, 'word')}"
    if problem is not None and problem.relative:
        detail += f", {problem.reason}"
    elif lost:
        detail += f", lost {round(100 * (old_words - words) / old_words)}% of its text"
    return f"{NOTICE_REASON} ({detail})"


def policy_word_hits(text: str) -> int:
    """How often `text` names a policy's subject (privacy, personal data, ... in the languages of
    `_POLICY_WORDS`)."""
    return sum(1 for _ in _POLICY_WORDS.finditer(text))


def _another_text(new: Document, old: Document) -> bool:
    """`new` does not read as a privacy policy and shares little with `old`: not the policy shrunk
    or rewritten but some other page. A policy, however short, names its subject again and again;
    a page that mentions "your data is safe" once does not. Pages in a language without such
    wording in `_POLICY_WORDS` are never judged so."""
    if base_language(new.language) not in _WORDING_LANGUAGES | {None}:
        return False
    hits = policy_word_hits(new.text)
    if hits >= POLICY_WORDS_MIN and hits * POLICY_WORDS_PER >= new.word_count:
        return False
    mine = _word_keys(new)
    return not mine or len(mine & _word_keys(old)) < UNLIKE_SHARED_WORDS * len(mine)


def relative_problem(new: Document, old: Document | None) -> Problem | None:
    """The problems of `new` judged against `old` only (see `assess`)."""
    if old is not None and not old.is_empty():
        if _cut_against_old(new, old) or _cut_alone(new):
            return Problem("cut off mid-sentence", relative=True)
        switch = language_change(new, old)
        if switch:
            return Problem(f"language changed ({switch}): another rendering of the page, not a change", True)
        old_words = old.word_count
        words = new.word_count
        if old_words and words < old_words * (1 - LOST_TEXT_RATIO) and not _sections_removed(new, old):
            lost = round(100 * (old_words - words) / old_words)
            return Problem(f"lost {lost}% of its text", relative=True)
    elif _cut_alone(new):
        return Problem("cut off mid-sentence", relative=True)
    return None


def _sections_removed(new: Document, old: Document) -> bool:
    """`new` is `old` with whole sections taken out of its middle: every section of `new` stands in
    `old` under the same heading with the same words or fewer, nearly all the lost text was in whole
    sections (a table of contents may lose their lines), and `old`'s last section survives. A
    capture that failed loses its end, or text at random; an edit that drops the cookie section
    leaves everything else as it was."""
    if not new.sections or not old.sections or new.sections[-1].path != old.sections[-1].path:
        return False
    old_by_heading = {s.path: s for s in old.sections}
    if len(old_by_heading) != len(old.sections) or len(old.sections) <= len(new.sections):
        return False  # repeated headings cannot be matched by name; nothing whole was removed
    lost_inside = 0
    for section in new.sections:
        before = old_by_heading.get(section.path)
        if before is None or not _words_of(section) <= _words_of(before):
            return False
        lost_inside += max(0, _units(before) - _units(section))
    lost = sum(_units(s) for s in old.sections) - sum(_units(s) for s in new.sections)
    return lost > 0 and lost_inside <= WHOLE_SECTIONS_SHARE * lost


def _words_of(section: Section) -> set[str]:
    return {w[1] for b in section.blocks for w in tokenize_block(b.text).words}


def _units(section: Section) -> int:
    return sum(word_units(b.text) for b in section.blocks)


WHOLE_SECTIONS_SHARE = 0.1  # at most this share of the lost words may come from sections that stayed


# What the caller has decided to accept as a version despite the guard: "relative" problems (a
# capture that repeated unchanged) or "all" (an operator's `accept`). Set only around the
# comparison that reports the accepted version, so its changes are classified as for any version.
_ACCEPTING: ContextVar[str] = ContextVar("guard_accepting", default="")


@contextmanager
def accepting(what: str = "relative") -> Iterator[None]:
    """Within the block, `capture_problem` passes the problems being accepted ("relative" or "all")."""
    if what not in ("relative", "all"):
        raise ValueError(f"accepting({what!r}): expected 'relative' or 'all'")
    token = _ACCEPTING.set(what)
    try:
        yield
    finally:
        _ACCEPTING.reset(token)


def accepted_kind(current: Document, problem: Problem) -> bool:
    """Whether the current version itself has the intrinsic problem `problem` names: an operator
    accepted a page of that kind as the policy (`policy-monitor accept`), so later captures of
    the same kind are judged only against it."""
    mine = assess(current)
    return mine is not None and not mine.relative and _kind(mine.reason) == _kind(problem.reason)


def _kind(reason: str) -> str:
    return reason.split(" (")[0]


def capture_problem(new: Document, old: Document | None = None) -> str | None:
    """None when `new` looks like a real policy page, else a short reason (see `assess`)."""
    problem = assess(new, old)
    if problem is None:
        return None
    mode = _ACCEPTING.get()
    if mode == "all" or (mode == "relative" and problem.relative):
        return None
    return problem.reason


# -- redirects ---------------------------------------------------------------------------------


def _path(url: str) -> str:
    return unquote(urlsplit(url).path).rstrip("/") or "/"


def redirect_problem(requested: str, final: str) -> str | None:
    """A redirect away from the watched page to a gate, judged from the addresses alone:
    the final address carries the watched one as a return parameter (`/login?next=/privacy`,
    `/consent?continue=https://site/privacy`): the site will send the visitor back once they
    have signed in or chosen; or a deep page redirected to the site's home page (the page is
    gone). A policy that moved for good (`/privacy` -> `/legal/privacy-policy`) is neither."""
    if not final or final == requested:
        return None
    want, got = urlsplit(requested), urlsplit(final)
    want_path, got_path = _path(requested), _path(final)
    if want_path == got_path and want.netloc == got.netloc:
        return None
    for _, value in parse_qsl(got.query, keep_blank_values=False):
        value = unquote(value).strip()
        if not value:
            continue
        back = urlsplit(value)
        back_path = (unquote(back.path).rstrip("/") or "/") if back.path else ""
        if back_path == want_path and want_path != "/" and (not back.netloc or back.netloc == want.netloc):
            return f"redirected to {got_path} (a gate that returns to the watched page)"
    if want_path != "/" and got_path == "/":
        return "redirected to the site's home page"
    return None

"""A page whose title says it is not the page asked for: maintenance, unavailable, an error.

A site down for maintenance often still answers 200 with a page of its own, and a polite one
speaks of the visitor's privacy ("Our privacy policy is temporarily unavailable ... your personal
data is safe"), under headings: it reads enough like a short policy to pass `monitor.guard`'s
shape and wording tests. What gives it away is what it calls itself: its <title> or its first
heading ("Scheduled maintenance", "We'll be back soon", "503 Service Unavailable"). A policy is
never titled so. `monitor.guard.assess` uses this only for a page that is also short (on its
own, or against the last version), so a long page under a stray title is left alone.

The title is what the extractor kept (`Document.title`: a lone opening <h1>, else the first part
of <title>) and the first heading of the page, as either may carry the notice.
"""

from __future__ import annotations

import re

from monitor.document import Document

TITLE_MAX_WORDS = 10  # a title longer than this is a sentence, not a page's name

# What a maintenance, outage or error page calls itself. Anchored on phrases, not on single
# words that a policy's heading may use ("maintenance of records", "data not found").
_NOTICE = re.compile(
    r"^maintenance\W*$|\b(?:scheduled|planned|under|undergoing|down for|site|system|server|ongoing|emergency)"
    r" maintenance\b|\bmaintenance (?:mode|in progress|window|notice|break)\b"
    r"|\bwe(?:'|\u2019)?ll be (?:right )?back\b|\bwe will be back\b|\bbe right back\b|\bback (?:very )?soon\b"
    r"|\b(?:temporarily|currently) (?:unavailable|down|offline|closed|out of service)\b"
    r"|\b(?:service|site|website|page|server) (?:is )?(?:temporarily )?(?:unavailable|down|offline)\b"
    r"|^unavailable\b|\bout of service\b|\bunder construction\b"
    r"|^(?:http )?(?:error )?(?:5\d\d|404|410)\b|\b(?:5\d\d|404|410) (?:error|not found|gone)\b"
    r"|\bbad gateway\b|\bgateway time-?out\b|\binternal server error\b|\bpage not found\b|^not found\b"
    r"|^(?:an )?error\b|\ban error (?:has )?occurred\b|\bsomething went wrong\b"
    # fr, de, nl, es, pt, it, pl
    r"|\ben (?:cours de )?maintenance\b|\bindisponible\b|\bpage introuvable\b"
    r"|\bwartungsarbeiten\b|\bwartungsmodus\b|\bnicht (?:erreichbar|verfügbar)\b|\bseite nicht gefunden\b"
    r"|\bonderhoud\b|\bniet beschikbaar\b|\ben mantenimiento\b|\bno disponible\b|\bpágina no encontrada\b"
    r"|\bem manutenção\b|\bindisponível\b|\bin manutenzione\b|\bnon disponibile\b|\bprzerwa techniczna\b",
    re.IGNORECASE,
)


def notice_title(doc: Document) -> str | None:
    """The document's title or first heading when it names a maintenance, outage or error page
    ("Down for maintenance", "503 Service Unavailable"), else None. Pure; never raises."""
    first_heading = next((s.path[0] for s in doc.sections if s.path), "")
    for name in (doc.title, first_heading):
        if name and len(name.split()) <= TITLE_MAX_WORDS and _NOTICE.search(name):
            return name
    return None

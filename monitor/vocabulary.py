"""Category vocabulary: the words by which a passage mentions each category of the change taxonomy.

The categories are those of ../shared/LABELING.md (monitor.changes.CATEGORIES). English first, with
French, German, Dutch and Swedish terms for the main categories. Patterns match lower-cased text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from monitor.changes import CATEGORIES
from monitor.normalize import COUNTRIES

CATEGORY_PATTERNS: dict[str, str] = {
    "retention": r"\bretain|retention|\bretained|\bkept\b|\bkeeps? (?!(?:you|track)\b)[^.]{0,40}?\b(?:for|until|as long)\b"
    r"|as long as|how long|storage period|stored for|\bstores? (?!(?:you|track)\b)[^.]{0,50}?\b(?:for|until)\b"
    r"|delete[sd]? (?:it |them |your \w+ )?(?:after|within|once|when)|automatically deleted|anonymi[sz]|pseudonymi[sz]"
    r"|conserv|durée de conservation|aufbewahr|speicher(?:n|t|ung|dauer)|gelöscht|löschen|bewaar|bewaren|bewaartermijn"
    r"|lagras|lagrar|sparas|sparar|gallras|raderas",
    "transfer": r"\btransfer(?:s|red|ring)? (?:of )?(?:your |personal |the |such |this )?(?:data|information)|international(?:ly)? transfer"
    r"|outside (?:of )?(?:the )?(?:eea|eu|european|uk|united kingdom|switzerland|your country)|cross-border"
    r"|standard contractual|\bsccs?\b|adequacy|privacy shield|data privacy framework|\bdpf\b"
    r"|(?:stored|processed|hosted|located) (?:and processed )?(?:in|on servers in) (?:the )?(?:{places})\b"
    r"|servers? (?:located )?in|third countr|binding corporate"
    r"|transfert|pays tiers|hors de l.union|übermittl|drittland|drittländer|doorgifte|buiten de eer|överför|tredjeland",
    "rights": r"(?:your|data subject|privacy|consumer|individual|additional|following|these|such)s?.? rights(?! reserved)|rights (?:under|to|of|regarding)|(?<!reserves the )(?<!reserve the )right (?:to|of) (?!change|modify|update|amend|adjust|revise|alter|terminate|refuse|use|suspend)"
    r"|request (?:access|a copy|deletion|correction|that we)|rectif|correct (?:your|inaccurate)"
    r"|erasure|\berase|delete your|deletion of your|portab|object to|objection|restrict|withdraw|opt[- ]?out|unsubscribe"
    r"|complain|supervisory authority|data protection authority|\bico\b|\bappeal|verify your identity|respond to (?:your )?requests?"
    r"|dsar|subject access|exercise|droit|réclamation|effacement|opposition|recht auf|auskunft|berichtigung|widerspruch|beschwerde"
    r"|recht op|inzage|bezwaar|klacht|rätt att|rättelse|invändning|klagomål",
    "sharing": r"{you_share}\bshar(?:e|es|ed|ing)\b(?! (?:settings|preferences|options|controls)\b)|{notices}disclos|third[- ]part|sub-?processor|processors?\b|service providers?|affiliat|partners?\b"
    r"|vendors?\b|\bsell|\bsold\b|sale of|recipient|law enforcement|public authorit|government|provide (?:it|them|your|personal)[^.]{0,30}\bto"
    r"|independent controller|joint controller|partag|communiqu|destinataire|sous-traitant|weitergabe|weitergeben|empfänger"
    r"|auftragsverarbeiter|dritte|verkop|verkauf|säljer|\bdelen\b|gedeeld|ontvanger|verwerker|derden|\bdela\b|delar|mottagare|personuppgiftsbiträde|tredje part",
    "collection": r"collect|gather|obtain|we receive|information (?:that )?you (?:provide|give|submit|share)|shar(?:e|es|ed|ing) (?:\w+ ){0,3}?with us\b|(?:from|other|third[- ]party|public\w*) sources"
    r"|biometric|voice|recordings?\b|(?:precise |approximate )?location (?:data|information)|geolocation|contacts? list"
    r"|device (?:information|identifiers?|data)|ip address|identifiers?\b|categories of (?:personal )?(?:data|information)"
    r"|date of birth|tax id|salary|income|health data|photos?\b|screen content|recueill|erheb|erfass|sammeln|verzamel|samla",
    # "ai" only as a word: ".ai" ends a web address (quillo.ai), which names no use of AI.
    "use": r"\bus(?:e|es|ed|ing)\b (?:(?:your|this|the|such|that|these) )?(?:personal |)(?:data|information)|\bus(?:e|es|ed|ing) (?:it|them)\b|{purpose}purposes?\b|legal bas|lawful bas|legitimate interest"
    r"|consent|performance of (?:a |the )?contract|profil|automated decision|marketing|advertising|targeting|personali[sz]"
    r"|\btrain(?:ing|ed)?\b|machine learning|artificial intelligence|(?<!\.)\bai\b(?!\.[a-z])|\bllms?\b|\bmodels?\b|improve|research|analy[sz]e"
    r"|finalité|utilis|base légale|intérêt légitime|zweck|verwend|rechtsgrundlage|berechtigte|\bdoel|gebruik|grondslag"
    r"|gerechtvaardigd|ändamål|använd|rättslig grund|berättigat intresse",
    "tracking": r"cookie|pixel|web beacon|beacons?\b|\bsdks?\b"
    r"|(?:web|site|website|google|adobe|third[- ]party|mobile|app|usage|advertising) analytics"
    r"|analytics (?:cookies?|tools?|tags?|scripts?|sdks?|providers?|services|technolog\w*|partners?|software)|tracking technolog|track(?:s|ed)? (?:you|your|users|visitors)"
    r"|cross-(?:site|device) tracking|do not track|local storage|fingerprint|advertising id|traceur|témoin|kakor",
    "security": r"\bsecurity\b|securely|secure (?:your|the|personal|our)|encrypt|breach|safeguard|unauthori[sz]ed|iso ?27|soc ?2|vulnerab"
    r"|penetration test|firewall|access controls?|sécurité|chiffr|sicherheit|verschlüssel|beveilig|versleutel|säkerhet|krypter",
    "children": r"\bchild|minors?\b|under (?:the age of )?1[0-9]|age of 1[0-9]|years of age|parental|\bparents?\b(?! company)|legal guardian"
    r"|\bkids?\b|teen|coppa|family safety|enfant|mineur|kinder|minderjährig|eltern|kinderen|minderjarig|\bbarn\b|minderårig"
    r"|förälder|vårdnadshavare",
    "contact": r"(?:is|are) (?:the|your) (?:joint )?(?:data )?controllers?|(?<!independent )(?<!joint )(?:data )?controllers? (?:is|are|for|of your|responsible)|controller:|data protection officer|\bdpo\b|registered office|(?:eu|uk|our|data protection|gdpr|swiss|appointed|legal) representative|representatives? (?:for|in|of) (?:data protection|privacy|gdpr|the (?:eu|uk|european union|eea|european economic area))|authori[sz]ed agent|postal address"
    r"|mailing address|our address|headquarter|(?<!e-mail )(?<!email )\baddress:|representatives? appointed"
    r"|[\w.+-]+@[\w-]+\.[\w.]+|\b\d+[a-z]? [A-Z]\w+ (?:st|street|ave|avenue|road|rd|blvd|boulevard|lane|way|drive|square|place)\b"
    r"|\b(?:suite|ste|unit|flat|apt|apartment|building|bldg)\.? \d+|\b\d+(?:st|nd|rd|th)? floor\b|responsable du traitement|délégué|verantwortliche?r?\b|datenschutzbeauftragt|anschrift"
    r"|verwerkingsverantwoordelijke|functionaris|personuppgiftsansvarig|dataskyddsombud",
    "changes": r"(?:changes?|updates?|modif\w*|amend\w*) (?:to )?(?:this|our|the) (?:privacy )?(?:policy|notice|statement)"
    r"|(?:update|change|revise|modify|amend) (?:this|our|the) (?:privacy )?(?:policy|notice|statement)|notify you"
    r"|material changes?|take[sn]? effect|becomes? effective|(?:policy|notice|statement) (?:is|will be|shall be) effective"
    r"|effective (?:upon|immediately|for)|prior notice|advance notice|modification de la|änderung|wijziging|ändring",
}
# Where data sits says "transfer" only with a place: "processed in the portal" is not one.
_PLACES = "|".join(sorted((re.escape(c) for c in COUNTRIES), key=len, reverse=True))
_PLACES += r"|united kingdom|data cent(?:er|re)s?|(?:other|multiple|several|different) (?:countries|jurisdictions|regions)"
CATEGORY_PATTERNS["transfer"] = CATEGORY_PATTERNS["transfer"].replace("{places}", _PLACES)
# What the person shares is what they give (collection) or publish, not a disclosure by the company:
# "information you choose to share with us", "you can share videos". Fixed-width lookbehinds, one a
# phrasing. And "disclosures" that name a notice ("additional privacy disclosures for California
# residents", "state-specific privacy disclosures") are a document, not data handed to anyone.
_YOU_SHARE = "".join(
    f"(?<!\\byou {v})" for v in ("", "choose to ", "decide to ", "want to ", "wish to ", "elect to ", "may ", "can ",
                                 "might ", "could ")
)
_NOTICES = "".join(f"(?<!{w} )" for w in ("privacy", "additional", "supplemental", "specific", "state"))
CATEGORY_PATTERNS["sharing"] = (
    CATEGORY_PATTERNS["sharing"].replace("{you_share}", _YOU_SHARE).replace("{notices}", _NOTICES)
)
# "Purpose" in a definition or an interpretation clause ("for the purposes of this section",
# "for the purpose of applying this policy") says how the text is read, not why data is processed.
_DEFINITIONAL = (
    r"(?! of (?:applying |interpreting |construing )?(?:this |these |that |the )?(?:privacy )?"
    r"(?:policy|notice|statement|section|paragraph|clause|terms|agreement|article|definition)s?\b)"
)
CATEGORY_PATTERNS["use"] = CATEGORY_PATTERNS["use"].replace("{purpose}purposes?\\b", "purposes?\\b" + _DEFINITIONAL)


# Matched against lower-cased text: Python's re is several times slower with IGNORECASE on the long
# passages a rewritten section produces.
PATTERNS = {c: re.compile(p.replace("[A-Z]", "[a-z]")) for c, p in CATEGORY_PATTERNS.items()}


def mentions(category: str, text: str) -> bool:
    return PATTERNS[category].search(text.lower()) is not None


# "collect and use" names processing as a whole (a legal basis, a purpose), not a new collection.
_PROCESSING_PAIR = re.compile(
    r"\bcollect(?:s|ed|ing|ion)?,? (?:and|or) (?:to )?(?:use|uses|used|using|process\w*)\b", re.IGNORECASE
)


# Data received from partners or third parties names where it comes from (collection), not whom it
# goes to: "we receive tachograph data from our partners" is no sharing.
_SOURCE = re.compile(
    r"\b(?:receiv\w*|obtain\w*|collect\w*|gets?|got|gather\w*)\b(?P<data>[^.;:]{0,60}?)\bfrom (?:[\w-]+ ){0,3}?"
    r"(?:third[- ]part(?:y|ies)|partners?|affiliates?|service providers?|vendors?|processors?)\b",
    re.IGNORECASE,
)


_WE_RECEIVE = re.compile(
    r"\bwe (?:(?:also|may|might|can|could|will|only|sometimes|never|do|does|not|no longer|don't|don’t) )+receive",
    re.IGNORECASE,
)


def as_sources(text: str) -> str:
    """`text` with data received from partners said as received "from sources", and "we do not /
    also / may receive" as "we receive": what the words around a changed negation or modal speak of
    is collection, not sharing (monitor.classify reads the words around a change through this)."""
    if "receiv" not in text.lower():
        return text
    return _WE_RECEIVE.sub("we receive", _SOURCE.sub(lambda m: f"received{m.group('data')}from sources", text))


def category_hits(text: str) -> dict[str, int]:
    return dict(_hits(text))


@lru_cache(maxsize=4096)
def _hits(text: str) -> tuple[tuple[str, int], ...]:
    text = _PROCESSING_PAIR.sub("use", text).lower()
    hits = []
    for c in CATEGORIES:
        if c in PATTERNS:
            n = len(PATTERNS[c].findall(text))
            if n:
                hits.append((c, n))
    return tuple(hits)


def clear_caches() -> None:
    _hits.cache_clear()


def categories_in(text: str) -> list[str]:
    text = _PROCESSING_PAIR.sub("use", text).lower()
    return [c for c in CATEGORIES if c in PATTERNS and PATTERNS[c].search(text)]


def dominant(text: str, share: float = 0.34) -> list[str]:
    """Categories a passage is mostly about: a long added paragraph mentions many things in passing."""
    hits = category_hits(text)
    if not hits:
        return []
    top = max(hits.values())
    return [c for c, n in hits.items() if n >= max(1, share * top)]

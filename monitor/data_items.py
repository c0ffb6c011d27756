"""Capitalised words that name a kind of data, not a party: "IP" of "IP address", "GPS" of "GPS
location", "UDID". A run of capitalised words is read as a company by its shape alone
(monitor.wording, monitor.facts); these tell the names of data items apart, so that "we collect your
IP address" never announces a new recipient "IP".

Two rules, the general one first: a name written right before a common data noun ("IP address",
"SIM card", "API key", "Wi-Fi network") modifies that noun; and a name whose last word is itself a
data noun ("Apple ID", "IP Address" in a title-case table) is the item. A short list covers the
acronyms that stand alone as data items ("URL", "IDFA"), which no shape gives away.
"""

from __future__ import annotations

import re

from monitor.normalize import COMPANY_SUFFIXES, word_set

# Nouns a data item ends in. Not "account", "cookies" or "services": "your Quorvex account" and
# "Quorvex cookies" are said of the company that then receives the data.
DATA_NOUNS = word_set(
    "address addresses number numbers identifier identifiers id ids data location locations coordinates "
    "card cards key keys settings setting network networks code codes token tokens information info details "
    "signal signals strength name names string strings header headers log logs history serial"
)
# A data noun that ends a capitalised name makes the name a data item ("Apple ID", "IP Address").
# Narrower than DATA_NOUNS: "Data", "Network" and "Location" end company names ("Veritrope Data").
_ITEM_HEADS = word_set("id ids address addresses number numbers identifier identifiers")
# Acronyms that name an identifier, a locator or a protocol on their own.
TECHNICAL_TERMS = word_set(
    "ip url urls uri udid uuid idfa idfv aaid gaid imei imsi meid iccid msisdn ssid bssid mac gps gnss "
    "wi-fi wifi wlan bluetooth nfc sim esim api apis sdk sdks http https dns vpn cpu os "
    "pin otp ssn iban bic cvv cvc vin ean isbn"
)
_EDGE = ".,;:()\"'"


def _key(token: str) -> str:
    return token.strip(_EDGE).lower()


def is_data_item(name: str) -> bool:
    """`name` (a run of capitalised words) names a kind of data: a lone technical acronym ("URL",
    "IDFA"), or a name ending in a data noun ("Apple ID"). A company ("Acme Data Inc.") never is."""
    words = [_key(w) for w in name.split() if _key(w)]
    if not words or words[-1] in COMPANY_SUFFIXES:
        return False
    if all(w in TECHNICAL_TERMS for w in words):
        return True
    return len(words) > 1 and words[-1] in _ITEM_HEADS


def modifies_data_noun(name: str, text: str) -> bool:
    """Every time `name` stands in `text` it is written right before a data noun in lower case ("IP
    address", "GPS location", "SIM card number"): it says which data, not who receives it. A name
    that also stands alone ("Quorvex data ... we send it to Quorvex") is a party. False when `text`
    does not hold the name, or the name ends in a company suffix."""
    words = name.split()
    if not words or _key(words[-1]) in COMPANY_SUFFIXES:
        return False
    # The name as whole words; a punctuation mark after it ("IP," or "Quorvex.") ends the phrase.
    spots = list(re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?=\s|$)", text))
    if not spots:
        return False
    for m in spots:
        following = text[m.end() :].split(maxsplit=1)
        noun = following[0] if following else ""
        if not noun[:1].islower() or _key(noun) not in DATA_NOUNS:
            return False
    return True

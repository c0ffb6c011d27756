"""Names of data items ("IP address", "GPS location", "UDID") are never announced as recipients."""

from collections.abc import Collection, Sequence

import pytest

from monitor.classify import Edit, classify_edit
from monitor.diff import compare
from monitor.document import Document, DocumentBuilder
from monitor.facts import extract_facts
from monitor.normalize import Word, token_key
from monitor.wording import recipient_names

INTRO = "Fernlow Candles Ltd sells candles online. This notice says what we do with the personal data of customers."
BASE = {
    "How we use your data": ["We use your data to process orders and deliver parcels."],
    "Your rights": ["You have the right to access your data. Write to privacy@fernlow.example."],
}


def doc(sections: dict[str, list[str]]) -> Document:
    b = DocumentBuilder()
    b.block("p", INTRO)
    for heading, blocks in sections.items():
        b.heading(heading, 1)
        for text in blocks:
            b.block("p", text)
    return b.build("Fernlow privacy notice")


def words(text: str) -> tuple[Word, ...]:
    """The words of `text` as a diff gives them: the first of each sentence marked."""
    out: list[Word] = []
    start = True
    for t in text.split():
        out.append(Word(t, token_key(t), start))
        start = t.endswith((".", "!", "?"))
    return tuple(out)


def added(sentence: str, section: tuple[str, ...] = ("Details",)) -> Edit:
    return Edit(section, "", sentence, (), words(sentence))


class _DropUncertain:
    """A veto that finds no support for any category the changed words do not name themselves."""

    def apply(self, categories: Sequence[str], certain: Collection[str], text: str) -> list[str]:
        return [c for c in categories if c in certain]


def test_a_new_collection_section_with_an_ip_address_names_no_recipient():
    new = {
        "What we collect": [
            "We collect your name, e-mail address and, when you visit, your IP address and device identifiers. "
            "We share this information with our hosting provider."
        ],
        **BASE,
    }
    r = compare(doc(BASE), doc(new))
    (c,) = r.substantive_changes
    assert "new recipient" not in c.reason and "IP," not in c.reason, c.reason
    assert "collection" in c.categories and "data added: IP address" in c.reason


@pytest.mark.parametrize(
    "sentence",
    [
        "We share your IP address and device identifiers with partners.",
        "We disclose the MAC address of your router and your GPS location to partners.",
        "We share your ID number and SIM card number with partners.",
        "We share the URL you came from with partners.",
        "We share your API key with partners when you ask for support.",
        "We share the UDID and IDFA of your phone with partners.",
        "We share the name of your Wi-Fi network with partners.",
        "We share your Fernlow ID with partners.",
        "We share your IP Address with partners.",
    ],
)
def test_a_data_item_is_not_a_recipient(sentence: str):
    assert recipient_names(words(sentence), frozenset(), None, sentence) == ""
    v = classify_edit(added(sentence, ("Sharing",)))
    assert "new recipient" not in v.reason, v.reason


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("We share your IP address with Quorvex Analytics Inc. to stop fraud.", "Quorvex Analytics Inc."),
        # A name that also stands alone receives the data, whatever it is written before elsewhere.
        ("We send Brightlytics data about visits to Brightlytics each week.", "Brightlytics"),
        # A comma ends the name: "data brokers" describe it, it does not modify a data noun.
        ("We share purchase records with Tessaly, data brokers in our sector.", "Tessaly"),
        # A company's legal form makes it a company, even before a data noun.
        ("We share your orders with Quorvex Data GmbH data teams.", "Quorvex Data GmbH"),
    ],
)
def test_a_company_is_still_a_recipient(sentence: str, name: str):
    assert recipient_names(words(sentence), frozenset(), None, sentence) == name


def test_sharing_does_not_rest_on_a_data_item_read_as_a_recipient():
    # No named fact here: the rules alone read the passage, and a recipient they name would keep
    # "sharing" whatever the veto says. "SSID", "Wi-Fi" and "API" are no recipient.
    text = (
        "Our app reads the SSID of the Wi-Fi network you are on and the API key of your integrations, "
        "which we share with you on request."
    )
    v = classify_edit(added(text, ("Details",)), _DropUncertain())
    assert v.substantive and "recipient" not in v.reason, v.reason
    assert "sharing" not in v.categories and "sharing" not in v.named
    # A company added is still sharing, whatever the veto says.
    v = classify_edit(added("We share purchase events with Quorvex Analytics Inc. to count sales."), _DropUncertain())
    assert "sharing" in v.categories and v.reason == "new recipient: Quorvex Analytics Inc."


def test_listed_data_items_are_no_recipient_facts():
    for text in (
        "We share device data such as UDID, IMEI and URL with our partners.",
        "We share usage details, including URL and API key, with our hosting provider.",
    ):
        assert not [f for f in extract_facts(text) if f.kind == "recipient" and f.value.isupper()], text
    listed = {f.value for f in extract_facts("We share data with partners such as Quorvex Ltd and Brightlytics.")}
    assert {"Quorvex Ltd", "Brightlytics"} <= listed


def test_a_sim_card_number_is_no_financial_data():
    values = {f.value for f in extract_facts("We collect your SIM card number to activate the device.")}
    assert "financial data" not in values
    assert "financial data" in {f.value for f in extract_facts("We collect your card number to take payment.")}

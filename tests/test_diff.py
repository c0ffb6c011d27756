"""compare(): hunks with whole sentences, spans, noise, moves, and the DiffReport contract."""

from monitor.changes import DiffReport
from monitor.diff import compare
from monitor.document import Document, DocumentBuilder

INTRO = (
    "Brambleton Books Ltd runs the Brambleton online shop and is responsible for your personal data. "
    "This notice explains what we do with personal data of customers and how you can reach us. "
)


def doc(sections: dict[str, list[str]], title: str = "Brambleton privacy notice") -> Document:
    b = DocumentBuilder()
    b.block("p", INTRO)
    for heading, blocks in sections.items():
        b.heading(heading, 1)
        for text in blocks:
            kind = "li" if text.startswith("- ") else "p"
            b.block(kind, text.removeprefix("- "))
    return b.build(title)


BASE = {
    "Retention": ["We keep order records for 2 years after your last purchase. Then we delete them."],
    "Transfers": ["We do not transfer your personal data outside the EEA."],
    "Your rights": ["You have the right to access your data.", "You have the right to data portability."],
    "Contact": ["Write to Brambleton Books Ltd, 7 Quay Street, Dunmere, or privacy@brambleton.example."],
}


def edited(**changes: list[str]) -> dict[str, list[str]]:
    d = dict(BASE)
    for k, v in changes.items():
        d[k.replace("_", " ")] = v
    return d


def test_identical_documents_have_no_changes():
    r = compare(doc(BASE), doc(BASE))
    assert r == DiffReport(False, [], None, False, None, [], "no change", r.old_words, r.new_words)
    assert r.old_words == r.new_words == doc(BASE).word_count


def test_number_change_gives_whole_sentence_and_word_spans():
    new = doc(
        edited(Retention=["We keep order records for 5 years after your last purchase. Then we delete them."])
    )
    r = compare(doc(BASE), new)
    assert r.substantive and r.categories == ["retention"] and r.severity == "high"
    (c,) = r.changes
    assert c.kind == "modified" and c.section == ["Retention"]
    assert c.before == "We keep order records for 2 years after your last purchase."
    assert c.after == "We keep order records for 5 years after your last purchase."
    assert [c.before[a:b] for a, b in c.before_spans] == ["2"]
    assert [c.after[a:b] for a, b in c.after_spans] == ["5"]
    assert c.reason == "retention period: 2 years -> 5 years"
    assert r.summary == "1 substantive change: retention"


def test_dropped_negation_is_high_and_named():
    new = doc(edited(Transfers=["We transfer your personal data outside the EEA."]))
    r = compare(doc(BASE), new)
    (c,) = r.substantive_changes
    assert c.categories == ["transfer"] and c.severity == "high"
    assert [c.before[a:b] for a, b in c.before_spans] == ["do not"]
    assert "not transfer" in c.reason


def test_removed_right_is_reported_by_name():
    new = doc(edited(Your_rights=["You have the right to access your data."]))
    r = compare(doc(BASE), new)
    (c,) = r.substantive_changes
    assert c.categories == ["rights"] and c.severity == "high"
    assert c.reason == "right to data portability removed"
    assert c.before == "You have the right to data portability." and c.after == ""


def test_cosmetic_edits_are_not_substantive():
    new_sections = {
        "Retention": [
            "We keep order records for 2 years after your last purchase.  Then we **delete** them."
        ],
        "Transfers": ["We do not transfer your personal data outside the EEA."],
        "Your rights": [
            "You have the right to [access](https://brambleton.example/a?utm_source=x) your data.",
            "You have the right to data portability.",
        ],
        "Contact": ["Write to Brambleton Books Ltd, 7 Quay Street, Dunmere, or privacy@brambleton.example."],
    }
    new = doc(new_sections)
    typo_old = doc(
        edited(Retention=["We keep order recrods for 2 years after your last purchase. Then we delete them."])
    )
    for old in (doc(BASE), typo_old):
        r = compare(old, new)
        assert not r.substantive and r.categories == [] and r.severity is None, r.changes


def test_typography_and_case_are_noise():
    new = doc(edited(Transfers=["WE DO NOT TRANSFER YOUR PERSONAL DATA OUTSIDE THE EEA\u00a0."]))
    assert compare(doc(BASE), new).changes == []
    new = doc(
        edited(
            Contact=[
                "Write to Brambleton Books Ltd, 7 Quay Street \u2013 Dunmere, or privacy@brambleton.example."
            ]
        )
    )
    assert not compare(doc(BASE), new).substantive


def test_last_updated_line_is_noise():
    old = dict(BASE, Updates=["Last updated: 4 March 2023"])
    new = dict(BASE, Updates=["Last updated: 19 January 2025"])
    r = compare(doc(old), doc(new))
    assert not r.substantive and len(r.changes) == 1


def test_moved_section_with_same_words_is_not_a_change_of_substance():
    reordered = {k: BASE[k] for k in ("Transfers", "Retention", "Your rights", "Contact")}
    r = compare(doc(BASE), doc(reordered))
    assert not r.substantive
    assert [c.kind for c in r.changes] == ["moved"]
    assert r.changes[0].old_section == r.changes[0].section


def test_added_and_removed_sections_are_their_own_changes():
    new = dict(BASE)
    del new["Transfers"]
    new["Cookies"] = ["We use advertising cookies from Adwhirl Inc. to show you ads on other sites."]
    r = compare(doc(BASE), doc(new))
    kinds = {c.kind: c for c in r.changes}
    assert set(kinds) == {"added", "removed"}
    assert kinds["removed"].section == ["Transfers"] and kinds["removed"].substantive
    assert kinds["added"].section == ["Cookies"] and "tracking" in kinds["added"].categories
    assert r.categories == sorted({c for ch in r.substantive_changes for c in ch.categories})


def test_empty_heading_added_is_not_a_change():
    r = compare(doc(BASE), doc(dict(BASE, **{"Additional information": []})))
    assert not r.substantive and r.changes == []


def test_sentence_moved_to_another_section_is_not_substantive():
    old = dict(BASE, Extra=["Orders are packed in Dunmere."])
    new = dict(BASE)
    new["Contact"] = BASE["Contact"] + ["Orders are packed in Dunmere."]
    r = compare(doc(old), doc(new))
    assert not r.substantive


def test_changes_are_ordered_substantive_first_by_severity():
    new = edited(
        Contact=["Write to Brambleton Books Ltd, 9 Quay Street, Dunmere, or privacy@brambleton.example."],
        Retention=["We keep order records for 5 years after your last purchase. Then we delete them."],
    )
    new["Updates"] = ["Last updated: 19 January 2025"]
    old = dict(BASE, Updates=["Last updated: 4 March 2023"])
    r = compare(doc(old), doc(new))
    flags = [(c.substantive, c.severity) for c in r.changes]
    assert flags[0] == (True, "high") and flags[-1] == (False, None)
    assert r.severity == "high" and r.categories == ["contact", "retention"]
    assert r.summary == "2 substantive changes: contact, retention"


def test_suspect_capture_is_never_substantive():
    r = compare(doc(BASE), Document("Brambleton privacy notice"))
    assert r.suspect and r.suspect_reason == "empty document"
    assert not r.substantive and r.categories == [] and r.severity is None
    assert all(not c.substantive for c in r.changes)
    assert r.summary.startswith("suspect capture")


def test_french_negation_counts():
    old = {"Transferts": ["Nous ne transférons pas vos données en dehors de l'Union européenne."]}
    new = {"Transferts": ["Nous transférons vos données en dehors de l'Union européenne."]}
    r = compare(doc(old), doc(new))
    assert r.substantive and "transfer" in r.categories


def test_german_duration_counts():
    old = {"Speicherdauer": ["Wir speichern Ihre Bestelldaten 2 Jahre lang und löschen sie danach."]}
    new = {"Speicherdauer": ["Wir speichern Ihre Bestelldaten 10 Jahre lang und löschen sie danach."]}
    r = compare(doc(old), doc(new))
    assert r.substantive and r.categories == ["retention"]
    assert r.changes[0].reason == "retention period: 2 jahre -> 10 jahre"


def test_dutch_and_swedish_negations_count():
    for old_text, new_text in (
        ("Wij verkopen uw gegevens niet aan derden.", "Wij verkopen uw gegevens aan derden."),
        ("Vi säljer inte dina uppgifter till tredje part.", "Vi säljer dina uppgifter till tredje part."),
    ):
        r = compare(doc({"Delen": [old_text]}), doc({"Delen": [new_text]}))
        assert r.substantive and "sharing" in r.categories, (new_text, r.changes)


def test_report_round_trips_through_json():
    new = doc(edited(Transfers=["We transfer your personal data outside the EEA."]))
    r = compare(doc(BASE), new)
    assert DiffReport.from_dict(r.to_dict()) == r


def test_reworded_passage_is_categorised_by_its_new_sentences_only():
    # Text moved out to a new section with light rewording, plus one genuinely new sentence: the
    # moved wording's topics (sharing, transfer) are not news; the new sentence's topic is.
    moved = (
        "We disclose order details to our couriers so that they can deliver your parcels to you. "
        "Our couriers process these details on servers in the United Kingdom under contract with us."
    )
    catalogue = "We print a paper catalogue each spring and post it to customers who asked for one."
    old = dict(BASE, Partners=[moved, catalogue])
    new = dict(BASE, Partners=[catalogue])
    new["Delivery"] = [
        "We disclose order details to our couriers so that they can deliver your parcels to you quickly. "
        "Our couriers process these details on servers in the United Kingdom under a contract with us. "
        "We also collect your precise location data while a parcel is on its way."
    ]
    r = compare(doc(old), doc(new))
    added = [c for c in r.changes if c.kind == "added"]
    assert added and added[0].section == ["Delivery"] and added[0].substantive
    assert added[0].categories == ["collection"]


def test_reworded_passage_without_new_sentences_keeps_only_its_main_topic():
    old = dict(
        BASE,
        Partners=[
            "We disclose order details to couriers and payment partners so that they can deliver parcels."
        ],
    )
    new = dict(BASE)
    new["Delivery"] = [
        "We disclose the order details to couriers and payment partners so that they can deliver your parcels."
    ]
    r = compare(doc(old), doc(new))
    for c in r.substantive_changes:
        assert c.categories == ["sharing"]


def test_the_company_itself_is_not_a_new_recipient():
    new = dict(BASE)
    new["Gift cards"] = [
        "Brambleton Books Ltd shares gift card balances with Tillwise Payments GmbH (Germany)."
    ]
    r = compare(doc(BASE), doc(new))
    (c,) = r.substantive_changes
    assert c.reason == "new recipient: Tillwise Payments GmbH (Germany)"


def test_one_copy_of_a_repeated_sentence_changed_to_match_another_is_a_change_not_a_move():
    one = "Brambleton keeps your IP address for 1 day after your account is closed."
    two = one.replace("1 day", "2 days")
    old = doc(dict(BASE, Logs=[one], Backups=[one], Archive=[two]))
    new = doc(dict(BASE, Logs=[two], Backups=[one], Archive=[two]))
    r = compare(old, new)
    assert r.substantive and r.categories == ["retention"], [c.reason for c in r.changes]
    # The same sentences in other places, each as often as before, are a move.
    moved = doc(dict(BASE, Logs=[two], Backups=[one], Archive=[one]))
    assert not compare(old, moved).substantive


def test_a_policy_after_an_empty_capture_is_no_change_of_substance():
    empty = DocumentBuilder().build("Brambleton privacy notice")
    r = compare(empty, doc(BASE))
    assert not r.substantive and not r.suspect and "previous capture was empty" in r.summary
    # The other way round is a failed capture, never a change.
    r = compare(doc(BASE), empty)
    assert not r.substantive and r.suspect

"""The word-start vocabulary matcher behind monitor.facts."""

from monitor.wordscan import Scan, Table, unaccent


def test_table_names_the_entry_found_at_each_word_start():
    table = Table([("phone number", r"(?:tele)?phone numbers?"), ("name", r"(?<!user)names?\b")])
    assert table.spans("your telephone number and name") == [(5, 21, "phone number"), (26, 30, "name")]
    assert table.finditer("a phone number") == [(2, "phone number")]


def test_table_ignores_matches_inside_words_and_respects_guards():
    table = Table([("name", r"(?<!user )names?\b"), ("access", r"\baccess\b")])
    assert table.finditer("rename the user name; inaccessible") == []
    assert table.finditer("user names") == []
    assert table.search("the name")


def test_scan_finds_word_start_matches_with_their_spans():
    scan = Scan(r"\bnot\b|never|[a-z]+n't\b")
    assert scan.spans("we do not and won't, never") == [(6, 9), (14, 19), (21, 26)]
    assert not scan.search("nothing, knotted")


def test_unaccent_keeps_length_and_folds_diacritics():
    for text in ("données personnelles", "Löschung", "インド", "ещё"):
        assert len(unaccent(text)) == len(text)
    assert unaccent("données élevées") == "donnees elevees"
    assert unaccent("plain ascii") == "plain ascii"

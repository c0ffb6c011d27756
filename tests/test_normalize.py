"""Noise rules: what may change without a policy changing, and what always counts."""

from monitor.normalize import (
    OBFUSCATED_EMAIL,
    Word,
    display_text,
    is_noise_edit,
    is_numbering,
    is_protected,
    is_time_part,
    token_key,
    typography,
)


def words(text: str) -> list[Word]:
    out = []
    for i, t in enumerate(text.split()):
        out.append(Word(t, token_key(t), i == 0))
    return out


def test_typography_folds_quotes_dashes_and_special_spaces():
    assert typography("\u201cWe\u2019re\u201d \u2013 here\u00a0now\u200b") == '"We\'re" - here now'


def test_display_text_drops_link_targets_images_and_emphasis():
    text = "See **our** [cookie notice](https://acme.example/cookies?utm_source=x) and ![logo](/l.png)"
    assert display_text(text) == "See our cookie notice and logo"


def test_display_text_drops_accessibility_annotations_glued_to_links():
    text = "write to [help@acme.example.org opens email client](mailto:help@acme.example.org) today"
    assert display_text(text) == "write to help@acme.example.org today"


def test_token_key_ignores_case_punctuation_and_url_queries():
    assert token_key("Data,") == token_key("data") == "data"
    assert token_key("https://acme.example/form?aid=123#top") == token_key("http://www.acme.example/form/")
    assert token_key("\u2022") == ""


def test_obfuscated_email_has_one_key():
    assert token_key("[email-protected]") == OBFUSCATED_EMAIL
    assert display_text("mail [\\[email protected\\]](https://x.example/cdn-cgi/l/email-protection)") == (
        "mail [email-protected]"
    )


def test_numbering_is_recognised():
    for token in ("1.", "(b)", "iv.", "2.3", "12)"):
        assert is_numbering(token), token
    assert not is_numbering("2023")


def test_revealed_obfuscated_email_is_noise():
    removed = [Word("[email-protected]", OBFUSCATED_EMAIL)]
    added = [Word("privacy@fennwick.example", "privacy@fennwick.example")]
    assert is_noise_edit(removed, added, "mail [email-protected]", "mail privacy@fennwick.example")


def test_changed_real_email_is_not_noise():
    removed = [Word("privacy@fennwick.example", "privacy@fennwick.example")]
    added = [Word("dpo@fennwick.example", "dpo@fennwick.example")]
    assert not is_noise_edit(removed, added, "mail privacy@fennwick.example", "mail dpo@fennwick.example")


def test_revision_dates_are_noise():
    assert is_noise_edit(
        words("March 3, 2023"),
        words("June 9, 2024"),
        "Last updated: March 3, 2023",
        "Last updated: June 9, 2024",
    )
    assert is_noise_edit(words("2023"), words("2024"), "\u00a9 2023 Fennwick Ltd", "\u00a9 2024 Fennwick Ltd")
    assert is_noise_edit([], words("Effective 1 May 2024"), "", "Effective 1 May 2024")


def test_numbers_outside_a_date_line_always_count():
    assert not is_noise_edit(
        words("30"), words("90"), "We keep logs for 30 days.", "We keep logs for 90 days."
    )


def test_typo_and_hyphenation_fixes_are_noise():
    assert is_noise_edit(words("recieve"), words("receive"), "we recieve data", "we receive data")
    assert is_noise_edit(words("e-mail"), words("email"), "your e-mail", "your email")
    assert is_noise_edit(words("opt out"), words("opt-out"), "you can opt out", "you can opt-out")


def test_short_meaningful_swaps_are_not_typos():
    for old, new in (("not", "now"), ("may", "will"), ("all", "any"), ("shall", "should")):
        assert not is_noise_edit(words(old), words(new), f"x {old} y", f"x {new} y"), (old, new)


def test_protected_words_in_several_languages():
    for w in ("nicht", "niet", "inte", "pas", "never", "kann", "moeten", "alle", "17"):
        assert is_protected(w, token_key(w)), w
    assert is_protected("Mixpanel", "mixpanel")
    assert not is_protected("Mixpanel", "mixpanel", sentence_start=True)
    assert not is_protected("Policy", "policy", vocabulary=frozenset({"policy"}))


def test_spacing_after_a_full_stop_and_link_placeholders_are_noise():
    from monitor.normalize import Word, is_noise_edit, token_key

    def ws(text: str) -> list[Word]:
        return [Word(t, token_key(t)) for t in text.split()]

    assert is_noise_edit(
        ws("TV. Lumo"), ws("TV.Lumo"), "Films and TV. Lumo lets you rent.", "Films and TV.Lumo lets you rent."
    )
    assert is_noise_edit(ws("[link]."), [], "See our cookie policy [link].", "See our cookie policy.")


def _words(text: str) -> list[Word]:
    return [Word(t, token_key(t)) for t in text.split()]


def test_words_that_look_like_time_zones_are_still_words():
    # The zone pattern once matched any "..st"/"..dt" word: "most", "must", "first", "trust", "host".
    assert not any(is_time_part(k) for k in ("most", "must", "first", "trust", "host", "list", "test", "est"))
    assert all(is_time_part(k) for k in ("pst", "cest", "09:06", "utc"))
    assert not is_noise_edit(_words("most"), [], "We delete most of your data.", "We delete of your data.")
    assert is_noise_edit(_words("08:06"), _words("09:06"), "Page built at 08:06 PST.", "Page built at 09:06 PST.")


def test_the_same_words_in_other_grammatical_forms_are_a_recast_sentence():
    assert is_noise_edit(
        _words("testing and monitoring enhancing improving and targeting"),
        _words("to test and monitor to enhance to improve and target"),
        "We use it for testing and monitoring enhancing improving and targeting.",
        "We use it to test and monitor to enhance to improve and target.",
    )
    assert is_noise_edit(_words("Cookie"), _words("Cookies"), "See the Cookie table.", "See the Cookies table.")
    # A purpose dropped, or another verb, is a change.
    assert not is_noise_edit(_words("selling and sharing"), _words("to sell"), "", "")
    assert not is_noise_edit(_words("sharing"), _words("selling"), "", "")


def test_a_phone_number_with_its_country_code_written_is_the_same_number():
    assert is_noise_edit(_words("313-555-1432."), _words("1-313-555-1432."), "Call 313-555-1432.", "Call 1-313-555-1432.")
    assert not is_noise_edit(_words("313-555-1432."), _words("313-555-1433."), "Call 313-555-1432.", "Call 313-555-1433.")


def test_a_phone_number_written_in_groups_is_the_same_number():
    before = "Call us on 313-555-0142 to exercise your rights."
    assert is_noise_edit(_words("313-555-0142"), _words("+1 (313) 555-0142"), before, before.replace("313-555-0142", "+1 (313) 555-0142"))
    assert not is_noise_edit(
        _words("313-555-0142"), _words("+1 (313) 555-0199"), before, before.replace("313-555-0142", "+1 (313) 555-0199")
    )

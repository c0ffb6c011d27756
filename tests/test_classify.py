"""Categories, severity, reasons and the substantive call on single edits."""

from monitor.classify import Edit, categories_in, classify_edit, is_nav_like, new_countries
from monitor.normalize import Word, token_key


def w(text: str) -> tuple[Word, ...]:
    return tuple(Word(t, token_key(t), i == 0) for i, t in enumerate(text.split()))


def added(sentence: str, section: tuple[str, ...] = ("Details",)) -> Edit:
    return Edit(section, "", sentence, (), w(sentence))


def removed(sentence: str, section: tuple[str, ...] = ("Details",)) -> Edit:
    return Edit(section, sentence, "", w(sentence), ())


def test_category_vocabulary_english_and_other_languages():
    assert categories_in("We keep your data for 3 years") == ["retention"]
    assert categories_in("Standard Contractual Clauses govern the transfer of data") == ["transfer"]
    assert "tracking" in categories_in("Nous utilisons des traceurs")
    assert "retention" in categories_in("Aufbewahrungsfrist")
    assert "rights" in categories_in("U heeft het recht op inzage")
    assert "children" in categories_in("Tjänsten är inte avsedd för barn")


def test_new_recipient_is_sharing_high_and_named():
    v = classify_edit(added("We share purchase events with Mixpanel Inc. (USA) to analyse sales."))
    assert v.substantive and "sharing" in v.categories and v.severity == "high"
    assert v.reason == "new recipient: Mixpanel Inc. (USA)"


def test_removed_protection_is_high():
    v = classify_edit(removed("We encrypt all card data at rest and in transit."))
    assert v.substantive and v.categories == ("security",) and v.severity == "high"
    assert v.reason.endswith("removed")


def test_response_time_reason():
    before = "We answer requests to access your data within 5 business days."
    after = "We answer requests to access your data within 45 days."
    v = classify_edit(Edit(("Your rights",), before, after, w("5 business"), w("45")))
    assert v.substantive and v.categories == ("rights",)
    assert v.reason == "response time for requests: 5 business days -> 45 days"
    assert v.severity == "high"  # slower answers narrow what people can do


def test_strict_categories_follow_the_changed_words_not_the_sentence():
    before = "We share your order data with our courier and keep it for 2 years."
    after = "We share your order data with our courier and keep it for 3 years."
    v = classify_edit(Edit(("Sharing",), before, after, w("2"), w("3")))
    assert v.categories == ("retention",)


def test_neutral_word_takes_the_sentence_category():
    before = "We do not sell your personal data."
    after = "We sell your personal data."
    v = classify_edit(Edit(("Sale",), before, after, w("do not"), ()))
    assert v.substantive and v.categories == ("sharing",) and v.severity == "high"


def test_modal_and_quantifier_swaps_count():
    for old, new in (("will", "may"), ("all", "some")):
        before, after = f"We {old} delete the records.", f"We {new} delete the records."
        v = classify_edit(Edit(("Retention",), before, after, (Word(old, old),), (Word(new, new),)))
        assert v.substantive, (old, new)


def test_footer_links_and_chrome_are_not_substantive():
    assert is_nav_like("Candidate Privacy Policy")
    assert is_nav_like("Sign in")
    assert not is_nav_like("Mixpanel Inc.")
    assert not is_nav_like("We sell data.")
    assert not classify_edit(added("Careers Privacy Notice", ("Legal",))).substantive
    assert not classify_edit(added("Guest", ())).substantive


def test_short_list_entry_under_a_privacy_heading_counts():
    v = classify_edit(added("Voice recordings", ("Information we collect",)))
    assert v.substantive and v.categories == ("collection",)


def test_marketing_copy_without_privacy_meaning_is_not_substantive():
    v = classify_edit(
        Edit(
            ("About",),
            "Our shop has great books.",
            "Our shop has wonderful books.",
            w("great"),
            w("wonderful"),
        )
    )
    assert not v.substantive


def test_relocated_and_lead_in_edits_are_not_substantive():
    e = added("We share your data with Parcelly GmbH.")
    assert not classify_edit(
        Edit(e.section, e.before, e.after, e.removed, e.added, relocated=True)
    ).substantive
    lead = added("If you apply for a job, we process your data for these reasons:")
    assert not classify_edit(
        Edit(lead.section, lead.before, lead.after, lead.removed, lead.added, lead_in=True)
    ).substantive


def test_brand_renamed_throughout_is_not_substantive_but_controller_change_is():
    rename = Edit(
        ("Accounts",),
        "Sign in with your Quillo account.",
        "Sign in with your Brisk account.",
        w("x Quillo")[1:],
        w("x Brisk")[1:],
        renamed_throughout=True,
    )
    assert not classify_edit(rename).substantive
    ctrl = Edit(
        ("Who we are",),
        "The controller is Quillo Ltd.",
        "The controller is Brisk Ltd.",
        w("x Quillo")[1:],
        w("x Brisk")[1:],
        renamed_throughout=True,
    )
    v = classify_edit(ctrl)
    assert v.substantive and v.categories == ("contact",)


def test_effective_date_line_is_noise():
    e = Edit(
        ("Changes",),
        "Effective date: 1 May 2023",
        "Effective date: 1 June 2024",
        w("May 2023"),
        w("June 2024"),
    )
    assert not classify_edit(e).substantive


def test_changed_period_next_to_keep_wording_is_retention_with_both_periods():
    before = (
        "We keep order data for 24 months after your last purchase, and the courier receives your address."
    )
    after = "We keep order data for 5 years after your last purchase, and the courier receives your address."
    v = classify_edit(Edit(("Retention",), before, after, w("24 months"), w("5 years")))
    assert v.substantive and v.categories == ("retention",)
    assert v.reason == "retention period: 24 months -> 5 years" and v.severity == "high"


def test_changed_period_in_a_table_row_takes_the_retention_heading():
    before = "Usage events | 24 months from the date of collection"
    after = "Usage events | 5 years from the date of collection"
    v = classify_edit(Edit(("How long we keep personal data",), before, after, w("24 months"), w("5 years")))
    assert v.categories == ("retention",) and v.reason == "retention period: 24 months -> 5 years"


def test_new_row_under_a_recipients_heading_is_a_named_recipient():
    row = "Corvalis Metrics Inc. | Usage benchmarking | United States"
    # The documents write "usage" in lower case elsewhere: a table cell's first word, not a name.
    e = added(row, ("Who we share personal data with", "Service providers"))
    v = classify_edit(Edit(e.section, e.before, e.after, e.removed, e.added, vocabulary=frozenset({"usage"})))
    assert v.substantive and v.categories == ("sharing",) and v.severity == "high"
    assert v.reason == "new recipient: Corvalis Metrics Inc. (United States)"


def test_a_product_name_dropped_from_a_list_is_not_substantive():
    before = "Our suite includes Quillo, Brisk and Tandem for writing."
    after = "Our suite includes Brisk and Tandem for writing."
    v = classify_edit(Edit(("Overview",), before, after, w("x Quillo,")[1:], ()))
    assert not v.substantive


def test_reserving_the_right_to_change_the_policy_is_not_a_data_subject_right():
    assert "rights" not in categories_in("Acme reserves the right to adjust this policy at any time.")
    assert "children" not in categories_in("We are fully transparent about it.")
    assert "contact" not in categories_in("Support representatives can read your ticket.")
    assert "contact" in categories_in("The data controller is Acme Ltd.")


def test_collect_and_use_names_processing_not_collection():
    v = classify_edit(added("Our legal basis for collecting and using personal data depends on the context."))
    assert v.categories == ("use",)
    assert "collection" in categories_in("We collect your phone number.")


def test_a_place_makes_processing_a_transfer():
    assert "transfer" not in categories_in("Orders are processed in the checkout portal.")
    assert "transfer" in categories_in("Orders are processed in the United States.")
    assert "transfer" in categories_in("Our model provider is located in the US.")


def test_contact_us_instruction_is_not_a_contact_change():
    before = "You can manage your data in your Quillby account. To make requests, please contact us through the portal."
    after = "You can manage your data in your Ferncroft account. To make requests, please contact us through the portal."
    v = classify_edit(Edit(("Questions",), before, after, w("Quillby"), w("Ferncroft")))
    assert "contact" not in v.categories


def test_controller_named_in_the_changed_sentence_is_contact():
    before = "Quillby Media B.V. is the controller of your personal data."
    after = "Quillby Services Limited is the controller of your personal data."
    removed_words = tuple(x for x in w(before) if x.text in ("Media", "B.V."))
    added_words = tuple(x for x in w(after) if x.text in ("Services", "Limited"))
    v = classify_edit(Edit(("Who we are",), before, after, removed_words, added_words))
    assert v.substantive and v.categories == ("contact",)


def test_sentence_opening_rename_throughout_is_not_substantive():
    before, after = "Quillby account information.", "Ferncroft account information."
    v = classify_edit(
        Edit(
            ("Information we collect",),
            before,
            after,
            w("Quillby"),
            w("Ferncroft"),
            renamed_throughout=True,
            vocabulary=frozenset({"account", "information"}),
        )
    )
    assert not v.substantive and v.reason == "renamed throughout the document"


def test_recipient_added_to_an_existing_sentence_is_high():
    before = "Transfers are made on the basis of the Standard Contractual Clauses."
    after = "Transfers to Veldmoor Analytics Inc. in the United States are made on the basis of the Standard Contractual Clauses."
    added_words = tuple(
        x
        for x in w(after)
        if x.text in ("to", "Veldmoor", "Analytics", "Inc.", "in", "the", "United", "States")
    )[:8]
    v = classify_edit(Edit(("International transfers",), before, after, (), added_words))
    assert v.substantive and "transfer" in v.categories and v.severity == "high"
    assert v.reason == "new recipient: Veldmoor Analytics Inc. (United States)"


def test_a_regulator_or_transfer_mechanism_is_not_a_new_recipient():
    v = classify_edit(
        added(
            "In compliance with the EU-U.S. DPF and the UK Extension to the EU-U.S. DPF, Quillmere commits to "
            "cooperate with the panel established by the EU data protection authorities (DPAs) and the Swiss "
            "Federal Data Protection and Information Commissioner (FDPIC).",
            ("International transfers",),
        )
    )
    assert v.substantive
    assert "recipient" not in v.reason, v.reason
    # A company whose name holds such a word is still a company.
    v = classify_edit(added("We share payment data with Harrowgate Regulatory Services Ltd to check your identity."))
    assert v.reason == "new recipient: Harrowgate Regulatory Services Ltd"


def test_a_phone_number_changed_is_contact_whatever_the_sentence_is_about():
    before = "You can exercise these rights by contacting us or by calling us at 888-555-0118."
    after = "You can exercise these rights by contacting us or by calling us at 415-555-1528."
    v = classify_edit(Edit(("Your privacy rights",), before, after, w("888-555-0118."), w("415-555-1528.")))
    assert v.substantive and "contact" in v.categories and "contact" in v.certain
    # A date range or a date has as many digits, and is no phone number.
    before = "This notice applies to the 2023-2024 season."
    after = "This notice applies to the 2024-2025 season."
    v = classify_edit(Edit(("Scope",), before, after, w("2023-2024"), w("2024-2025")))
    assert "contact" not in v.categories


def test_a_dash_typed_as_a_hyphen_does_not_make_a_name():
    v = classify_edit(
        added(
            "These terms-together with the policies they link to, like the Community Rules and Privacy Policy-are "
            "the complete agreement between you and us, and we may share nothing beyond them.",
            ("Odds and ends",),
        )
    )
    assert "Policy-are" not in v.reason, v.reason


def test_a_new_passage_with_a_named_fact_offers_every_topic_it_gives_space_to():
    """A new paragraph about biometric data says mostly what is collected, and also what it is used
    for: both are candidates (the report-level decision keeps those the evidence supports)."""
    passage = (
        "If you choose to verify your profile, we collect biometric data from a selfie you provide. We collect "
        "a map of your facial features, and we may also collect your identity document. We use the facial map "
        "only to verify your profile."
    )
    v = classify_edit(added(passage, ("The data we collect",)))
    assert v.reason.startswith("data added: biometric data")
    assert {"collection", "use"} <= set(v.candidates)


def test_a_country_added_to_the_representatives_scope_is_contact():
    before = "EU representative for data protection questions:"
    after = "EU and Switzerland representative for data protection questions:"
    v = classify_edit(Edit(("Contact info",), before, after, (), (Word("and", "and"), Word("Switzerland", "switzerland"))))
    assert v.substantive and "contact" in v.categories, v.reason
    assert categories_in("Our sales representative will call you back.") == []
    # A representative's block: "appointed by", an "Address:" label; an e-mail address field is data.
    assert categories_in("You may write to the Representative appointed by Quillmere in Norway.") == ["contact"]
    assert categories_in("(b) Address: 4 Lantern Lane, Harrowgate") == ["contact"]
    assert "contact" not in categories_in("Sign-up form fields: name, e-mail address: required")


def test_a_product_name_written_out_in_place_is_not_a_change():
    before = "Our services include QuillPay, Quill Shipping, Quill Tax, and other products available at quill.example."
    after = "Our services include QuillPay, QuillCommerce Shipping, QuillCommerce Tax, and other products available at quill.example."
    removed = (Word("Quill", "quill"), Word("Quill", "quill"))
    new = (Word("QuillCommerce", "quillcommerce"), Word("QuillCommerce", "quillcommerce"))
    v = classify_edit(Edit(("Who we are",), before, after, removed, new, vocabulary=frozenset({"services"})))
    assert not v.substantive, v.reason
    # Another product in its place is a change of scope.
    other = (Word("Ledger", "ledger"), Word("Ledger", "ledger"))
    v = classify_edit(Edit(("Who we are",), before, before.replace("Quill ", "Ledger "), removed, other))
    assert v.substantive


def test_no_part_of_a_regulators_name_is_a_recipient():
    v = classify_edit(
        added(
            "In compliance with the EU-U.S. Data Privacy Framework as set forth by the U.S. Department of "
            "Commerce, Quillmere commits to cooperate with the panel established by the EU data protection "
            "authorities (DPAs) and the Swiss Federal Data Protection and Information Commissioner (FDPIC) "
            "with regard to complaints about personal data received from the European Union.",
            ("International transfers",),
        )
    )
    assert v.substantive
    assert "recipient" not in v.reason, v.reason
    assert "United Kingdom" not in v.reason


def test_a_country_that_makes_a_fact_change_a_transfer_is_named_in_the_reason():
    before = "We do not sell your personal data."
    after = "We share personal data with advertising partners in India."
    v = classify_edit(Edit(("Sharing",), before, after, w("do not sell your"), w("share with advertising partners in India.")))
    assert "transfer" in v.categories
    assert v.reason.startswith("country added: India; "), v.reason


def test_a_country_is_matched_whole_in_the_new_text_not_word_by_word():
    # "United" is a word of the old version ("United Kingdom"); "United States" is still new, whole.
    sentence = "Our vendors process data in the United States."
    edit = Edit(("Storage",), "", sentence, (), w(sentence), old_words=frozenset({"united", "kingdom"}))
    assert new_countries(edit) == ["United States"]
    assert classify_edit(edit).reason == "country added: United States"
    # A region holding a country's name is not that country: no "America", no "United States".
    v = classify_edit(added("We share your data with partners in South America."))
    assert "United States" not in v.reason and "country added: America" not in v.reason, v.reason


def test_a_multi_word_place_alone_on_a_line_is_not_a_menu_link():
    for place in ("Hong Kong", "Saudi Arabia", "United Arab Emirates"):
        assert not is_nav_like(place), place


def test_what_the_person_shares_with_us_is_collection_not_sharing():
    # "share" with the person as subject is data they give us (or publish), not a disclosure by the
    # company to anyone (LABELING.md: sharing is disclosure to third parties).
    assert categories_in("Any details that you choose to share with us at our events") == ["collection"]
    assert "sharing" not in categories_in("photos you can share on your public profile")
    assert categories_in("We may share your order history with our delivery partners") == ["sharing"]
    before = "We collect the details you enter in our order form."
    after = "We collect the details you enter in our order form or that you share with us by phone."
    v = classify_edit(Edit(("What we collect",), before, after, (), w("or that you share with us by phone")))
    assert v.substantive and "sharing" not in v.categories and "collection" in v.categories


def test_disclosures_that_name_a_notice_are_not_sharing():
    assert "sharing" not in categories_in("Read the additional privacy disclosures for residents of some states.")
    assert "sharing" not in categories_in("See our supplemental disclosures below.")
    assert categories_in("We may disclose your data to a court when the law requires it.") == ["sharing"]


def test_a_domain_or_a_definition_is_no_purpose_of_processing():
    # ".ai" ends a web address, and "for the purpose of applying this policy" says how to read it.
    assert "use" not in categories_in("The Quillo.ai terms define the Network.")
    assert "use" not in categories_in("For the purpose of applying this policy to the app, Network means the app.")
    assert "use" not in categories_in("For the purposes of this section, a Member is anyone with an account.")
    assert "use" in categories_in("Quillo uses AI.")
    assert "use" in categories_in("We process your order history for the purposes of fraud prevention.")


def test_a_passage_widening_what_the_policy_covers_is_substantive():
    v = classify_edit(added("Since May this policy also applies to the Quillo.ai chat site and its related apps."))
    assert v.substantive and v.categories == ("other",)
    assert not classify_edit(added("Quillo opened a new office in May and hired ten people.")).substantive

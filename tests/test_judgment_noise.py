"""Noise kinds met on real captures, on fictional documents: chrome blocks, layout re-cuts, cut-off
captures completed, times of day, compatibility characters. Each with a neighbour that must still count."""

from monitor.chrome import chrome_blocks, is_chrome_block
from monitor.diff import compare
from monitor.document import Document, DocumentBuilder
from monitor.normalize import token_key

INTRO = (
    "Quillmere Games Ltd runs the Quillmere store and is responsible for your personal data. "
    "This notice explains what we collect, why, and how you can reach us."
)
BODY = {
    "Data we collect": ["We collect your name, e-mail address and the games you buy."],
    "Retention": ["We keep purchase records for 2 years after your last purchase."],
    "Your rights": ["You may ask us to access, correct or delete your data at any time."],
    "Contact": ["Write to privacy@quillmere.example or to 4 Lantern Lane, Harrowgate."],
}


def build(sections: dict[str, list[str]], preamble: list[str] = (), tail: list[str] = ()) -> Document:
    b = DocumentBuilder()
    for text in preamble:
        b.block("p", text)
    b.block("p", INTRO)
    for heading, blocks in sections.items():
        b.heading(heading, 1)
        for text in blocks:
            kind = "li" if text.startswith("- ") else "p"
            b.block(kind, text.removeprefix("- "))
    for text in tail:
        b.block("p", text)
    return b.build("Quillmere privacy notice")


# -- chrome decided per block ---------------------------------------------------------------------

MENU_OLD = [
    "[Home](https://q.example/)",
    "[Store](https://q.example/store)",
    "[News](https://q.example/news)",
    "[Support](https://q.example/help)",
]
MENU_NEW = MENU_OLD[:2] + ["[Winter Sale](https://q.example/sale)"] + MENU_OLD[2:]


def test_a_menu_entry_added_above_the_policy_is_not_substantive():
    r = compare(build(BODY, preamble=MENU_OLD), build(BODY, preamble=MENU_NEW))
    assert not r.substantive
    assert r.changes, "the chrome edit is still listed as cosmetic"


def test_a_long_label_run_is_chrome_but_an_enumeration_with_commas_is_not():
    menu = "Kitchen Dining Outdoor Furniture Garden Tools Lighting Rugs Curtains Storage Gifts Sale Outlet"
    assert is_chrome_block(menu)
    listing = "Name, Email Address, Phone Number, Postal Address, Date Of Birth, Payment Card Details"
    assert not is_chrome_block(listing)
    prose = "We keep purchase records for two years after your last purchase, then delete them."
    assert not is_chrome_block(prose)
    assert not is_chrome_block("Acme Analytics | usage statistics | United States | 13 months", kind="row")


def test_a_run_of_short_items_under_a_topical_heading_is_a_list_not_a_menu():
    items = [("li", "Name"), ("li", "E-mail address"), ("li", "Phone number"), ("li", "Game history")]
    assert chrome_blocks(items, topical=True) == [False] * 4
    assert chrome_blocks(items, topical=False) == [True] * 4


def test_a_footer_merged_into_the_last_section_is_chrome():
    footer_old = [
        "[About](https://q.example/about)",
        "[Careers](https://q.example/jobs)",
        "[Press](https://q.example/press)",
        "[Deutsch](https://q.example/de)",
        "[Français](https://q.example/fr)",
        "[Terms](https://q.example/terms)",
        "© 2025 Quillmere Games Ltd",
    ]
    footer_new = footer_old[:-1] + ["[Italiano](https://q.example/it)", "© 2026 Quillmere Games Ltd"]
    r = compare(build(BODY, tail=footer_old), build(BODY, tail=footer_new))
    assert not r.substantive


def test_a_new_contact_address_in_the_last_section_still_counts():
    new = dict(
        BODY,
        Contact=BODY["Contact"] + ["Our data protection officer is Mara Oyelaran, dpo@quillmere.example."],
    )
    r = compare(build(BODY), build(new))
    assert r.substantive and "contact" in r.categories


# -- layout: the same words re-cut into other sections or blocks ----------------------------------


def test_headings_turned_into_paragraphs_are_layout_only():
    old = build(BODY)
    b = DocumentBuilder()
    b.block("p", INTRO)
    for heading, blocks in BODY.items():
        b.block("p", heading)  # the heading markup was lost: same words, now a paragraph
        for text in blocks:
            b.block("p", text)
    r = compare(old, b.build("Quillmere privacy notice"))
    assert not r.substantive, [c.reason for c in r.substantive_changes]


def test_a_real_edit_inside_a_re_cut_document_is_still_found():
    b = DocumentBuilder()
    b.block("p", INTRO)
    for heading, blocks in BODY.items():
        b.block("p", heading)
        for text in blocks:
            b.block("p", text.replace("2 years", "10 years"))
    r = compare(build(BODY), b.build("Quillmere privacy notice"))
    assert r.substantive and "retention" in r.categories


# -- a cut-off capture completed ------------------------------------------------------------------


def test_a_new_capture_that_completes_a_cut_off_one_is_not_a_change():
    full = dict(BODY, Sharing=["We share purchase data with our payment processor and with our auditors."])
    cut = dict(BODY, Sharing=["We share purchase data with our payment"])
    r = compare(build(cut), build(full))
    assert not r.substantive and not r.suspect
    assert "completes" in r.summary


def test_text_appended_after_a_complete_old_version_is_a_change():
    more = dict(BODY, Sharing=["We share purchase data with advertising partners in the United States."])
    r = compare(build(BODY), build(more))
    assert r.substantive


# -- times of day, compatibility characters -------------------------------------------------------


def test_times_of_day_and_timestamps_are_noise():
    for before, after in [
        ("08:06:40", "09:06:41"),
        ("8:06", "9:41"),
        ("8:06 am", "9:41 pm"),
        ("2026-11-30T08:06:40Z.", "2026-11-30T09:06:41Z."),
    ]:
        old = build(BODY, preamble=[f"Page generated at {before}"])
        new = build(BODY, preamble=[f"Page generated at {after}"])
        assert not compare(old, new).substantive, (before, after)


def test_a_changed_duration_next_to_a_time_still_counts():
    new = dict(BODY, Retention=["We keep purchase records for 5 years after your last purchase."])
    r = compare(
        build(BODY, preamble=["Page generated at 08:06"]), build(new, preamble=["Page generated at 09:41"])
    )
    assert r.substantive and r.categories == ["retention"]


def test_ligatures_and_full_width_digits_fold():
    assert token_key("ﬁles") == "files"
    assert token_key("２４") == "24"
    old = dict(BODY, Retention=["We keep log ﬁles for ２４ months."])
    new = dict(BODY, Retention=["We keep log files for 24 months."])
    assert not compare(build(old), build(new)).substantive
    newer = dict(BODY, Retention=["We keep log files for 36 months."])
    assert compare(build(old), build(newer)).substantive


# -- no category, no alert: dates, counts and names alone carry no privacy meaning ----------------


def test_a_yearly_figure_refreshed_is_not_substantive():
    old = dict(BODY, **{"Your rights": BODY["Your rights"] + ["In 2025 we received 1210 requests and answered 1190."]})
    new = dict(BODY, **{"Your rights": BODY["Your rights"] + ["In 2025 we received 388 requests and answered 371."]})
    assert not compare(build(old), build(new)).substantive


def test_an_age_or_an_amount_still_counts_without_a_category_word():
    old = dict(BODY, Store=["Players must be at least 13 years old to open an account."])
    new = dict(BODY, Store=["Players must be at least 16 years old to open an account."])
    assert compare(build(old), build(new)).substantive


def test_a_negation_dropped_still_counts_without_a_category_word():
    old = dict(BODY, Store=["We do not show your profile to other players."])
    new = dict(BODY, Store=["We show your profile to other players."])
    assert compare(build(old), build(new)).substantive


def test_a_passage_reason_quotes_the_clause_about_its_category():
    new = dict(BODY, Retention=BODY["Retention"] + [
        "Our store runs on a small team in Harrowgate. We keep chat transcripts for 5 years after a ticket closes. "
        "Thank you for playing."
    ])
    r = compare(build(BODY), build(new))
    reasons = [c.reason for c in r.substantive_changes]
    assert any("We keep chat transcripts for 5 years after a ticket closes." in x for x in reasons), reasons


def test_a_footer_followed_by_a_pop_up_inside_a_topical_section_is_chrome():
    """A real capture's shape: the site footer lands in the last section, and a browser-support
    pop-up follows it, so the footer does not close the section. Neither is policy text."""
    footer = [
        "BACK TO TOP",
        "Our Company",
        "[About Quillmere](https://q.example/about)",
        "[Careers](https://q.example/jobs)",
        "[Binding Corporate Rules](https://q.example/bcr.pdf)",
        "[Conditions of Sale](https://q.example/sale)",
        "New Customer",
        "[Open an Account](https://q.example/open)",
        "[Gift Cards](https://q.example/gift)",
        "[Store Locations](https://q.example/stores)",
        "[Mobile App](https://q.example/app)",
        "[Site Map](https://q.example/map)",
        "[Terms of Use](https://q.example/terms)",
    ]
    pop_up = ["We have updated our list of supported web browsers. We recommend a recent one.", "Close"]
    body = dict(BODY, Contact=BODY["Contact"] + footer + pop_up)
    r = compare(build(body), build(BODY))
    assert not r.substantive, [c.reason for c in r.changes if c.substantive]
    # A list of recipients under a topical heading, marked up as a list, keeps its meaning.
    listed = [("li", f"[Partner {n} Ltd](https://p{n}.example/privacy)") for n in range(14)]
    assert not any(chrome_blocks(listed + [("p", "We review this list of partners every year.")], topical=True))


def test_a_linked_question_inside_a_login_menu_is_chrome():
    menu = [
        ("p", "Sign Up/Log In"),
        ("p", "Remember Me"),
        ("p", "[FORGOT PASSWORD OR USER ID?](https://q.example/forgot)"),
        ("p", "[Create User ID](https://q.example/create)"),
    ]
    assert chrome_blocks(menu, topical=False) == [True] * 4
    # A sentence ending in a question mark that is not a link is no label.
    assert not chrome_blocks([("p", "What data do we collect about you when you log in?")] * 3, topical=True)[0]


def test_a_footer_with_cut_links_and_a_trademark_line_dropped_from_the_capture_is_not_a_change():
    """A capture's footer: a language picker whose links were cut in two ("](url)[" left between the
    entries), linked labels, a copyright and a trademark line, then a "Do not sell" link. Dropping it
    all from the next capture changes nothing in the policy."""
    footer = ["Back To Directory](https://q.example/legal)"]
    for n, language in enumerate(("English (EU)", "Deutsch", "Español (EU)", "Français", "Italiano", "Polski", "日本語")):
        footer += [language, f"](https://q.example/{n}/legal)["]
    footer += [f"[{label}](https://q.example/{n})" for n, label in enumerate(("Careers", "About", "Support", "Press"))]
    footer += [
        "©2026 Quillmere Games Ltd. All rights reserved.",
        "All trademarks referenced herein are the properties of their respective owners.",
        "[Do not sell my personal information](https://q.example/dns)",
        "[Privacy](https://q.example/privacy)",
        "[Cookies](https://q.example/cookies)",
    ]
    closing = [("p", "Write to privacy@quillmere.example or to 4 Lantern Lane, Harrowgate.")] + [("p", t) for t in footer]
    assert chrome_blocks(closing, topical=True) == [False] + [True] * len(footer)
    r = compare(build(BODY, tail=footer), build(BODY))
    assert not r.substantive, [c.reason for c in r.changes if c.substantive]
    # The same "Do not sell" line written as a statement of the policy still counts.
    body = dict(BODY, Contact=BODY["Contact"] + ["We do not sell your personal information to anyone."])
    assert compare(build(body), build(BODY)).substantive


def test_states_inserted_into_a_lead_in_line_widen_who_has_the_rights():
    """A lead-in line ("... which may include:") before an unchanged list is editorial when it is
    reworded, but names inserted into it change what it says: more residents get the rights."""
    lead = "Residents of certain states, including Colorado, Utah, and Virginia, may have additional rights, which may include:"
    wider = "Residents of certain states, including Colorado, Oregon, Texas, Utah, and Virginia, may have additional rights, which may include:"
    reworded = lead.replace("which may include:", "which may include the following:")
    rights = ["- The right to access your data", "- The right to delete your data", "- The right to opt out of sale"]
    old = build(dict(BODY, **{"State privacy laws": [lead] + rights}))
    r = compare(old, build(dict(BODY, **{"State privacy laws": [wider] + rights})))
    assert r.substantive and r.categories == ["rights"], [(c.reason, c.categories) for c in r.changes]
    assert not compare(old, build(dict(BODY, **{"State privacy laws": [reworded] + rights}))).substantive


def test_a_footer_pasted_as_one_paragraph_ending_in_a_copyright_line_is_chrome():
    footer = (
        "[About](https://q.example/about) Careers Press [Stores](https://q.example/stores) "
        "[Do not sell my personal information](https://q.example/dns) Sitemap Careers "
        "© 2026 Quillmere Games Ltd, all rights reserved. All trademarks referenced herein are the properties "
        "of their respective owners."
    )
    assert is_chrome_block(footer)
    r = compare(build(BODY, tail=[footer]), build(BODY))
    assert not r.substantive, [c.reason for c in r.changes if c.substantive]
    # A sentence of the policy before a copyright line is no footer.
    assert not is_chrome_block("We keep your order records for two years. © 2026 Quillmere Games Ltd.")


# -- text that is not the policy, text moved or re-flowed -----------------------------------------

SPAM = (
    "Lucky spin slots are some games out of the cold wallet for players around the best casinos in town, "
    "powered by mobile devices and bonus wheels. What is a sound and much bigger role for jackpots? You set "
    "up your keys and sell, and the instant-play feature had the world playing: best bonus of the season."
)


def test_an_injected_advertisement_removed_is_not_a_change():
    old = build(dict(BODY, **{"Lucky spin bonus": [SPAM]}))
    r = compare(old, build(BODY))
    assert not r.substantive, [c.reason for c in r.substantive_changes]
    assert any("off-topic" in c.reason for c in r.changes)


def test_a_long_passage_about_children_or_data_removed_still_counts():
    children = (
        "Accounts that need a parent's consent are placed in the family group of the parent who gave it. "
        "The parent can review the child's activity, set screen time, approve purchases and end the "
        "account at any time, and a teen may ask to leave the group when they reach the age of 16."
    )
    selling = SPAM + " We sell your personal data to advertising networks."
    for extra in (children, selling):
        r = compare(build(dict(BODY, Family=[extra])), build(BODY))
        assert r.substantive, extra


def test_a_paragraph_moved_with_its_hyphenation_and_an_address_re_flowed_is_not_a_change():
    coppa = (
        "You can also write to us at the postal address listed at the end of this notice, by letter or by "
        "courier, at any time of the year. Please mark your inquiries about children's accounts for the "
        "attention of our privacy team in Harrowgate. Parents can read about children's privacy on-line "
        "in the regulator's guide."
    )
    address = "You can also write to us at: Quillmere Games, Attn: Legal Department, 4 Lantern Lane, Harrowgate."
    old = build(dict(BODY, **{"Data we collect": BODY["Data we collect"] + [coppa], "Contact": [address]}))
    new = build(
        dict(
            BODY,
            Children=[coppa.replace("on-line", "online")],
            Contact=["You can also write to us at:", "Quillmere Games, Attn: Legal Department", "4 Lantern Lane, Harrowgate."],
        )
    )
    r = compare(old, new)
    assert not r.substantive, [c.reason for c in r.substantive_changes]


def test_a_passage_removed_from_a_re_cut_document_quotes_only_itself():
    dropped = "We also run a loyalty club whose members get early access to sales and a birthday gift."
    b = DocumentBuilder()
    b.block("p", INTRO)
    for heading, blocks in BODY.items():
        b.block("p", heading)  # the old capture lost its heading markup
        for text in blocks:
            b.block("p", text)
        if heading == "Data we collect":
            b.block("p", dropped)
    r = compare(b.build("Quillmere privacy notice"), build(BODY))
    gone = [c for c in r.changes if dropped in c.before]
    assert gone, [c.before for c in r.changes]
    assert all(BODY["Retention"][0] not in c.before and BODY["Your rights"][0] not in c.before for c in gone)


def test_product_names_written_out_across_a_list_are_not_a_change():
    scope = "Quill services include QuillPay, Quill Shipping, Quill Tax, Inkpot and other products at quill.example."
    written_out = scope.replace("Quill Shipping, Quill Tax", "QuillCommerce Shipping, QuillCommerce Tax")
    r = compare(build(dict(BODY, Scope=[scope])), build(dict(BODY, Scope=[written_out])))
    assert not r.substantive, [c.reason for c in r.substantive_changes]
    other = scope.replace("Quill Shipping, Quill Tax", "Ledger Shipping, Ledger Tax")
    r = compare(build(dict(BODY, Scope=[scope])), build(dict(BODY, Scope=[other])))
    assert r.substantive


def test_a_dated_revision_note_is_history_but_a_dated_line_that_says_what_changed_counts():
    note = "June 27, 2025: We replaced our former privacy notice with a new one. Please read this notice carefully."
    r = compare(build(BODY), build(dict(BODY, **{"Changes to this notice": [note]})))
    assert not r.substantive, [c.reason for c in r.substantive_changes]
    told = "June 27, 2025: We now share purchase data with advertising partners."
    r = compare(build(BODY), build(dict(BODY, Updates=[told])))
    assert r.substantive and "sharing" in r.categories


def test_sentences_glued_by_a_lost_space_are_still_two_sentences():
    from monitor.tokens import split_sentences

    assert split_sentences("We may move it outside the EU.Where we do, we use safeguards.") == [
        "We may move it outside the EU.",
        "Where we do, we use safeguards.",
    ]
    assert split_sentences("Write to J.Smith@quillmere.example or see Acme Inc.The rest.") == [
        "Write to J.Smith@quillmere.example or see Acme Inc.The rest."
    ]
    text = "We may move your data outside the EU. Where we do, we use standard contractual clauses."
    old = build(dict(BODY, Transfers=[text, "You may ask us for a copy of the clauses. Write to us to ask."]))
    glued = [text.replace("EU. Where", "EU.Where"), "You may ask us for a copy of the clauses.Write to us to ask."]
    # The new capture also re-cut the headings into bold paragraphs: the whole-document reading decides.
    b = DocumentBuilder()
    b.block("p", INTRO)
    for heading, blocks in dict(BODY, Transfers=glued).items():
        b.block("p", heading)
        for t in blocks:
            b.block("p", t)
    r = compare(old, b.build("Quillmere privacy notice"))
    assert not r.substantive, [c.reason for c in r.substantive_changes]


def test_a_public_body_named_fully_and_a_hyphenation_fix_with_a_by_are_editing():
    shield = "Quillmere has certified to the Department of Commerce that it adheres to the Privacy Shield Principles."
    tech = "Cookies are used by us and other companies, such as third party analytics providers."
    old = build(dict(BODY, **{"Privacy Shield certification": [shield], "Cookies": [tech]}))
    new = build(
        dict(
            BODY,
            **{
                "Privacy Shield certification": [shield.replace("the Department", "the US Department")],
                "Cookies": [tech.replace("and other", "and by other").replace("third party", "third-party")],
            },
        )
    )
    r = compare(old, new)
    assert not r.substantive, [c.reason for c in r.substantive_changes]
    # A company added to the same list still counts.
    more = build(dict(BODY, **{"Privacy Shield certification": [shield], "Cookies": [tech.replace("such as", "such as Quorvex Inc. and")]}))
    assert compare(old, more).substantive


def test_a_line_that_only_points_to_another_document_is_not_a_change():
    cookies = "We use cookies to keep you signed in."
    old = build(dict(BODY, Cookies=[cookies, 'See "Quillmere Cookie Policy" [link].']))
    r = compare(old, build(dict(BODY, Cookies=[cookies])))
    assert not r.substantive, [c.reason for c in r.substantive_changes]
    # A pointer that also states something is policy text.
    told = build(dict(BODY, Cookies=[cookies, "See our partners page: we share cookie data with advertisers."]))
    assert compare(build(dict(BODY, Cookies=[cookies])), told).substantive


def test_a_sentence_moved_to_the_top_of_the_next_section_with_its_spelling_fixed_is_not_a_change():
    usage = "We collect information about how you use our on-line shop, such as the pages you view and the games you buy."
    keep = ["We keep invoices as long as tax law requires.", "We use usage data to keep the shop secure."]
    old = build(dict(BODY, **{"Data we collect": BODY["Data we collect"] + [usage], "Retention": keep}))
    new = build(dict(BODY, Retention=[keep[0], usage.replace("on-line", "online"), keep[1]]))
    r = compare(old, new)
    assert not r.substantive, [c.reason for c in r.substantive_changes]
    # A new sentence in the same place still counts.
    fresh = "We collect your precise location when you open the shop."
    old = build(dict(BODY, Retention=keep))
    assert compare(old, build(dict(BODY, Retention=[keep[0], fresh, keep[1]]))).substantive

"""The faults a lawyer would not forgive, on fictional documents: facts added or removed are always
reported and named, whatever the wording around them; moved or reworded text stating the same facts is not."""

from monitor.diff import compare
from monitor.document import Document, DocumentBuilder

INTRO = "Halvorsen Maps AS makes the Halvorsen hiking app and is the controller of your personal data."


def build(sections: dict[str, list[str]]) -> Document:
    b = DocumentBuilder()
    b.block("p", INTRO)
    for heading, blocks in sections.items():
        b.heading(heading, 1)
        for text in blocks:
            b.block("p", text)
    return b.build("Halvorsen privacy policy")


BASE = {
    "What we collect": ["We collect your e-mail address and the routes you record."],
    "Cookies": [
        "We use cookies to keep you signed in and analytics cookies to count visits.",
        "You can refuse analytics cookies in the cookie settings.",
    ],
    "Your rights": ["You may ask us to delete, correct or export your data."],
    "Contact": ["Write to privacy@halvorsen.example."],
}


def test_a_right_dropped_from_an_enumeration_is_substantive_and_named():
    new = dict(BASE, **{"Your rights": ["You may ask us to correct your data."]})
    r = compare(build(BASE), build(new))
    assert r.substantive and r.categories == ["rights"] and r.severity == "high"
    reason = r.substantive_changes[0].reason
    assert "deletion" in reason and "portability" in reason, reason


def test_a_right_added_to_an_enumeration_is_named_too():
    new = dict(BASE, **{"Your rights": ["You may ask us to delete, correct, restrict or export your data."]})
    r = compare(build(BASE), build(new))
    assert r.substantive and "rights" in r.categories


def test_a_whole_cookie_section_removed_is_substantive():
    new = {k: v for k, v in BASE.items() if k != "Cookies"}
    r = compare(build(BASE), build(new))
    assert r.substantive and "tracking" in r.categories


def test_a_sale_stance_flipped_in_russian_is_substantive_and_high():
    old = dict(BASE, Sharing=["Мы не продаём ваши персональные данные третьим лицам."])
    new = dict(BASE, Sharing=["Мы продаём ваши персональные данные третьим лицам."])
    r = compare(build(old), build(new))
    assert r.substantive and r.severity == "high"
    assert "sharing" in r.categories


def test_a_country_added_is_named():
    old = dict(BASE, Storage=["We store your data on servers in Norway."])
    new = dict(BASE, Storage=["We store your data on servers in Norway and India."])
    r = compare(build(old), build(new))
    assert r.substantive and "transfer" in r.categories
    assert "India" in " ".join(c.reason for c in r.substantive_changes)


def test_a_paragraph_moved_and_lightly_reworded_is_not_substantive():
    moved = "In the cookie settings, you can refuse analytics cookies."
    old = dict(BASE, Cookies=BASE["Cookies"][:1] + [BASE["Cookies"][1]])
    new = dict(BASE, Cookies=BASE["Cookies"][:1], Contact=BASE["Contact"] + [moved])
    r = compare(build(old), build(new))
    assert not r.substantive, [c.reason for c in r.substantive_changes]


def test_page_moves_and_link_arrows_are_not_policy_text():
    old = dict(BASE, Cookies=BASE["Cookies"] + ["Back to top"])
    new = dict(BASE, Cookies=BASE["Cookies"])
    assert not compare(build(old), build(new)).substantive
    old = dict(BASE, Contact=["Write to privacy@halvorsen.example ↗ or see the help centre ↗."])
    new = dict(BASE, Contact=["Write to privacy@halvorsen.example or see the help centre."])
    assert not compare(build(old), build(new)).substantive


def test_a_rewrite_opens_with_one_summary_line_naming_the_facts():
    new = {
        "Information we hold": ["Our app stores the trails you walk and your e-mail address."],
        "Who receives it": ["We share trail statistics with Fjellkart Analytics AS in India."],
        "What you can do": ["You may ask us to correct your data."],
        "Reaching us": ["Send a letter to Halvorsen Maps AS, Storgata 1, Tromsø."],
    }
    r = compare(build(BASE), build(new))
    assert r.substantive
    assert r.summary.startswith("rewritten: "), r.summary
    assert "of the text changed" in r.summary and "deletion" in r.summary, r.summary


def test_an_ordinary_edit_has_no_rewrite_line():
    new = dict(BASE, **{"Your rights": ["You may ask us to correct your data."]})
    assert not compare(build(BASE), build(new)).summary.startswith("rewritten")


# -- scripts without spaces: counted, diffed and judged like any other ----------------------------

JA = {
    "1. 事業者": ["北浜クラウド株式会社（以下「当社」）は、お客様の個人情報を適切に取り扱います。"],
    "2. 取得する情報": ["当社は、氏名、メールアドレス、利用履歴を取得します。お問い合わせの内容も記録します。"],
    "3. 第三者への提供": ["当社は、お客様の個人情報を第三者に販売しません。法令に基づく場合を除き、同意なく提供しません。"],
    "4. 保存期間": ["アカウント情報は、アカウントの削除後30日間保存します。利用履歴は、収集日から24か月間保存します。"],
    "5. お問い合わせ": ["個人情報に関するお問い合わせは、privacy@kitahama.example までご連絡ください。"],
}


def _edit(doc: dict[str, list[str]], old: str, new: str) -> dict[str, list[str]]:
    return {h: [t.replace(old, new) for t in blocks] for h, blocks in doc.items()}


def test_a_japanese_retention_edit_and_sale_flip_are_substantive_and_high():
    new = _edit(_edit(JA, "24か月間", "5年間"), "販売しません", "販売します")
    r = compare(build(JA), build(new))
    assert not r.suspect and r.substantive and r.severity == "high"
    assert {"retention", "sharing"} <= set(r.categories), r.categories


def test_full_width_digits_in_japanese_are_not_a_change():
    new = _edit(JA, "24か月間", "２４か月間")
    r = compare(build(JA), build(new))
    assert not r.suspect and not r.substantive


def test_a_chinese_retention_edit_is_substantive():
    zh = {
        "1. 我们是谁": ["青岚科技有限公司负责处理您的个人信息，并遵守适用的法律法规。"],
        "2. 我们收集的信息": ["我们收集您的姓名、电子邮件地址和使用记录，用于提供服务。"],
        "3. 共享与出售": ["我们不会出售您的个人信息。除法律要求外，我们不会与第三方共享。"],
        "4. 保存期限": ["账户信息在账户删除后保存30天。使用日志自收集之日起保存24个月。"],
    }
    new = _edit(zh, "保存24个月", "保存5年")
    r = compare(build(zh), build(new))
    assert not r.suspect and r.substantive and "retention" in r.categories


# -- a new country data goes to is a transfer, named --------------------------------------------

SHARING = {
    "Sharing": ["We do not sell your personal data. We share data with our payment processor to take payments."],
}


def _with(sentence: str) -> dict[str, list[str]]:
    return dict(BASE, Sharing=SHARING["Sharing"] + [sentence])


def test_a_recipient_added_in_a_new_country_is_a_transfer_and_high():
    r = compare(build(dict(BASE, **SHARING)), build(_with("We share route data with Kvitfjell Metrics Inc. in India.")))
    assert r.substantive and r.severity == "high"
    assert {"sharing", "transfer"} <= set(r.categories), r.categories
    assert any("India" in c.reason for c in r.substantive_changes)


def test_data_stored_in_a_new_country_is_a_transfer_named_as_a_country_not_a_recipient():
    r = compare(build(dict(BASE, **SHARING)), build(_with("We store backups of your data with our hosting provider in Brazil.")))
    assert r.substantive and "transfer" in r.categories and r.severity == "high"
    reasons = " ".join(c.reason for c in r.substantive_changes)
    assert "Brazil" in reasons and "new recipient: Brazil" not in reasons, reasons


def test_a_country_the_policy_already_names_or_where_people_live_is_no_new_transfer():
    old = dict(BASE, Sharing=SHARING["Sharing"] + ["Our servers are in Norway."])
    new = dict(BASE, Sharing=SHARING["Sharing"] + ["Our servers are in Norway.", "Hikers in Norway love our maps."])
    r = compare(build(old), build(new))
    assert "transfer" not in r.categories


def test_a_sale_flip_reads_the_same_in_every_language():
    for old_s, new_s in [
        ("We do not sell your personal data to anyone.", "We sell your personal data to anyone."),
        ("Nous ne vendons pas vos données personnelles.", "Nous vendons vos données personnelles."),
    ]:
        r = compare(build(dict(BASE, Sale=[old_s])), build(dict(BASE, Sale=[new_s])))
        assert r.substantive and r.severity == "high" and "sharing" in r.categories
        assert any(c.reason.startswith("sale:") for c in r.substantive_changes), [c.reason for c in r.changes]


def test_an_opt_out_link_that_now_covers_sharing_is_a_rights_change():
    link = 'In the app, tap the "Do Not Sell My Personal Information" link in the settings to opt out.'
    california = dict(BASE, **{"California residents": [link]})
    widened = dict(BASE, **{"California residents": [link.replace("Sell My", "Sell or Share My")]})
    r = compare(build(california), build(widened))
    assert r.substantive and r.categories == ["rights"], [c.reason for c in r.substantive_changes]
    # Outside an opt-out link's name, "or share" is about who receives the data.
    plain = dict(BASE, **{"Sharing": ["We sell your route statistics to map publishers."]})
    shared = dict(BASE, **{"Sharing": ["We sell or share your route statistics to map publishers."]})
    r = compare(build(plain), build(shared))
    assert r.substantive and "sharing" in r.categories and "rights" not in r.categories


def test_the_first_word_of_a_table_cell_is_no_recipient():
    rows = [
        "Data | Purpose | Legal basis | Duration | Shared with",
        "Route data | Maps | Execution of the contract | Two years | Our service providers",
    ]
    added = rows + ["Payment data | Billing | Execution of an order | Duration of the account | Our service providers"]
    r = compare(build(dict(BASE, Purposes=rows)), build(dict(BASE, Purposes=added)))
    reasons = " ".join(c.reason for c in r.substantive_changes)
    assert r.substantive and "recipient" not in reasons and "sharing" not in r.categories, reasons
    lead = "We use your data as follows, and share it with our service providers:"
    r = compare(build(BASE), build(dict(BASE, **{"How we use data": [lead, *added]})))
    reasons = " ".join(c.reason for c in r.substantive_changes)
    assert not any(w in reasons for w in ("Execution", "Billing", "Maps", "Two")), reasons


def test_a_company_in_a_table_cell_keeps_its_whole_name():
    lead = "We share your data with these companies:"
    rows = ["Company | Purpose | Country", "Duration Analytics Inc. | Session analytics | Ireland"]
    r = compare(build(BASE), build(dict(BASE, **{"Who receives your data": [lead, *rows]})))
    reasons = " ".join(c.reason for c in r.substantive_changes)
    assert "Duration Analytics Inc." in reasons and "sharing" in r.categories, reasons


def test_a_unit_number_changed_in_an_address_is_contact():
    old = dict(BASE, Contact=["Write to Halvorsen Maps AS, Unit 7 Tanner's Yard, Bergen, or privacy@halvorsen.example."])
    new = dict(BASE, Contact=[old["Contact"][0].replace("Unit 7", "Unit 9")])
    r = compare(build(old), build(new))
    assert r.substantive and r.categories == ["contact"], [c.reason for c in r.changes]


# Multi-word country and region names, each beside an old name that shares a word with it.
WHOLE_NAMES = [
    ("United Kingdom", "United States"),
    ("United States", "United Arab Emirates"),
    ("South Africa", "South Korea"),
    ("New Zealand", "Saudi Arabia"),
    ("Hong Kong", "New Zealand"),
    ("Korea", "South Africa"),
    ("United States", "United Kingdom"),
    ("Norway", "Hong Kong"),
]


def test_a_multi_word_country_added_is_named_whole_never_by_a_leftover_word():
    for old_place, new_place in WHOLE_NAMES:
        stored = f"We store your data on servers in the {old_place}."
        old = dict(BASE, Storage=[stored])
        for added in (
            f"{stored} Our vendors process data in the {new_place}.",  # a sentence added beside it
            f"We store your data on servers in the {old_place} and the {new_place}.",
        ):
            r = compare(build(old), build(dict(BASE, Storage=[added])))
            reasons = " | ".join(c.reason for c in r.substantive_changes)
            assert r.substantive and "transfer" in r.categories, (new_place, reasons)
            assert reasons == f"country added: {new_place}", (old_place, new_place, reasons)


def _doc_with_table(rows: list[str], heading: str = "How long we keep data") -> Document:
    b = DocumentBuilder()
    b.block("p", INTRO)
    b.heading(heading, 1)
    b.block("p", "We keep each kind of record as this table says, then delete it.")
    for row in rows:
        b.block("row", row)
    b.heading("Contact", 1)
    b.block("p", "Write to privacy@halvorsen.example.")
    return b.build("Halvorsen privacy policy")


def test_a_period_in_a_table_row_is_read_with_its_header():
    # The header names the column ("Retention period"); the row alone says only "30 days".
    for heading in ("How long we keep data", "Your data"):
        old = ["Records | Retention period", "Order records | 30 days after completion", "Tickets | 2 years"]
        new = [old[0], "Order records | 90 days after completion", old[2]]
        r = compare(_doc_with_table(old, heading), _doc_with_table(new, heading))
        (change,) = r.substantive_changes
        assert change.categories == ["retention"] and change.severity == "high", change
        assert change.reason == "retention period: 30 days -> 90 days", change.reason
        assert change.section == [heading]  # the header row is context, not a section


def test_a_header_row_is_no_context_for_text_outside_its_table():
    old = ["Records | Retention period", "Order records | 30 days after completion"]
    doc = _doc_with_table(old, "Your data")
    b = DocumentBuilder()
    b.block("p", INTRO)
    b.heading("Your data", 1)
    b.block("p", "We keep each kind of record as this table says, then delete it.")
    for row in old:
        b.block("row", row)
    b.block("p", "Visitors this week: 1237.")
    b.heading("Contact", 1)
    b.block("p", "Write to privacy@halvorsen.example.")
    r = compare(doc, b.build("Halvorsen privacy policy"))
    assert all("retention" not in c.categories for c in r.changes), [c.reason for c in r.changes]


KEEPING = [
    "We keep your account data for 6 months after you close your account, then 90 days in backups.",
    "Server logs are kept for 30 days.",
    "We keep proof of consent and of your requests for 3 years.",
]


def test_a_number_written_out_is_no_change():
    for digits, words in [("6 months", "six months"), ("30 days", "thirty days"), ("3 years", "three years"),
                          ("6 months", "half a year"), ("3 years", "thirty-six months")]:
        new = [s.replace(digits, words) for s in KEEPING]
        r = compare(build(dict(BASE, Retention=KEEPING)), build(dict(BASE, Retention=new)))
        assert not r.substantive, (words, [c.reason for c in r.substantive_changes])


def test_a_number_in_digits_and_in_words_is_no_change_but_a_new_value_is():
    for digits, both in [("6 months", "6 (six) months"), ("6 months", "six (6) months"),
                         ("30 days", "thirty (30) days"), ("3 years", "3 (three) years")]:
        new = [s.replace(digits, both) for s in KEEPING]
        r = compare(build(dict(BASE, Retention=KEEPING)), build(dict(BASE, Retention=new)))
        assert not r.substantive, (both, [c.reason for c in r.substantive_changes])
    new = [s.replace("6 months", "12 (twelve) months") for s in KEEPING]
    r = compare(build(dict(BASE, Retention=KEEPING)), build(dict(BASE, Retention=new)))
    assert r.categories == ["retention"], r.categories
    assert [c.reason for c in r.substantive_changes] == ["retention period: 6 months -> 12 months"]


def test_a_period_proof_of_consent_is_kept_for_is_retention_and_a_minimum_is_named():
    new = [s.replace("3 years", "five years") for s in KEEPING]
    r = compare(build(dict(BASE, Retention=KEEPING)), build(dict(BASE, Retention=new)))
    assert r.categories == ["retention"], r.categories
    assert [c.reason for c in r.substantive_changes] == ["retention period: 3 years -> five years"]
    new = [s.replace("then 90 days", "then at least 90 days") for s in KEEPING]
    r = compare(build(dict(BASE, Retention=KEEPING)), build(dict(BASE, Retention=new)))
    assert r.categories == ["retention"], r.categories
    assert [c.reason for c in r.substantive_changes] == ["retention period: 90 days -> at least 90 days"]


OFFICIAL_NAMES = [
    ("the People's Republic of China", "China"),
    ("the People’s Republic of China", "China"),
    ("the Republic of Korea", "South Korea"),
    ("the Russian Federation", "Russia"),
    ("the Republic of India", "India"),
    ("the Kingdom of Saudi Arabia", "Saudi Arabia"),
    ("the Swiss Confederation", "Switzerland"),
]


def test_a_country_added_by_its_official_name_is_a_country_never_a_recipient():
    lead = "We share personal data with recipients in the following third countries:"
    old = dict(BASE, **{"International transfers": [lead, "- the United States", "- Canada"]})
    for official, country in OFFICIAL_NAMES:
        listed = dict(BASE, **{"International transfers": [lead, "- the United States", "- Canada", f"- {official}"]})
        sentence = f"We transfer personal data to the United States, Canada and {official}."
        in_sentence = (
            dict(BASE, **{"International transfers": [sentence.replace(f", Canada and {official}", " and Canada")]}),
            dict(BASE, **{"International transfers": [sentence]}),
        )
        for before, after in ((old, listed), in_sentence):
            r = compare(build(before), build(after))
            reasons = " | ".join(c.reason for c in r.substantive_changes)
            assert r.substantive and "transfer" in r.categories, (official, reasons)
            assert reasons == f"country added: {country}", (official, reasons)


def _with_table(heading: str, rows: list[str]) -> Document:
    b = DocumentBuilder()
    b.block("p", INTRO)
    for name, blocks in BASE.items():
        b.heading(name, 1)
        for text in blocks:
            b.block("p", text)
    b.heading(heading, 1)
    for row in rows:
        b.block("row", row)
    return b.build("Halvorsen privacy policy")


def test_a_processor_added_in_a_non_eu_country_is_sharing_as_well_as_a_transfer():
    rows = ["Processor | Address | Country", "Skyloft Inc | San Jose, California | United States"]
    added = rows + ["Brightwave Advertising Ltd | 10 Fleet Street, London | United Kingdom"]
    heading = "Processors outside the EU"
    r = compare(_with_table(heading, rows), _with_table(heading, added))
    reasons = " ".join(c.reason for c in r.substantive_changes)
    assert {"sharing", "transfer"} <= set(r.categories), (r.categories, reasons)
    assert "Brightwave Advertising Ltd" in reasons


def test_data_received_from_partners_is_collection_not_sharing():
    old = dict(BASE, **{"What we collect": ["We do not receive tachograph data from your employer or from partners."]})
    new = dict(BASE, **{"What we collect": ["We also receive tachograph data from your employer or from partners."]})
    r = compare(build(old), build(new))
    assert r.substantive and r.categories == ["collection"], (r.categories, [c.reason for c in r.substantive_changes])


def test_consent_dropped_for_marketing_cookies_is_tracking():
    old = dict(BASE, Cookies=["We use strictly necessary cookies to keep you signed in.", "We use marketing cookies only with your consent."])
    new = dict(BASE, Cookies=["We use strictly necessary cookies to keep you signed in.", "We use marketing cookies."])
    r = compare(build(old), build(new))
    assert r.substantive and "tracking" in r.categories and "use" not in r.categories, r.categories
    # A consent asked for marketing e-mails stays a use of data.
    old = dict(BASE, Newsletter=["We send marketing e-mails only with your consent."])
    new = dict(BASE, Newsletter=["We send marketing e-mails."])
    r = compare(build(old), build(new))
    assert r.substantive and "tracking" not in r.categories, r.categories

"""Named facts compared as sets: rights, data, recipients, countries, purposes, periods, sale stance.

Every sentence here is fictional. Each case asserts the exact set of reasons, so a fact found where
there is none fails as surely as a fact missed.
"""

import pytest

from monitor.facts import Fact, compare_facts, extract_facts


def reasons(before: str, after: str, context: str = "") -> set[str]:
    return {c.reason for c in compare_facts(before, after, context)}


def facts(text: str, context: str = "") -> set[tuple[str, str, bool]]:
    return {(f.kind, f.value, f.negated) for f in extract_facts(text, context)}


# -- rights -----------------------------------------------------------------------------------------

RIGHTS_CASES = [
    # Verbs enumerated with their object only once.
    (
        "You may ask us to delete, correct or export your data.",
        "You may ask us to correct your data.",
        {"right removed: deletion", "right removed: portability"},
    ),
    (
        "You have the right to access, rectify and erase your personal data.",
        "You have the right to access, rectify and erase your personal data, and to object to processing.",
        {"right added: objection"},
    ),
    (
        "You can request a copy of your data, ask us to restrict its use or withdraw your consent.",
        "You can request a copy of your data or withdraw your consent.",
        {"right removed: restriction"},
    ),
    (
        "You may lodge a complaint with a supervisory authority.",
        "Please contact us with any questions.",
        {"right removed: complaint"},
    ),
    (
        "You have the right to be forgotten and to data portability.",
        "You have the right to data portability.",
        {"right removed: deletion"},
    ),
    (
        "You have the right not to be subject to a decision based solely on automated processing.",
        "You have the right to ask for human review.",
        {"right removed: automated decisions"},
    ),
    (
        "California residents have the right to know and the right to non-discrimination.",
        "California residents have the right to know, and may appeal a refusal.",
        {"right removed: non-discrimination", "right added: appeal"},
    ),
    # A negation is a change of the right, and a high one.
    (
        "You can delete your account data at any time.",
        "You cannot delete your account data.",
        {"right: 'deletion' -> 'no deletion'"},
    ),
    # Other languages.
    (
        "Vous pouvez demander l'accès, la rectification ou l'effacement de vos données.",
        "Vous pouvez demander l'accès ou la rectification de vos données.",
        {"right removed: deletion"},
    ),
    (
        "Sie haben das Recht auf Auskunft, Berichtigung, Löschung und Datenübertragbarkeit.",
        "Sie haben das Recht auf Auskunft, Berichtigung und Datenübertragbarkeit.",
        {"right removed: deletion"},
    ),
    (
        "Puede ejercer sus derechos de acceso, rectificación, supresión y portabilidad.",
        "Puede ejercer sus derechos de acceso, rectificación y supresión.",
        {"right removed: portability"},
    ),
    (
        "U heeft het recht op inzage, correctie en verwijdering van uw gegevens.",
        "U heeft het recht op inzage en correctie van uw gegevens, en u kunt bezwaar maken.",
        {"right removed: deletion", "right added: objection"},
    ),
]


@pytest.mark.parametrize(("before", "after", "expected"), RIGHTS_CASES)
def test_rights(before, after, expected):
    assert reasons(before, after) == expected


def test_right_removed_is_high_and_added_is_not():
    removed = compare_facts(
        "You may ask us to delete or correct your data.", "You may ask us to correct your data."
    )
    assert [(c.change, c.category, c.severity, c.expands) for c in removed] == [
        ("removed", "rights", "high", True)
    ]
    added = compare_facts(
        "You may ask us to correct your data.", "You may ask us to delete or correct your data."
    )
    assert [(c.change, c.severity, c.expands) for c in added] == [("added", "medium", False)]


def test_synonyms_name_one_right():
    for text in (
        "You can ask us to erase your data.",
        "You have the right to erasure.",
        "You have the right to request deletion of your information.",
        "You have the right to be forgotten.",
        "Sie haben ein Recht auf Löschung.",
        "Vous avez le droit à l'effacement de vos données.",
    ):
        assert ("right", "deletion", False) in facts(text), text
    assert ("right", "portability", False) in facts(
        "You may ask to receive your data in a structured, commonly used and machine-readable format."
    )
    assert ("right", "opt-out of sale", False) in facts(
        "You have the right to opt out of the sale of your data."
    )


def test_verbs_outside_a_rights_clause_are_no_rights():
    assert not {f for f in facts("We delete server logs after 30 days.") if f[0] == "right"}
    assert not {
        f for f in facts("Access controls restrict who can see your data at our offices.") if f[0] == "right"
    }


def test_opt_out_narrowed_to_what_it_is_from_is_one_change():
    got = compare_facts(
        "You can opt out at any time.", "You can opt out of targeted advertising at any time."
    )
    assert [c.reason for c in got] == ["right: opt-out -> opt-out of targeted advertising"]


# -- sale stance ------------------------------------------------------------------------------------

SALE_CASES = [
    ("We do not sell your personal data.", "We sell your personal data."),
    ("We don't sell personal information to anyone.", "We may sell personal information to partners."),
    ("We never sell your personal information.", "We sell your personal information."),
    ("Nous ne vendons pas vos données personnelles.", "Nous vendons vos données personnelles."),
    ("Wir verkaufen Ihre Daten nicht.", "Wir verkaufen Ihre Daten."),
    ("Wir verkaufen keine personenbezogenen Daten.", "Wir verkaufen personenbezogene Daten."),
    ("No vendemos sus datos personales.", "Vendemos sus datos personales."),
    ("Wij verkopen uw persoonsgegevens niet.", "Wij verkopen uw persoonsgegevens."),
    ("Мы не продаём ваши персональные данные.", "Мы продаём ваши персональные данные."),
    ("Мы никогда не продаем ваши данные.", "Мы продаем ваши данные."),
    ("お客様の個人情報を第三者に販売しません。", "お客様の個人情報を第三者に販売します。"),
    ("当社は個人情報を販売することはありません。", "当社は個人情報を販売することがあります。"),
    ("我们不会出售您的个人信息。", "我们会出售您的个人信息。"),
]


@pytest.mark.parametrize(("before", "after"), SALE_CASES)
def test_sale_negation_dropped_is_a_high_sharing_change(before, after):
    got = compare_facts(before, after)
    sale = [c for c in got if c.kind == "sale"]
    assert [c.reason for c in sale] == ["sale: 'do not sell' -> 'sell'"]
    assert sale[0].category == "sharing" and sale[0].severity == "high" and sale[0].expands
    back = [c for c in compare_facts(after, before) if c.kind == "sale"]
    assert [c.reason for c in back] == ["sale: 'sell' -> 'do not sell'"]
    assert not back[0].expands


def test_sharing_for_targeted_advertising_is_a_stance():
    got = reasons(
        "We do not sell or share your personal information for cross-context behavioral advertising.",
        "We may sell or share your personal information for cross-context behavioral advertising.",
    )
    assert got == {
        "sale: 'do not sell' -> 'sell'",
        "sale: 'do not share for targeted advertising' -> 'share for targeted advertising'",
    }


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We do not sell your personal information.", "We never sell your personal information."),
        ("We don't sell your data.", "We do not sell your data, and we never will."),
        ("We sell products and services to businesses.", "We sell products to businesses and consumers."),
        (
            "If we sell our business, your data may pass to the buyer.",
            "If we sell all or part of our company, your data may pass to the buyer.",
        ),
        ("Nous ne vendons pas vos données.", "Nous ne vendons jamais vos données."),
    ],
)
def test_same_sale_stance_reworded_is_no_change(before, after):
    assert not [c for c in compare_facts(before, after) if c.kind == "sale"]


def test_do_not_sell_link_is_a_right_not_a_stance():
    got = facts("Do Not Sell or Share My Personal Information")
    assert not [f for f in got if f[0] == "sale"]
    assert ("right", "opt-out of sale", False) in got


# -- retention and response periods -----------------------------------------------------------------

PERIOD_CASES = [
    (
        "We keep usage data for 24 months.",
        "We keep usage data for 5 years.",
        "retention period: 24 months -> 5 years",
    ),
    (
        "We keep usage data for ２４ months.",
        "We keep usage data for 5 years.",
        "retention period: 24 months -> 5 years",
    ),
    (
        "Logs are deleted after thirty (30) days.",
        "Logs are deleted after 90 days.",
        "retention period: 30 days -> 90 days",
    ),
    ("We keep logs for 90 days.", "We keep logs indefinitely.", "retention period: 90 days -> indefinitely"),
    (
        "Wir speichern Ihre Daten für 24 Monate.",
        "Wir speichern Ihre Daten für 5 Jahre.",
        "retention period: 24 months -> 5 years",
    ),
    (
        "Nous conservons vos données pendant 3 ans.",
        "Nous conservons vos données pendant dix ans.",
        "retention period: 3 years -> 10 years",
    ),
    (
        "Conservamos sus datos durante 2 años.",
        "Conservamos sus datos durante 6 años.",
        "retention period: 2 years -> 6 years",
    ),
    (
        "Wij bewaren uw gegevens 12 maanden.",
        "Wij bewaren uw gegevens 3 jaar.",
        "retention period: 12 months -> 3 years",
    ),
    ("Мы храним данные 3 года.", "Мы храним данные 5 лет.", "retention period: 3 years -> 5 years"),
    (
        "個人情報は24か月間保存します。",
        "個人情報は5年間保存します。",
        "retention period: 24 months -> 5 years",
    ),
    ("我们将保存您的数据6个月。", "我们将保存您的数据2年。", "retention period: 6 months -> 2 years"),
    (
        "We respond to requests within 30 days.",
        "We respond to requests within 45 days.",
        "response time for requests: 30 days -> 45 days",
    ),
]


@pytest.mark.parametrize(("before", "after", "expected"), PERIOD_CASES)
def test_periods(before, after, expected):
    got = compare_facts(before, after)
    assert [c.reason for c in got] == [expected]
    assert got[0].change == "changed" and got[0].expands  # every case above is longer after


def test_shorter_period_is_medium_and_categories_follow_the_kind():
    got = compare_facts("We retain account data for 5 years.", "We retain account data for 1 year.")
    assert [(c.reason, c.category, c.severity) for c in got] == [
        ("retention period: 5 years -> 1 year", "retention", "medium")
    ]
    reply = compare_facts("We answer requests within 30 days.", "We answer requests within 45 days.")
    assert reply[0].category == "rights"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We keep data for 2 years.", "We keep data for 24 months."),
        ("We keep data for two years.", "We keep data for 2 years."),
        ("We keep data for ２ years.", "We keep data for 2 years."),
        (
            "Children under 13 years of age may not use the app.",
            "Children under 16 years of age may not use the app.",
        ),
        ("In the past 12 months we have not sold data.", "In the past 24 months we have not sold data."),
        ("Last updated: 1 March 2024.", "Last updated: 1 May 2025."),
        ("The app shows 3 days of weather.", "The app shows 5 days of weather."),
    ],
)
def test_no_period_change(before, after):
    assert not [c for c in compare_facts(before, after) if c.kind in ("retention", "response")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We keep account data for 6 months.", "We keep account data for 6 (six) months."),
        ("We keep account data for 6 months.", "We keep account data for six (6) months."),
        ("We keep account data for six months.", "We keep account data for 6 (six) months."),
        ("Backups are erased after thirty (30) days.", "Backups are erased after 30 (thirty) days."),
        ("We keep call logs for 24 hours.", "We keep call logs for twenty-four (24) hours."),
        ("Wir speichern Protokolle 6 Monate.", "Wir speichern Protokolle sechs (6) Monate."),
    ],
)
def test_a_number_in_digits_and_in_words_is_one_period(before, after):
    assert reasons(before, after) == set()
    assert [f.days for f in extract_facts(after) if f.kind == "retention"] == [
        f.days for f in extract_facts(before) if f.kind == "retention"
    ]


def test_a_period_written_twice_still_changes_and_two_values_are_not_one():
    assert reasons("We keep account data for 6 months.", "We keep account data for 12 (twelve) months.") == {
        "retention period: 6 months -> 12 months"
    }
    assert reasons("We keep account data for 6 (six) months.", "We keep account data for nine (9) months.") == {
        "retention period: 6 months -> 9 months"
    }
    # Digits and words that disagree are no period at all: the change is not hidden as "the same".
    assert reasons("We keep account data for 6 (six) months.", "We keep account data for 6 (nine) months.") == {
        "retention period removed: 6 months"
    }


def test_several_periods_pair_shortest_first():
    before = "We keep logs for 30 days and invoices for 6 years."
    after = "We keep logs for 60 days and invoices for 10 years."
    assert reasons(before, after) == {
        "retention period: 30 days -> 60 days",
        "retention period: 6 years -> 10 years",
    }


# -- countries ---------------------------------------------------------------------------------------

COUNTRY_CASES = [
    (
        "We store your data on servers in the EEA and the United States.",
        "We store your data on servers in the EEA, the United States and India.",
        {"country added: India"},
    ),
    (
        "Your data may be transferred to the United States and Japan.",
        "Your data may be transferred to the United States.",
        {"country removed: Japan"},
    ),
    (
        "We process data in the EU.",
        "We process data in the EU and the UK.",
        {"country added: United Kingdom"},
    ),
    (
        "Ihre Daten werden in Deutschland gespeichert.",
        "Ihre Daten werden in Deutschland und Indien gespeichert.",
        {"country added: India"},
    ),
    (
        "Vos données sont hébergées en France.",
        "Vos données sont hébergées en France et aux États-Unis.",
        {"country added: United States"},
    ),
    # Multi-word names are matched whole: never a country inside a region's name, nor a leftover word.
    (
        "We store your data on servers in the United Kingdom.",
        "We store your data on servers in the United Kingdom and in South America.",
        {"country added: South America"},
    ),
    (
        "We store your data on servers in Ireland.",
        "We store your data on servers in Ireland and Northern Ireland.",  # Northern Ireland is in the UK, not Ireland
        {"country added: United Kingdom"},
    ),
    (
        "Your data is transferred to South Africa.",
        "Your data is transferred to South Africa and the United Arab Emirates.",
        {"country added: United Arab Emirates"},
    ),
]


@pytest.mark.parametrize(("before", "after", "expected"), COUNTRY_CASES)
def test_countries(before, after, expected):
    got = compare_facts(before, after)
    assert {c.reason for c in got} == expected
    assert all(c.category == "transfer" for c in got)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Data is stored in the USA.", "Data is stored in the United States."),
        ("Data is stored in the U.S.", "Data is hosted in the United States of America."),
        ("Please contact us if you have questions.", "Please write to us if you have any questions."),
        ("CONTACT US", "CONTACT US TODAY"),
        (
            "Transfers rely on safeguards.",
            "Transfers rely on clauses adopted by the European Commission.",
        ),
        ("India is a big market for our products.", "India and Japan are big markets for our products."),
        # A region or state whose name holds a country's is not that country.
        ("Data is stored in the United States.", "Data is stored in the United States and New Mexico."),
        ("Data is stored in Boston.", "Data is stored in Boston and in New England."),
    ],
)
def test_no_country_change(before, after):
    assert not [c for c in compare_facts(before, after) if c.kind == "country"]


def test_a_bare_list_entry_is_a_place_under_a_transfer_heading():
    assert reasons("Canada", "India", context="Countries where your data is processed") == {
        "country removed: Canada",
        "country added: India",
    }
    assert not reasons("Canada", "India")


# -- recipients -------------------------------------------------------------------------------------

RECIPIENT_CASES = [
    (
        "We share your data with our affiliates and service providers.",
        "We share your data with our affiliates, service providers and data brokers.",
        {"recipient added: data brokers"},
    ),
    (
        "We disclose usage data to our hosting provider.",
        "We disclose usage data to our hosting provider and to Veritrope Metrics Inc. for analytics.",
        {"recipient added: Veritrope Metrics Inc.", "purpose added: analytics"},
    ),
    (
        "We share data with service providers such as Quillfeather and Norrvik Ledger AB.",
        "We share data with service providers such as Quillfeather.",
        {"recipient removed: Norrvik Ledger AB"},
    ),
    (
        "We share data with partners, including Quillfeather Labs.",
        "We share data with partners, including Quillfeather Labs and Brightmoor Insights.",
        {"recipient added: Brightmoor Insights"},
    ),
    (
        "We may disclose your information to law enforcement.",
        "We may disclose your information to law enforcement, courts and insurers.",
        {"recipient added: public authorities", "recipient added: insurers"},
    ),
    (
        "We will never share your data with advertisers.",
        "We may share your data with advertisers.",
        {"recipient: 'not advertisers' -> 'advertisers'"},
    ),
]


@pytest.mark.parametrize(("before", "after", "expected"), RECIPIENT_CASES)
def test_recipients(before, after, expected):
    assert reasons(before, after) == expected


def test_new_recipient_is_high_and_a_dropped_one_medium():
    got = compare_facts(
        "We share data with our affiliates.", "We share data with our affiliates and advertisers."
    )
    assert [(c.category, c.severity) for c in got] == [("sharing", "high")]
    got = compare_facts(
        "We share data with our affiliates and advertisers.", "We share data with our affiliates."
    )
    assert [(c.category, c.severity) for c in got] == [("sharing", "medium")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We share data with our vendors.", "We share data with our service providers."),
        ("We share data with Veritrope Metrics, Inc.", "We share data with Veritrope Metrics Inc."),
        (
            "We share data with Acme Pay and Brightmoor Ltd.",
            "We share data with Brightmoor Ltd and Acme Pay.",
        ),
        ("Lumenfold Ltd is the controller of your data.", "Lumenfold Ltd. is the controller of your data."),
    ],
)
def test_no_recipient_change(before, after):
    assert not [c for c in compare_facts(before, after) if c.kind == "recipient"]


def test_exception_lifts_the_negation():
    got = facts("We do not share your data with third parties except service providers.")
    assert ("recipient", "service providers", False) in got
    got = facts("If you do not consent, we will not share your data with advertisers.")
    assert ("recipient", "advertisers", True) in got


def test_company_named_outside_sharing_is_no_recipient():
    assert not [
        f for f in facts("Lumenfold Ltd is the controller responsible for your data.") if f[0] == "recipient"
    ]


# -- data and purposes ------------------------------------------------------------------------------

DATA_PURPOSE_CASES = [
    (
        "We collect your name, email address and phone number.",
        "We collect your name, email address, phone number and precise location.",
        {"data added: precise location"},
    ),
    (
        "We collect your name, date of birth and IP address.",
        "We collect your name and IP address.",
        {"data removed: date of birth"},
    ),
    (
        "We do not collect biometric data.",
        "We collect biometric data, such as face prints, to verify your identity.",
        {"data: 'not biometric data' -> 'biometric data'"},
    ),
    (
        "We use your data to personalise the service.",
        "We use your data to personalise the service and to train our machine learning models.",
        {"purpose added: training AI models"},
    ),
    (
        "We do not use your content to train AI models.",
        "We use your content to train AI models.",
        {"purpose: 'not training AI models' -> 'training AI models'"},
    ),
    (
        "We use contact details for customer support and fraud prevention.",
        "We use contact details for customer support, fraud prevention and marketing.",
        {"purpose added: marketing"},
    ),
]


@pytest.mark.parametrize(("before", "after", "expected"), DATA_PURPOSE_CASES)
def test_data_and_purposes(before, after, expected):
    assert reasons(before, after) == expected


def test_data_and_purpose_categories():
    got = compare_facts("We collect your email address.", "We collect your email address and health data.")
    assert [(c.category, c.severity) for c in got] == [("collection", "high")]
    got = compare_facts("We use data for analytics.", "We use data for analytics and advertising.")
    assert [(c.category, c.severity) for c in got] == [("use", "high")]


# -- what is no change ------------------------------------------------------------------------------

NO_CHANGE = [
    (
        "You can ask us to erase your personal data.",
        "You have the right to request deletion of your personal information.",
    ),
    (
        "You have the right to access, rectify and erase your data, and to lodge a complaint with "
        "a supervisory authority.",
        "You have the right to lodge a complaint with a supervisory authority and to access, rectify "
        "and erase your data.",
    ),
    # A right moved to another sentence of the same passage.
    (
        "You have the right to delete your data. We keep logs for 90 days.",
        "We keep logs for 90 days. You also have the right to delete your data.",
    ),
    # A link target and a revision date.
    (
        "You can [delete your account](https://help.example.com/a?ref=1) at any time.",
        "You can [delete your account](https://support.example.com/delete) at any time.",
    ),
    (
        "Last updated March 1, 2024. We collect your email address.",
        "Last updated June 9, 2025. We collect your email address.",
    ),
    # Typography, ligatures and full-width digits.
    ("We keep ﬁles for ３０ days.", "We keep files for 30 days."),
    ("We don’t sell your data.", "We don't sell your data."),
    # Editorial rewording with the same facts.
    (
        "We share your information with service providers who help us run the service.",
        "Service providers that help us operate the service receive your information from us.",
    ),
]


@pytest.mark.parametrize(("before", "after"), NO_CHANGE)
def test_no_fact_change(before, after):
    assert compare_facts(before, after) == []


def test_facts_are_hashable_values_with_their_category():
    got = extract_facts("We keep your email address for 24 months.")
    assert Fact("data", "email address", "collection") in got
    retention = [f for f in got if f.kind == "retention"]
    assert retention[0].value == "24 months" and round(retention[0].days or 0) == 730


def test_bad_input_gives_no_facts_and_no_error():
    for text in ("", "   ", "\x00\x01", "|||", "([[", "a" * 5000):
        assert extract_facts(text) == frozenset()
    assert compare_facts("", "") == []


def test_accents_lost_or_restored_change_no_fact():
    assert (
        compare_facts(
            "Vos donnees peuvent etre transferees hors de l'Union europeenne; vous pouvez demander l'acces.",
            "Vos données peuvent être transférées hors de l'Union européenne; vous pouvez demander l'accès.",
        )
        == []
    )


def test_names_of_transfer_frameworks_are_no_places():
    before = "We transfer data to the United States under the EU-U.S. Data Privacy Framework."
    after = "We transfer data to the United States under the EU-U.S. and Swiss-U.S. Data Privacy Frameworks."
    assert compare_facts(before, after) == []


@pytest.mark.parametrize(
    "text",
    [
        "If you are a resident of the EU, the UK or Switzerland, you have the right to access your data.",
        "Our representative in Turkey is Brightmoor Temsilcilik Ltd, which processes requests locally.",
        "These terms are governed by the laws of Ireland, and we process data to provide the service.",
    ],
)
def test_where_people_live_or_a_company_sits_is_no_transfer(text):
    assert not [f for f in facts(text) if f[0] == "country"]


def test_a_negation_does_not_reach_across_a_long_sentence():
    text = (
        "The remember-me option does not give direct access to your account, which you reach by signing in "
        "with your password each time, and when you sign in we show your name and your order history."
    )
    got = facts(text)
    assert ("data", "name", False) in got and ("data", "purchase history", False) in got


def test_servers_located_in_a_country_are_a_place():
    assert reasons(
        "Our servers are located in Germany.", "Our servers are located in Germany and India."
    ) == {"country added: India"}


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (
            "We do not retain your prompts.",
            "We retain your prompts for 30 days.",
            "retention period: not retained -> 30 days",
        ),
        (
            "We keep your files until you close your account.",
            "We keep your files for 2 years after you close your account.",
            "retention period: until the account is closed -> 2 years",
        ),
        (
            "Customer data is kept until the customer requests its deletion.",
            "Customer data is kept for 90 days.",
            "retention period: until deletion is requested -> 90 days",
        ),
    ],
)
def test_periods_without_a_number(before, after, expected):
    assert [c.reason for c in compare_facts(before, after)] == [expected]


def test_name_is_a_kind_of_data_only_as_a_persons_name():
    assert ("data", "name", False) in facts("We collect your name and email address.")
    assert ("data", "name", False) in facts("We collect your email address, name, and phone number.")
    for text in (
        "Name: Brightmoor Temsilcilik",
        "The name of the service changed.",
        "We register domain names.",
    ):
        assert not [f for f in facts(text) if f[1] == "name"], text


def test_where_visitors_come_from_is_no_transfer():
    text = (
        "If you are accessing our services from the EEA, the UK or Switzerland, we store your data in Canada."
    )
    assert {f for f in facts(text) if f[0] == "country"} == {("country", "Canada", False)}


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("We push back when a request does not follow the correct process.", "right", "correction"),
        ("We use physical security measures to prevent unauthorised access.", "purpose", "analytics"),
        ("Processing of personal data for sending electronic messages.", "data", "messages"),
    ],
)
def test_words_that_only_look_like_a_fact(text, kind, value):
    assert not [f for f in facts(text) if f[:2] == (kind, value)]


def test_opt_out_named_far_from_what_it_is_from():
    text = (
        "You may have the right to opt out of the processing of your personal data for cross-context "
        "behavioral advertising."
    )
    assert {f for f in facts(text) if f[0] in ("right", "purpose")} == {
        ("right", "opt-out of targeted advertising", False)
    }


@pytest.mark.parametrize(
    "text",
    [
        "You can access our services through a voice-enabled device, like Lumenvale Echo.",
        "We delete the data of your support request after the processing of your request has been completed.",
        "When you send email or other communication to us, we may retain it.",
        "These companies make motion pictures and television.",
    ],
)
def test_no_fact_in_passing_words(text):
    got = {f for f in facts(text) if f[0] in ("right", "recipient", "data")}
    assert got == set(), got


@pytest.mark.parametrize(
    "text",
    [
        "We may sell or give away anonymous or aggregate information.",
        "If you buy or sell items on the marketplace and a dispute arises with another member, we use your "
        "personal data to resolve it.",
    ],
)
def test_no_sale_of_personal_data(text):
    assert not [f for f in facts(text) if f[0] == "sale"]


def test_personal_data_named_before_the_verb_is_sold():
    assert ("sale", "sell", True) in facts("Your personal information is never sold.")


def test_recruitment_is_a_purpose():
    before = "We process your data to provide the service."
    after = "We process your data to provide the service and to decide on your job application."
    assert reasons(before, after) == {"purpose added: recruitment"}


def test_a_link_to_another_notice_names_no_purpose():
    assert (
        reasons("Privacy Policy | Cookie Policy", "Privacy Policy | Cookie Policy | Candidate Privacy Policy")
        == set()
    )


def test_a_recipient_renamed_in_a_list_is_neither_removed_nor_added():
    before = "If you use our shop services (including Quill Shipping, Quill Tax, and QuillPay), we share your order."
    after = before.replace("Quill Shipping, Quill Tax", "QuillCommerce Shipping, QuillCommerce Tax")
    assert compare_facts(before, after, "Information you provide") == []
    # Another product of the same company is a different recipient.
    swapped = compare_facts(
        "We share usage data with partners such as Quill Analytics.", "We share usage data with partners such as Quill Ads."
    )
    assert {c.reason for c in swapped if c.fact.kind == "recipient"} == {
        "recipient added: Quill Ads",
        "recipient removed: Quill Analytics",
    }


def test_recipients_read_alike_with_third_party_hyphenated_or_not():
    spaced = "We permit third party advertising networks and social media companies to collect data about your visits."
    hyphenated = spaced.replace("third party", "third-party")
    assert extract_facts(spaced) == extract_facts(hyphenated)
    assert {f.value for f in extract_facts(hyphenated) if f.kind == "recipient"} >= {"advertisers", "social networks"}


def test_what_a_service_calls_itself_or_a_country_is_no_recipient():
    own = "Welcome to Quillhub, an open source social networking platform where everyone can share their interests."
    assert not [f for f in extract_facts(own) if f.kind == "recipient"]
    assert {f.value for f in extract_facts("We share your posts with social networking sites when you ask us to.")} >= {
        "social networks"
    }
    listed = (
        "Our service providers have operations in several places, including in the United States If you visit "
        "us from the European Economic Area, UK or Switzerland, your data is processed outside the EEA."
    )
    assert {f.value for f in extract_facts(listed) if f.kind == "recipient"} == {"service providers"}


def test_a_country_in_a_company_name_is_the_company_not_a_place():
    reasons = {
        c.reason
        for c in compare_facts(
            "We share your data with Quillmere Ltd to process payments.",
            "We share your data with Quillmere Europe Ltd to process payments.",
        )
    }
    assert "country added: Europe" not in reasons and "recipient added: Quillmere Europe Ltd" in reasons
    reasons = {c.reason for c in compare_facts("We store your data with Acme Ltd.", "We store your data with Acme Ltd in India.")}
    assert "country added: India" in reasons


def test_selling_profiles_is_a_sale_but_a_user_selling_items_is_not():
    assert {(f.kind, f.negated) for f in extract_facts("We sell learner profiles to education partners.")} >= {("sale", False)}
    assert not [f for f in extract_facts("If you sell items from your profile page, we charge a fee.") if f.kind == "sale"]
    assert {(f.kind, f.negated) for f in extract_facts("We never sell your profile.")} >= {("sale", True)}


def test_technologies_listed_and_a_representative_are_no_recipients():
    def recipients(text: str, context: str = "") -> set[str]:
        return {f.value for f in extract_facts(text, context) if f.kind == "recipient"}

    things = recipients("We share location gathered through technologies such as GPS, Bluetooth or WiFi with advertisers.")
    assert "advertisers" in things and not things & {"GPS", "Bluetooth", "WiFi"}
    assert not recipients("We share mobile ad identifiers (e.g., Apple IDFA or Android AAID) with advertisers.") & {
        "Apple IDFA", "Android AAID"
    }
    role = "Quillmere Europe Limited is the representative of Quillmere Inc. in the EU, at 4 Lantern Lane."
    assert recipients(role, "Sharing and international transfers") == set()
    # Companies listed after a recipient noun still are recipients, with or without a suffix.
    assert recipients("We share data with partners such as Quorvex and Bellwright.") == {"Quorvex", "Bellwright"}
    assert recipients("Quorvex Ltd is our payment processor.", "Sharing") >= {"Quorvex Ltd"}


def test_facts_of_sentences_read_before_are_the_facts_read_afresh():
    """extract_facts reads each sentence once per heading (a cache shared by both versions and every
    passage): what it finds with that cache warm, from other passages and other headings, is what it
    finds cold."""
    from monitor import facts as facts_module

    passages = [
        ("India\nWe keep your data for 30 days. We may sell your data.", ""),
        ("India\nWe keep your data for 30 days. We may sell your data.", "International transfers"),
        ("Advertising partners\nWe do not sell your data. You may request deletion.", "Who we share with"),
        ("Advertising partners\nWe keep logs until you request deletion.", "Retention"),
        ("We keep logs until you request deletion. India", "Where we store data"),
    ]
    cold = []
    for text, context in passages:
        facts_module.clear_caches()
        cold.append(extract_facts(text, context))
    assert cold[0] != cold[1]  # the heading counts: the same sentences read under another differ
    facts_module.clear_caches()
    for text, context in passages + passages[::-1]:
        extract_facts.cache_clear()  # the passage's own cache cleared; its sentences' kept
        assert extract_facts(text, context) == cold[passages.index((text, context))], (text, context)


# -- quantities compared by value, whatever the way they are written -------------------------------


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("We keep data for 6 months.", "We keep data for six months."),
        ("Logs are kept for 30 days.", "Logs are kept for thirty days."),
        ("We keep logs for 24 hours.", "We keep logs for twenty-four hours."),
        ("We keep logs for 24 hours.", "We keep logs for twenty four hours."),
        ("We keep invoices for 1 year.", "We keep invoices for a year."),
        ("We keep invoices for 6 months.", "We keep invoices for half a year."),
        ("We keep invoices for 12 months.", "We keep invoices for a dozen months."),
        ("We keep backups for 180 days.", "We keep backups for one hundred and eighty days."),
        ("We keep backups for 45 days.", "We keep backups for forty-five days."),
        ("Nous conservons les données 24 mois.", "Nous conservons les données vingt-quatre mois."),
        ("Nous conservons les données 90 jours.", "Nous conservons les données quatre-vingt-dix jours."),
        ("Wir speichern die Daten 24 Monate.", "Wir speichern die Daten vierundzwanzig Monate."),
        ("Conservamos los datos 24 meses.", "Conservamos los datos veinticuatro meses."),
        ("Wij bewaren de gegevens 24 maanden.", "Wij bewaren de gegevens vierentwintig maanden."),
    ],
)
def test_a_number_written_out_is_the_same_period(before, after):
    assert compare_facts(before, after) == []
    assert extract_facts(after), after  # the written-out period is read, not skipped


def test_a_minimum_added_to_the_same_period_is_a_change_not_a_removal():
    before = "We keep account data for 6 months, then 90 days in backups."
    after = "We keep account data for 6 months, then at least 90 days in backups."
    assert reasons(before, after) == {"retention period: 90 days -> at least 90 days"}
    # An age stays an age: "must be at least 16 years old" states no period.
    assert not extract_facts("Users must be at least 16 years old.")


@pytest.mark.parametrize(
    "sentence",
    [
        "We keep proof of your request and of consent for 3 years.",
        "We keep records of your requests for 3 years.",
        "Records of consent and of your requests are stored for 3 years.",
    ],
)
def test_a_period_something_is_kept_for_is_retention_whatever_the_clause_names(sentence):
    got = compare_facts(sentence, sentence.replace("3 years", "5 years"))
    assert [(c.reason, c.category) for c in got] == [("retention period: 3 years -> 5 years", "retention")]


def test_a_deadline_for_requests_is_still_a_response_time():
    got = compare_facts("Requests are handled within 30 days.", "Requests are handled within 45 days.")
    assert [(c.reason, c.category) for c in got] == [("response time for requests: 30 days -> 45 days", "rights")]

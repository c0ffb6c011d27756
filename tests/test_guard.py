"""Failed-capture detection, and no false alarms on ordinary policy endings."""

from monitor.document import Document, DocumentBuilder
from monitor.guard import accepting, assess, capture_problem, redirect_problem

BODY = (
    "Fennwick Ltd explains here how it handles personal data of customers and visitors. "
    "We collect your name, e-mail address and order history to deliver the goods you buy. "
    "We keep order records for six years because tax law requires it and delete them afterwards. "
)


def doc(*blocks: str, last_kind: str = "p") -> Document:
    b = DocumentBuilder()
    b.heading("Privacy notice", 1)
    for i, text in enumerate(blocks):
        b.block(last_kind if i == len(blocks) - 1 else "p", text)
    return b.build("Fennwick privacy notice")


def test_empty_and_near_empty():
    assert capture_problem(Document("x")) == "empty document"
    # title (3 words) + heading (2) + body (4)
    assert capture_problem(doc("Loading the page now")) == "near-empty document (9 words)"


def test_login_wall():
    wall = doc(
        "Please verify you are human to continue. " + "Checking your browser before accessing the site. " * 5
    )
    assert capture_problem(wall) == "looks like a login or captcha wall"


def test_lost_most_of_its_text():
    old = doc(*[BODY] * 10)
    new = doc(*[BODY] * 3)
    reason = capture_problem(new, old)
    assert reason is not None and reason.startswith("lost 6") and reason.endswith("% of its text")


def test_cut_off_mid_word_against_old():
    old = doc(BODY, BODY + "Contact us for any question about this notice.")
    new = doc(BODY, BODY + "Contact us for any ques")
    assert capture_problem(new, old) == "cut off mid-sentence"


def test_cut_off_without_old_on_a_dangling_word():
    assert capture_problem(doc(BODY, BODY + "and we share it with the")) == "cut off mid-sentence"


def test_homepage_instead_of_policy():
    page = DocumentBuilder()
    page.block(
        "p", "Welcome to the best bakery in town. Fresh bread every morning, cakes for every party. " * 4
    )
    assert "does not look like a policy page" in capture_problem(page.build("Bakery"))


def test_ordinary_endings_are_not_alarms():
    endings = (
        "Fennwick Ltd, 12 Harbour Road, Port Elsby",
        "privacy@fennwick.example",
        "Last updated 3 March 2024",
        "Order history and invoices",
    )
    for ending in endings:
        for kind in ("p", "li"):
            d = doc(BODY, BODY, ending, last_kind=kind)
            assert capture_problem(d) is None, (ending, kind)
            assert capture_problem(d, d) is None, (ending, kind)


def test_small_edit_is_not_a_problem():
    old = doc(BODY, BODY + "We answer within 30 days.")
    new = doc(BODY, BODY + "We answer within 45 days.")
    assert capture_problem(new, old) is None


# -- what a policy is: prose and sections, not a phrase (issue 8 items 5 and 7) ------------------

SHORT_POLICY = {
    "Who we are": "Quillmere Maps AB, Sjögatan 3, Umeå, is the controller of the personal data in this notice.",
    "What we collect": "We collect your e-mail address and the routes you save, so that you can find them again.",
    "Keeping our forms safe": (
        "Our sign-up form is protected by {widget}, which checks that a person and not a script fills it in. "
        "It reads technical details of your browser and sends them to its provider."
    ),
    "How long we keep it": "We keep saved routes for 3 years after your last visit and then delete them.",
    "Your rights": "You may ask for a copy of your data, or ask us to correct or delete it, at any time.",
}


def sections_doc(sections: dict[str, str], title: str = "Privacy notice") -> Document:
    b = DocumentBuilder()
    for heading, text in sections.items():
        b.heading(heading, 2)
        b.block("p", text)
    return b.build(title)


def test_short_policy_that_mentions_its_captcha_is_a_policy():
    for widget in ("reCAPTCHA", "hCaptcha", "a CAPTCHA", "Cloudflare Turnstile (a CAPTCHA alternative)"):
        text = {k: v.format(widget=widget) for k, v in SHORT_POLICY.items()}
        policy = sections_doc(text)
        assert policy.word_count < 200
        assert capture_problem(policy) is None, widget
        # ...and against its previous version too, with a real edit.
        edited = sections_doc({**text, "How long we keep it": "We keep saved routes for 5 years."})
        assert capture_problem(edited, policy) is None, widget


def test_walls_are_still_walls_even_with_headings():
    bot_check = sections_doc(
        {
            "Verify you are human": "Complete the CAPTCHA below so that we can let you through to the site.",
            "Why am I seeing this page?": (
                "Requests from your network looked automated. The check uses data about your browser as "
                "described in our privacy notice."
            ),
            "What can I do?": "Wait a moment and try again, or contact the site owner with reference 7f3a9.",
        },
        title="Just a moment...",
    )
    assert capture_problem(bot_check) == "looks like a login or captcha wall"
    assert capture_problem(bot_check, doc(*[BODY] * 4)) == "looks like a login or captcha wall"
    sign_in = DocumentBuilder()
    sign_in.block("p", "Please sign in to continue to your Tallowby workspace and its privacy settings.")
    sign_in.block("p", "Use your work e-mail address and password. Forgot your password? We can send a link.")
    sign_in.block("p", "Keep me signed in on this device for 30 days unless I sign out myself.")
    assert capture_problem(sign_in.build("Sign in")) == "looks like a login or captcha wall"


def test_gates_without_policy_content_are_suspect_on_a_first_capture():
    consent = DocumentBuilder()
    consent.block(
        "p",
        "We and our partners use cookies and personal data to show you content, measure how it is used "
        "and personalise the ads you see, depending on your choices.",
    )
    consent.block("p", "Choose Accept all to allow all purposes, or Reject all to allow only what is necessary.")
    consent.block("p", "You can change your choice at any time under Privacy settings at the foot of each page.")
    reason = capture_problem(consent.build("Before you go on"))
    assert reason is not None and "does not look like a policy page" in reason
    picker = DocumentBuilder()
    picker.heading("Choose your region", 2)
    for country in ("Deutschland", "España", "France", "Italia", "Nederland", "Polska", "Sverige", "UK"):
        picker.block("li", f"{country} privacy policy")
    picker.block("p", "Select the country where you live to read the privacy policy that applies to you.")
    reason = capture_problem(picker.build("Privacy"))
    assert reason is not None and "does not look like a policy page" in reason


def test_a_brief_notice_under_one_heading_is_a_policy():
    # Neighbour of the gate rule: a short notice with a heading and real sentences is stored.
    assert capture_problem(doc(BODY, BODY, BODY)) is None
    assert capture_problem(doc(*[BODY] * 3), doc(*[BODY] * 4)) is None


def test_problem_kinds():
    gate = assess(doc("Loading the page now"))
    assert gate is not None and not gate.relative
    shrink = assess(doc(*[BODY] * 3), doc(*[BODY] * 10))
    assert shrink is not None and shrink.relative and shrink.reason.startswith("lost")
    cut = assess(doc(BODY, BODY + "Contact us for any ques"), doc(BODY, BODY + "Contact us for any question."))
    assert cut is not None and cut.relative


def test_accepting_lets_only_the_accepted_kind_through():
    old, new = doc(*[BODY] * 10), doc(*[BODY] * 3)
    assert capture_problem(new, old) is not None
    with accepting():
        assert capture_problem(new, old) is None
        assert capture_problem(doc("Loading the page now"), old) is not None  # intrinsic: still held
    with accepting("all"):
        assert capture_problem(doc("Loading the page now"), old) is None
    assert capture_problem(new, old) is not None  # only inside the block


# -- redirects to gates -----------------------------------------------------------------------


def test_redirect_to_a_gate_that_returns_to_the_watched_page():
    watched = "https://shop.example/legal/privacy"
    for final in (
        "https://shop.example/login?next=%2Flegal%2Fprivacy",
        "https://shop.example/consent?continue=https%3A%2F%2Fshop.example%2Flegal%2Fprivacy",
        "https://shop.example/auth?returnTo=/legal/privacy/&lang=en",
        "https://accounts.shop.example/signin?redirect_uri=https://shop.example/legal/privacy",
    ):
        reason = redirect_problem(watched, final)
        assert reason is not None and "gate" in reason, final
    assert redirect_problem(watched, "https://shop.example/") == "redirected to the site's home page"


def test_redirects_that_are_not_gates():
    watched = "https://shop.example/privacy"
    assert redirect_problem(watched, watched) is None
    assert redirect_problem(watched, "https://shop.example/legal/privacy-policy") is None  # moved for good
    assert redirect_problem(watched, "https://shop.example/privacy/") is None
    assert redirect_problem(watched, "https://shop.example/privacy?lang=en") is None
    assert redirect_problem(watched, "https://www.shop.example/en/privacy") is None
    # A gate parameter that points somewhere else is not a return to the watched page.
    assert redirect_problem(watched, "https://shop.example/help?next=%2Fterms") is None
    # The site root watched on purpose is not "sent home".
    assert redirect_problem("https://shop.example/", "https://shop.example/") is None


def test_policy_whose_headings_were_not_recognised_is_not_a_gate():
    # Questions left as plain paragraphs (no heading markup): many paragraphs of prose, a policy.
    faq = DocumentBuilder()
    for question, answer in (
        ("Who runs this service?", "Harrowgate Learning Ltd, 4 Mill Lane, Bath, runs the service and controls your data."),
        ("What do you collect?", "Your name, e-mail address and the courses you take, with your quiz results."),
        ("Who sees my data?", "Only our hosting provider in Ireland and our e-mail provider in Germany, under contract."),
        ("How long do you keep it?", "Account data until you close your account; course progress for 3 years."),
        ("Can I have it deleted?", "Yes. Write to us and we delete your account and your course data within a month."),
        ("Do you use cookies?", "Only one cookie that keeps you signed in, and no analytics or advertising cookies."),
        ("Whom can I ask?", "Write to privacy@harrowgate.example and our data protection officer will answer you."),
    ):
        faq.block("p", question)
        faq.block("p", answer)
    assert capture_problem(faq.build("Privacy questions")) is None


def test_short_sentences_are_prose_and_labels_are_not():
    # Terse policies write short sentences; they are prose, not menu labels.
    terse = DocumentBuilder()
    terse.block("p", "Oakhollow Games Ltd runs this app and is responsible for your personal data here.")
    terse.heading("Selling", 2)
    terse.block("p", "We never sell your data.")
    terse.heading("Keeping", 2)
    terse.block("p", "We delete it after a year.")
    terse.heading("Sharing", 2)
    terse.block("p", "Our host in Finland stores it.")
    terse.heading("Your rights", 2)
    terse.block("p", "Ask us for a copy anytime.")
    assert capture_problem(terse.build("Privacy")) is None
    # The same number of words as labels (a menu of links) is not a policy.
    menu = DocumentBuilder()
    menu.block("p", "Oakhollow Games Ltd runs this app and is responsible for your personal data here.")
    labels = ("Our games", "Support centre", "Careers at Oakhollow", "Press kit", "Privacy settings", "Forum")
    more = ("Newsletter sign-up", "Gift cards", "Store locator", "Accessibility", "Investor relations")
    for label in labels + more + ("Modern slavery statement", "Cookie preferences", "Help with orders"):
        menu.block("li", label)
    reason = capture_problem(menu.build("Privacy"))
    assert reason is not None and "does not look like a policy page" in reason


def test_a_policy_that_lost_its_headings_is_not_a_gate():
    sections = {k: v.format(widget="a CAPTCHA") for k, v in SHORT_POLICY.items()}
    policy = sections_doc(sections)
    recut = DocumentBuilder()
    for heading, text in sections.items():
        recut.block("p", heading)  # the heading markup was lost: same words, now paragraphs
        recut.block("p", text.replace("3 years", "5 years"))
    recut_doc = recut.build("Privacy notice")
    # Alone it has the shape of a dialog; next to the policy it re-cuts, it is that policy.
    assert capture_problem(recut_doc) is not None
    assert capture_problem(recut_doc, policy) is None
    # A dialog after a policy shares little of its words: still held.
    consent = DocumentBuilder()
    consent.block("p", "We and our partners use cookies to measure how the site is used and to show you offers.")
    consent.block("p", "Choose Accept all to allow every purpose, or Reject all to allow only what is needed.")
    consent.block("p", "You can change your choice at any time under the settings link at the foot of each page.")
    consent_doc = consent.build("Before you go on")
    assert capture_problem(consent_doc, policy) is not None
    assert capture_problem(consent_doc, consent_doc) is not None  # a gate is a gate, whatever came before


def test_a_rewrite_naming_foreign_places_is_not_a_language_switch():
    from monitor.document import DocumentBuilder
    from monitor.guard import language_change

    def doc(paragraphs):
        b = DocumentBuilder()
        for i, text in enumerate(paragraphs):
            b.heading(f"Part {i + 1}", 1)
            b.block("p", text)
        return b.build("Privacy")

    old = doc([
        "We collect your e-mail address and the routes you record in the app.",
        "We use cookies to keep you signed in and to count visits to our pages.",
        "You may ask us to delete, correct or export your data at any time.",
        "Write to privacy@halvorsen.example with any question about your data.",
    ])
    new = doc([
        "Our app stores the trails you walk and your e-mail address.",
        "We share trail statistics with Fjellkart Analytics AS in Tromsø and Bodø.",
        "You may ask us to correct your data.",
        "Send a letter to Halvorsen Maps AS, Storgata 1, Tromsø, or write to us.",
    ])
    assert language_change(new, old) is None


def _sectioned(sections: dict[str, str]) -> Document:
    b = DocumentBuilder()
    for heading, text in sections.items():
        b.heading(heading, 1)
        b.block("p", text)
    return b.build("Fennwick privacy notice")


COOKIES = " ".join(
    f"Cookie {i} is set by our shop to remember your basket and expires after {i + 1} months." for i in range(30)
)
SECTIONED = {
    "Contents": "Who we are. What we collect. Cookies. Your rights. Contact.",
    "Who we are": BODY,
    "What we collect": BODY,
    "Cookies": COOKIES,
    "Your rights": "You may ask us to access, correct or delete your data at any time.",
    "Contact": "Write to privacy@fennwick.example with any question about this notice.",
}


def test_a_whole_section_removed_from_the_middle_is_a_change_not_a_lost_capture():
    new = {k: v for k, v in SECTIONED.items() if k != "Cookies"}
    new["Contents"] = "Who we are. What we collect. Your rights. Contact."
    assert capture_problem(_sectioned(new), _sectioned(SECTIONED)) is None
    from monitor.diff import compare

    r = compare(_sectioned(SECTIONED), _sectioned(new))
    assert r.substantive and "tracking" in r.categories


def test_losing_the_end_or_text_inside_sections_is_still_a_lost_capture():
    cut_end = dict(list(SECTIONED.items())[:3])
    assert (capture_problem(_sectioned(cut_end), _sectioned(SECTIONED)) or "").startswith("lost")
    thinned = dict(SECTIONED, Cookies=COOKIES[:200])
    assert (capture_problem(_sectioned(thinned), _sectioned(SECTIONED)) or "").startswith("lost")


# -- locale variants: the en-GB and en-US pages of one policy -----------------------------------

_GB = [
    "Quillmere Games Ltd is the organisation responsible for your personal data, and this notice explains our behaviour.",
    "We analyse how you play to personalise the games we recommend and to optimise our servers.",
    "Our support centre answers requests from the whole community within thirty days.",
    "We are authorised to share your data with the payment providers we have recognised as secure.",
    "We minimise the data we keep and anonymise what we use for statistics about our programme.",
    "You may complain to the Information Commissioner's Office about how we handle your data.",
]


def _us(paragraphs: list[str]) -> list[str]:
    us = []
    for p in paragraphs:
        for gb, am in (("organisation", "organization"), ("behaviour", "behavior"), ("analyse", "analyze"),
                       ("personalise", "personalize"), ("optimise", "optimize"), ("centre", "center"),
                       ("authorised", "authorized"), ("recognised", "recognized"), ("minimise", "minimize"),
                       ("anonymise", "anonymize"), ("programme", "program")):
            p = p.replace(gb, am)
        us.append(p)
    return us


def test_the_en_gb_and_en_us_pages_of_one_policy_are_a_locale_switch_not_a_change():
    gb = doc(*_GB)
    # The US page names its own regulator route instead of the UK one.
    us = doc(*_us(_GB[:-1]), "California residents may ask us what personal information we sold or shared.")
    assert capture_problem(us, gb) == "language changed (en-GB -> en-US): another rendering of the page, not a change"
    assert capture_problem(gb, us) is not None


def test_a_rewrite_that_also_changes_its_spelling_is_not_a_locale_switch():
    gb = doc(*_GB)
    rewritten = doc(
        "Quillmere Games Inc. is the organization that decides how your information is used.",
        "We collect your name, your e-mail address, and the games you buy, and we analyze your purchases.",
        "We use a center in Texas to store backups, and we authorized our payment partner to see your orders.",
        "We keep purchase records for five years and then delete them.",
        "You can ask us to delete your account at any time by writing to our support team.",
    )
    assert capture_problem(rewritten, gb) is None


def test_a_one_word_page_says_1_word():
    b = DocumentBuilder()
    b.block("p", "Loading")
    assert capture_problem(b.build("")) == "near-empty document (1 word)"


def _html_doc(title: str, sections: dict[str, str]) -> Document:
    from monitor.extract.html import extract_html

    body = "".join(f"<h2>{h}</h2><p>{t}</p>" for h, t in sections.items())
    return extract_html(f'<html lang="fr"><body><main><h1>{title}</h1>{body}</main></body></html>')


_FR_POLICY = {
    f"Article {n}": (
        "Brindlewick traite vos données personnelles pour fournir le service de facturation, et ne les "
        f"vend jamais ; la présente politique de confidentialité décrit le traitement numéro {n} en détail "
        "ainsi que vos droits sur ces données personnelles et la durée de conservation de chacune."
    )
    for n in range(1, 9)
}


def test_a_page_that_does_not_read_as_a_policy_is_not_a_shorter_version():
    # French, so the rule is read from the policy vocabulary of each language, not English phrases.
    old = _html_doc("Politique de confidentialité", _FR_POLICY)
    maintenance = _html_doc(
        "Maintenance programmée",
        {
            "Ce qui se passe": "Nos équipes installent de nouveaux serveurs cette nuit pour que les factures "
            "s'affichent plus vite. Vos données sont en sécurité et rien ne sera perdu.",
            "Quand revenir": "Le site sera de nouveau disponible dimanche à six heures, et cette page se "
            "rechargera toute seule à ce moment-là.",
            "Besoin d'aide": "Pour une question urgente sur une facture, écrivez à aide@brindlewick.example "
            "ou suivez notre page d'état.",
        },
    )
    problem = assess(maintenance, old)
    assert problem is not None and not problem.relative
    assert "does not read as a privacy policy" in problem.reason
    shorter = _html_doc("Politique de confidentialité", dict(list(_FR_POLICY.items())[:2]))
    shorter_problem = assess(shorter, old)
    assert shorter_problem is not None and shorter_problem.relative and shorter_problem.reason.startswith("lost")

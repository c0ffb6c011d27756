"""Failed-capture detection, and no false alarms on ordinary policy endings."""

from monitor.document import Document, DocumentBuilder
from monitor.guard import capture_problem

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

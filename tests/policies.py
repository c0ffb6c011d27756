"""Small fictional policy pages for pipeline tests (the big realistic ones are in monitor/samples)."""

from __future__ import annotations

SECTIONS = {
    "Who we are": (
        "Brindlewick Software Ltd, 12 Harbour Row, Leeds LS1 4AB, United Kingdom, is the controller of "
        "your personal data. You can reach our data protection officer at privacy@brindlewick.example."
    ),
    "Data we collect": (
        "We collect your name, e-mail address and billing details when you open an account. We also "
        "collect usage data such as the pages you open, the features you use and your device type."
    ),
    "How we use your data": (
        "We use your data to provide the service, to bill you, to answer support requests and to keep "
        "the service secure. We do not use your data for advertising and we do not sell it."
    ),
    "Sharing": (
        "We share data with our hosting provider Amazon Web Services EMEA SARL (Ireland) and our payment "
        "processor, only as far as they need it to provide their services to us."
    ),
    "International transfers": (
        "We do not transfer your personal data outside the European Economic Area and the United Kingdom."
    ),
    "Retention": (
        "We keep account data for 24 months after you close your account, and invoices for 7 years "
        "because tax law requires it. Support tickets are deleted after 12 months."
    ),
    "Your rights": (
        "You have the right to access, rectify and erase your data, to restrict or object to processing, "
        "and to data portability. We answer every request within 30 days. You may also complain to the "
        "Information Commissioner's Office."
    ),
    "Changes to this policy": (
        "We will tell you by e-mail at least 30 days before any material change to this policy takes effect."
    ),
}


def policy_html(
    sections: dict[str, str] | None = None,
    *,
    menu: str = "Home Pricing Blog",
    footer: str = "© 2024 Brindlewick",
    banner: str = "We use cookies to improve your experience.",
    script: str = "window.dataLayer=[];",
    updated: str = "1 March 2024",
) -> str:
    body = "".join(f"<h2>{h}</h2>\n<p>{t}</p>\n" for h, t in (sections or SECTIONS).items())
    nav = "".join(f'<li><a href="/{m.lower()}">{m}</a></li>' for m in menu.split())
    return f"""<!doctype html>
<html lang="en"><head><title>Privacy Policy | Brindlewick</title>
<script>{script}</script><style>body{{font-family:sans-serif}}</style></head>
<body>
<header><nav><ul>{nav}</ul></nav></header>
<div id="cookie-consent" class="cookie-banner"><p>{banner}</p><button>Accept</button></div>
<main><article>
<h1>Privacy Policy</h1>
<p>Last updated: {updated}</p>
<p>This policy explains how Brindlewick Software Ltd handles personal data of the people who use
the Brindlewick invoicing service, our website and our support channels. Please read it carefully.</p>
{body}</article></main>
<footer><p>{footer}</p><a href="/terms">Terms</a></footer>
</body></html>"""


def edited(**changes: str) -> dict[str, str]:
    """SECTIONS with some section texts replaced."""
    out = dict(SECTIONS)
    out.update(changes)
    return out

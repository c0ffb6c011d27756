"""The bundled sample policies (monitor/samples): manifest, files, and the shape of each variant."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup

from monitor.changes import CATEGORIES
from monitor.samples import load_manifest, read_sample, sample_path

MANIFEST = load_manifest()
ENTRIES = {entry["slug"]: entry for entry in MANIFEST}
ALL_FILES = [
    name for entry in MANIFEST for name in [entry["file"], *entry["versions"].values()] if name is not None
]
V2_PAIRS = [(e["file"], e["versions"]["v2"]) for e in MANIFEST if e["versions"]["v2"]]
CHROME_PAIRS = [(e["file"], e["versions"]["chrome"]) for e in MANIFEST if e["versions"]["chrome"]]


def soup(name: str) -> BeautifulSoup:
    return BeautifulSoup(read_sample(name), "lxml")


def main_words(name: str) -> list[str]:
    return soup(name).main.get_text(" ").split()


def raw_main(name: str) -> str:
    """The <main> element exactly as written in the file."""
    text = read_sample(name)
    start, end = text.index("<main"), text.index("</main>") + len("</main>")
    return text[start:end]


def last_updated(name: str) -> str:
    match = re.search(r"Last updated:\s*([^<·]+)", soup(name).main.get_text(" "))
    assert match, f"{name}: no 'Last updated' date inside <main>"
    return match.group(1).strip()


# -- the manifest ----------------------------------------------------------------------------


def test_manifest_is_valid():
    assert isinstance(MANIFEST, list) and len(MANIFEST) >= 3
    assert len(ENTRIES) == len(MANIFEST), "slugs must be unique"
    for entry in MANIFEST:
        assert set(entry) >= {"slug", "company", "title", "file", "versions", "expected_changes"}
        assert re.fullmatch(r"[a-z0-9-]+", entry["slug"])
        assert entry["company"] and entry["title"]
        assert entry["file"] == entry["slug"] + ".html"
        assert set(entry["versions"]) == {"v2", "chrome"}
        for kind, name in entry["versions"].items():
            assert name is None or name == f"{entry['slug']}.{kind}.html"
        assert all(c in CATEGORIES and c != "other" for c in entry["expected_changes"])
        # A v2 must be expected to produce changes; without one there is nothing to expect.
        assert bool(entry["expected_changes"]) == bool(entry["versions"]["v2"])
    assert V2_PAIRS, "at least one sample has a substantively edited v2"
    assert CHROME_PAIRS, "at least one sample has a chrome-only variant"


def test_v2_expects_the_four_edits():
    (entry,) = [e for e in MANIFEST if e["versions"]["v2"]]
    assert set(entry["expected_changes"]) >= {"retention", "sharing", "transfer", "rights"}


# -- the files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_FILES)
def test_file_exists_and_parses_as_a_page_with_chrome(name):
    assert sample_path(name).is_file()
    page = soup(name)
    assert page.html is not None and page.head.title is not None
    assert page.header is not None and page.header.find("nav") is not None
    assert page.footer is not None and page.footer.find("a") is not None
    assert re.search(r"©\s*20\d\d", page.footer.get_text()), "a copyright year in the footer"
    consent = page.find(
        lambda tag: (
            tag.name == "div"
            and re.search(r"cookie|consent", " ".join([tag.get("id", ""), *tag.get("class", [])]), re.I)
        )
    )
    assert consent is not None, "a cookie-consent banner"
    assert consent.find_parent("main") is None
    assert page.find("script") is not None and page.find("style") is not None
    assert page.main is not None and page.main.article is not None
    assert len(page.find_all("main")) == 1


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["slug"])
def test_policy_is_structured_and_long_enough(entry):
    name = entry["file"]
    main = soup(name).main
    assert main.h1.get_text(" ", strip=True) == entry["title"]
    assert len(main.find_all("h2")) >= 10
    assert main.find("h3") is not None
    assert main.find("table") is not None
    assert main.select("li ul, li ol"), "nested lists"
    assert last_updated(name)
    words = main_words(name)
    assert 2000 <= len(words) <= 4000, len(words)
    text = " ".join(words)
    assert "within 30 days" in text
    for topic in ("retention|storage period", "transfer", "rights", "cookie", "children", "secur", "contact"):
        assert re.search(topic, text, re.I), topic


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["slug"])
def test_company_is_named_in_the_policy(entry):
    assert entry["company"] in soup(entry["file"]).main.get_text(" ")


# -- the variants ----------------------------------------------------------------------------


@pytest.mark.parametrize(("v1", "v2"), V2_PAIRS)
def test_v2_differs_inside_main(v1, v2):
    assert raw_main(v1) != raw_main(v2)
    assert main_words(v1) != main_words(v2)
    assert last_updated(v1) != last_updated(v2)
    # The edit also carries noise outside <main>: banner, footer links, scripts.
    old, new = soup(v1), soup(v2)
    assert str(old.footer) != str(new.footer)
    assert len(new.find_all("script")) > len(old.find_all("script"))
    # ... and it is an edit, not a rewrite.
    assert abs(len(main_words(v1)) - len(main_words(v2))) < 100


def test_v2_contains_the_substantive_edits():
    (v1, v2) = V2_PAIRS[0]
    old, new = " ".join(main_words(v1)), " ".join(main_words(v2))
    assert "within 30 days" in old and "within 90 days" in new and "within 30 days" not in new
    assert "24 months" in old and "24 months" not in new and "5 years" in new
    assert "United States" not in old and new.count("United States") >= 2


@pytest.mark.parametrize(("v1", "chrome"), CHROME_PAIRS)
def test_chrome_variant_differs_only_outside_main(v1, chrome):
    assert read_sample(v1) != read_sample(chrome)
    assert raw_main(v1) == raw_main(chrome)
    old, new = soup(v1), soup(chrome)
    assert str(old.main) == str(new.main)
    assert str(old.header) != str(new.header)
    assert str(old.footer) != str(new.footer)


# -- the loader ------------------------------------------------------------------------------


def test_loader_resolves_slugs_and_rejects_bad_names():
    assert sample_path("lumenvale") == sample_path("lumenvale.html")
    assert read_sample("manifest.json").lstrip().startswith("[")
    assert load_manifest() is not load_manifest()
    with pytest.raises(FileNotFoundError):
        sample_path("no-such-company.html")
    for bad in ("../changes.py", "", ".hidden", "sub/dir.html"):
        with pytest.raises(ValueError):
            sample_path(bad)

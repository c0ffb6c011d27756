"""Compare the extraction of this tree with another tree's (e.g. main's) on every input at hand,
and time both on the same pages.

    .venv/bin/python bench/compare_extraction.py --old /tmp/main-src [--shared ../shared]
        [--captured inputs.pkl] [--repeat 3] [--show 5]

`--old` is a checkout of the other code (`git archive main | tar -x -C DIR`). Inputs:
- HTML: monitor/samples, <shared>/devset and <shared>/cases (*.html), the pages the tests extract
  (`--captured`: a pickle of (html, select, remove) tuples recorded from a test run), and one page
  per corpus policy (<shared>/corpus/policies/*.md rendered to HTML with the `markdown` package,
  inside generated chrome: menus, a cookie banner, scripts, a footer with link lists and a
  language selector; landmark, article-only and landmark-less layouts, FAQ disclosures);
- the pages bench/bench_round.py's site serves (every corpus policy and both versions of every
  dev-set pair, in that site's chrome);
- markdown: the corpus and dev-set files (the category model and the dev-set figures read them).

Compared: title, sections and blocks, the canonical markdown's hash, language and word count.

Each tree runs in its own process (`--run`), extracting every input once for the comparison, then
`--repeat` more times over the HTML pages for timing: pages/s, per-page p50/p95 wall and CPU time.
The machine is shared: the load average and the process CPU time (os.times) are printed with the
wall time. Prints every input whose Document differs (title, sections, blocks), and exits 1 if any.
"""

from __future__ import annotations

import argparse
import hashlib
import html as html_lib
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------

_MENU = ["Products", "Solutions", "Pricing", "Customers", "Partners", "Developers", "Docs", "Blog",
         "Careers", "Press", "Investors", "Support", "Status", "Security", "Contact", "Sign in"]


def _chrome_page(markdown_text: str, name: str, layout: int) -> str:
    import markdown  # a dependency of apprise, so present wherever the service is installed

    rng = random.Random(name)
    body = markdown.markdown(markdown_text, extensions=["tables"])
    menu = "".join(f'<li class="nav-item"><a href="/{m.lower()}?utm_source=nav">{m}</a></li>' for m in _MENU)
    mega = "".join(
        f'<div class="col"><h4>{m}</h4><ul>'
        + "".join(f'<li><a href="/{m.lower()}/{k}">{m} item {k}</a></li>' for k in range(8))
        + "</ul></div>"
        for m in _MENU[:8]
    )
    script = "window.__STATE__=" + json.dumps({"k": [rng.random() for _ in range(400)]}) + ";"
    style = "".join(f".c{k}{{margin:{k}px;padding:{k % 7}px}}" for k in range(300))
    footer_links = "".join(f'<a href="/legal/{k}">Legal {k}</a> · ' for k in range(12))
    languages = "".join(f'<a hreflang="{c}" href="/{c}/privacy">{c.upper()}</a> ' for c in ("en", "de", "fr", "es"))
    faq = (
        "<details><summary>How do I delete my account?</summary><p>Open the settings page, choose "
        "Account and then Delete account; we remove your data within thirty days of the request.</p></details>"
    )
    content = f'<div class="policy-body"><div class="rich-text">{body}</div>{faq}</div>'
    if layout == 0:
        content = f'<main id="content"><article class="policy">{content}</article></main>'
    elif layout == 1:
        content = f'<div class="page"><article>{content}</article></div>'
    else:
        content = f'<div class="wrapper"><div class="container"><div class="row">{content}</div></div></div>'
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Privacy Policy | {html_lib.escape(name)} - the service</title>
<style>{style}</style><script>{script}</script><link rel="stylesheet" href="/app.css"></head>
<body class="page-privacy">
<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header"><nav aria-label="Main"><ul>{menu}</ul><div class="mega">{mega}</div></nav></header>
<div id="onetrust-banner-sdk" class="cookie-banner" role="dialog"><p>We use cookies and similar
technologies to run this site, to measure its use and to show you relevant offers. You can change
your choice at any time in the cookie settings.</p><button>Accept all</button><button>Reject</button></div>
<!-- content starts -->
{content}
<aside class="related"><h3>Related</h3><ul><li><a href="/terms">Terms</a></li></ul></aside>
<footer class="site-footer"><div class="links">{footer_links}</div><div class="lang">{languages}</div>
<p>© 2024 {html_lib.escape(name)} Inc. All rights reserved.</p></footer>
<script src="/app.js"></script><noscript><img src="/pixel.gif"></noscript>
</body></html>"""


def collect(shared: Path, captured: Path | None) -> dict[str, list[tuple[str, object]]]:
    """{"html": [(name, (html, select, remove))], "markdown": [(name, text)]}."""
    html: list[tuple[str, object]] = []
    for path in sorted((ROOT / "monitor" / "samples").glob("*.html")):
        html.append((f"samples/{path.name}", (path.read_text(encoding="utf-8"), None, None)))
    for folder in ("devset", "cases"):
        for path in sorted((shared / folder).rglob("*.html")):
            html.append((f"{folder}/{path.relative_to(shared / folder)}", (path.read_text(encoding="utf-8"), None, None)))
    if captured is not None and captured.exists():
        seen: set[str] = set()
        for k, (page, select, remove) in enumerate(pickle.loads(captured.read_bytes())):
            key = hashlib.sha1(repr((page, select, remove)).encode()).hexdigest()
            if key not in seen:
                seen.add(key)
                html.append((f"tests/{k:05d}", (page, select, remove)))
    markdown_inputs: list[tuple[str, object]] = []
    corpus = sorted((shared / "corpus" / "policies").glob("*.md"))
    for k, path in enumerate(corpus):
        text = path.read_text(encoding="utf-8")
        markdown_inputs.append((f"corpus/{path.name}", text))
        html.append((f"corpus-html/{path.stem}", (_chrome_page(text, path.stem, k % 3), None, None)))
    for path in sorted((shared / "devset").rglob("*.md")):
        markdown_inputs.append((f"devset/{path.relative_to(shared / 'devset')}", path.read_text(encoding="utf-8")))
    html.extend(_bench_pages(shared))
    return {"html": html, "markdown": markdown_inputs}


def _bench_pages(shared: Path) -> list[tuple[str, object]]:
    """Every page bench/bench_round.py's site serves (bench/bench_site.py): the corpus policies and
    both versions of the dev-set pairs, in that site's chrome, with a counter value in the footer."""
    sys.path.insert(0, str(ROOT / "bench"))
    import bench_site

    return [
        (f"bench/{'new' if switched else 'old'}/{i}", (body.decode("utf-8"), None, None))
        for switched, i, body in bench_site.distinct_pages(shared)
    ]


# ---------------------------------------------------------------------------------------------------
# One tree's run (a separate process, with that tree first on sys.path)
# ---------------------------------------------------------------------------------------------------


def _doc_json(doc: object) -> object:
    return {
        "markdown_sha256": hashlib.sha256(doc.to_markdown().encode()).hexdigest(),  # type: ignore[attr-defined]
        "language": doc.language,  # type: ignore[attr-defined]
        "word_count": doc.word_count,  # type: ignore[attr-defined]
        "title": doc.title,  # type: ignore[attr-defined]
        "sections": [
            {"path": list(s.path), "blocks": [[b.kind, b.text, b.level] for b in s.blocks]}
            for s in doc.sections  # type: ignore[attr-defined]
        ],
    }


def run(inputs_path: Path, out_path: Path, repeat: int) -> None:
    import monitor
    from monitor.extract import extract_html, extract_markdown

    inputs = pickle.loads(inputs_path.read_bytes())
    results: dict[str, object] = {}
    for name, (page, select, remove) in inputs["html"]:
        try:
            results[name] = _doc_json(extract_html(page, select=select, remove=remove))
        except Exception as exc:  # the error itself is part of the output to compare
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
    for name, text in inputs["markdown"]:
        results[name] = _doc_json(extract_markdown(text))
    pages = [(n, p) for n, p in inputs["html"] if p[1] is None and p[2] is None]
    walls: list[float] = []
    cpus: list[float] = []
    names: list[str] = []
    t0, c0 = time.perf_counter(), os.times()
    for _ in range(repeat):
        for name, (page, _s, _r) in pages:
            names.append(name)
            w, c = time.perf_counter(), time.process_time()
            extract_html(page)
            cpus.append(time.process_time() - c)
            walls.append(time.perf_counter() - w)
    t1, c1 = time.perf_counter(), os.times()
    timing = {
        "code": str(Path(monitor.__file__).parent),
        "pages": len(pages) * repeat,
        "bytes": sum(len(p[0]) for _, p in pages) * repeat,
        "wall": t1 - t0,
        "cpu": (c1.user - c0.user) + (c1.system - c0.system),
        "walls": walls,
        "cpus": cpus,
        "names": names,
        "load": os.getloadavg(),
    }
    out_path.write_text(json.dumps({"results": results, "timing": timing}))


# ---------------------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values or [0.0])[0]


def _run_tree(tree: Path, inputs: Path, repeat: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    env = dict(os.environ, PYTHONPATH=str(tree))
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--run", str(inputs), "--out", str(out), "--repeat", str(repeat)],
        check=True, env=env, cwd=tree,
    )
    data = json.loads(out.read_text())
    out.unlink()
    return data


def _describe(timing: dict) -> str:
    walls, cpus = timing["walls"], timing["cpus"]
    big = [k for k, n in enumerate(timing["names"]) if n.startswith("corpus-html/")]
    big_walls, big_cpus = [walls[k] for k in big], [cpus[k] for k in big]
    corpus = (
        f"\n     corpus pages alone: {len(big)} pages, {len(big) / max(sum(big_walls), 1e-9):.1f} pages/s wall, "
        f"{len(big) / max(sum(big_cpus), 1e-9):.1f} pages/s CPU; p50/p95 "
        f"{_percentile(big_walls, 50) * 1000:.1f}/{_percentile(big_walls, 95) * 1000:.1f} ms wall, "
        f"{_percentile(big_cpus, 50) * 1000:.1f}/{_percentile(big_cpus, 95) * 1000:.1f} ms CPU"
        if big
        else ""
    )
    return (
        f"{timing['pages']} pages ({timing['bytes'] / timing['pages'] / 1024:.0f} KB mean) in {timing['wall']:.1f} s wall, "
        f"{timing['cpu']:.1f} s CPU: {timing['pages'] / timing['wall']:.1f} pages/s wall, "
        f"{timing['pages'] / max(timing['cpu'], 1e-9):.1f} pages/s CPU; per page p50/p95 "
        f"{_percentile(walls, 50) * 1000:.1f}/{_percentile(walls, 95) * 1000:.1f} ms wall, "
        f"{_percentile(cpus, 50) * 1000:.1f}/{_percentile(cpus, 95) * 1000:.1f} ms CPU; "
        f"load average {' '.join(f'{x:.1f}' for x in timing['load'])}  [{timing['code']}]"
    ) + corpus


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, help="checkout of the code to compare with (e.g. main)")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--captured", type=Path, help="pickle of (html, select, remove) from a test run")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--show", type=int, default=5, help="how many differences to print in full")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run(args.run, args.out, args.repeat)
        return 0
    if args.old is None:
        parser.error("--old is required")
    inputs = collect(args.shared, args.captured)
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as f:
        pickle.dump(inputs, f)
        inputs_path = Path(f.name)
    print(f"{len(inputs['html'])} HTML inputs, {len(inputs['markdown'])} markdown inputs")
    old = _run_tree(args.old.resolve(), inputs_path, args.repeat)
    new = _run_tree(ROOT, inputs_path, args.repeat)
    inputs_path.unlink()
    differ = [n for n in old["results"] if old["results"][n] != new["results"].get(n)]
    for name in differ[: args.show]:
        print(f"--- {name}\nold: {json.dumps(old['results'][name])[:3000]}\nnew: {json.dumps(new['results'][name])[:3000]}")
    print(f"{len(old['results']) - len(differ)} identical, {len(differ)} different: {differ[:50]}")
    print("old:", _describe(old["timing"]))
    print("new:", _describe(new["timing"]))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())

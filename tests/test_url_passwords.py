"""A watched URL with a password in it (`http://user:${SITE_PW}@host/p`, or written literally) is
never shown with that password: not by the CLI, the web view or its JSON API, not in alerts and ops
alerts, not in the log. A fresh user found `serve` printing it while `list` did not.

Real parts throughout: policy pages on a local HTTP server, a real SQLite file filled by `policy-monitor
check`, a real webhook receiver for alerts, the real web app under uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpserver import LocalHTTPServer, Response
from policies import SECTIONS, edited, policy_html
from receivers import webhook  # noqa: F401 (fixture)

from monitor.config import load_config
from monitor.store import Store
from monitor.web import BackgroundServer, watch_path

HTML = {"Content-Type": "text/html; charset=utf-8"}
SECRETS = ("hunter2", "literalpw4", "deadpw99")  # from the environment, in the file, of a failing watch


def _config(tmp: Path, pages: LocalHTTPServer, hook: Any) -> Path:
    path = tmp / "config.toml"
    path.write_text(
        f"""
[database]
url = "sqlite:///{tmp}/m.db"
[fetch]
allow_private_addresses = true
[defaults]
retries = 0
timeout = 5
jitter = 0
[notify]
ops_target = "ops"
failure_threshold = 1
[notify.targets.legal]
urls = ["{hook.url('/legal')}"]
[notify.targets.ops]
urls = ["{hook.url('/ops')}"]
[[watches]]
name = "Site"
url = "http://user:${{SITE_PW}}@127.0.0.1:{pages.port}/p"
[[watches]]
name = "Lit"
url = "http://bob:literalpw4@127.0.0.1:{pages.port}/q"
[[watches]]
name = "Dead"
url = "http://carol:deadpw99@127.0.0.1:9/x"
""",
        "utf-8",
    )
    return path


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "SITE_PW": "hunter2", "PYTHONUNBUFFERED": "1"},
    )


def _no_secret(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{where} shows {secret!r}:\n{text}"


def test_a_password_in_a_watch_url_is_shown_nowhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, webhook: Any  # noqa: F811
) -> None:
    with LocalHTTPServer() as pages:
        config = _config(tmp_path, pages, webhook)
        outputs: dict[str, str] = {}
        retention = SECTIONS["Retention"].replace("24 months", "9 years")
        for round_, body in enumerate((policy_html(), policy_html(edited(Retention=retention)))):
            for path in ("/p", "/q"):
                pages.route(path, Response(200, body, HTML))
            res = _cli(config, "--log-level", "info", "check", "--json")
            assert res.returncode == 0, res.stderr
            outputs[f"check {round_} stdout"], outputs[f"check {round_} log"] = res.stdout, res.stderr
        assert {r["watch"]: r["outcome"] for r in json.loads(res.stdout)} == {
            "Site": "changed", "Lit": "changed", "Dead": "error",
        }  # fmt: skip
        assert pages.requests and all(r.headers.get("authorization") for r in pages.requests)  # it was sent
        res = _cli(config, "check", "--watch", "Dead")
        outputs["check text"] = res.stdout + res.stderr

        for args in (("list",), ("list", "--json"), ("history", "Site"), ("history", "Lit", "--json"),
                     ("history", "Dead"), ("show", "Site"), ("notify", "pending", "--json")):  # fmt: skip
            res = _cli(config, *args)
            assert res.returncode == 0, (args, res.stderr)
            outputs[" ".join(args)] = res.stdout + res.stderr
        # As written where it came from the environment; masked where the file holds it.
        assert "user:${SITE_PW}@127.0.0.1" in outputs["list"] and "bob:****@127.0.0.1" in outputs["list"]
        assert "carol:****@127.0.0.1:9/x" in outputs["history Dead"]

        # The alerts: two changes to the legal target, a failing watch to the ops target.
        posts = {p.path: p.json()["message"] for p in webhook.posts}
        assert set(posts) == {"/legal", "/ops"}, list(posts)
        sent = "\n".join(json.dumps(p.json()) for p in webhook.posts)
        assert "Source: http://user:****@127.0.0.1" in sent and "Source: http://carol:****@127.0.0.1:9/x" in sent
        outputs["alerts"] = sent

        # The web view and its API, served by the real app.
        monkeypatch.setenv("SITE_PW", "hunter2")
        cfg = load_config(config)
        store = Store(cfg.database.url)
        try:
            with BackgroundServer(cfg, store, "127.0.0.1:0") as web:
                base = web.url.rstrip("/")
                for path in ("/", "/api/watches", "/api/events", "/feed.atom"):
                    outputs[path] = httpx.get(base + path, timeout=30).text
                for name in ("Site", "Lit", "Dead"):
                    for path in (watch_path(name), "/api" + watch_path(name)):
                        r = httpx.get(base + path, timeout=30)
                        assert r.status_code == 200, path
                        outputs[path] = r.text
        finally:
            store.close()
        api = httpx.Response(200, text=outputs["/api/watches/Site"]).json()
        assert api["url"] == f"http://user:${{SITE_PW}}@127.0.0.1:{pages.port}/p"
        assert "bob:****@127.0.0.1" in outputs["/"] and "user:${SITE_PW}@127.0.0.1" in outputs["/"]

    for where, text in outputs.items():
        _no_secret(text, where)

"""Bundled sample policies of fictional companies, for `policy-monitor demo` and for tests.

The files ship as package data; `manifest.json` lists them:

    [{"slug", "company", "title", "file",
      "versions": {"v2": file | None, "chrome": file | None},
      "expected_changes": [categories the v1 -> v2 edit should produce]}, ...]

`v2` is a new version with substantive edits (and some chrome noise); `chrome` differs from `file`
only outside <main>, so it must not count as a change. `title` is the policy's <h1>.
"""

from __future__ import annotations

import atexit
import json
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"

_extracted = ExitStack()  # only used if the package is not on a plain file system (e.g. a zip)
atexit.register(_extracted.close)


def _resolve(name: str) -> str:
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a sample file name: {name!r}")
    # A bare slug means the slug's first version: "lumenvale" -> "lumenvale.html".
    return name if "." in name else name + ".html"


def sample_path(name: str) -> Path:
    """Path of a bundled sample: a file name ("lumenvale.v2.html") or a bare slug ("lumenvale")."""
    resource = files(__name__) / _resolve(name)
    if not resource.is_file():
        raise FileNotFoundError(f"no bundled sample named {name!r}")
    if isinstance(resource, Path):
        return resource
    return _extracted.enter_context(as_file(resource))


def read_sample(name: str) -> str:
    """Text of a bundled sample (UTF-8)."""
    return sample_path(name).read_text(encoding="utf-8")


def load_manifest() -> list[dict[str, Any]]:
    """The manifest's entries, a fresh copy on every call."""
    return json.loads(read_sample(MANIFEST))

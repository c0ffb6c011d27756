"""policy-monitor: watch privacy policies, keep every version, alert on changes of substance."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client at import time whenever rich, pygments and click are
# installed (rich is a dependency here): ~4 MB of every process that fetches, for a client this
# service never runs. With this entry that import fails and httpx defines its stub `httpx.main`
# instead; an `httpx._main` imported before this package is left alone.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

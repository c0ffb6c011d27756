"""Imported once by the process pool's forkserver (monitor.cpu): loads the extractor (with its HTML
parser and the charset detectors, which the checking process imports only on first use) and the
diff engine, warms the language detector and loads the clause category model, so that every worker
forked from it starts ready and shares those pages (the detector's models are ~50 MB, the category model
~8 MB) with its siblings instead of loading its own. Last, `gc.freeze()`: the objects made so far
are never visited by a worker's garbage collector, which would otherwise write to (and so copy) every
page that holds one.

The forkserver ignores SIGINT and SIGTERM, and so do the workers it forks: the process that owns the
pool handles an operator's stop and shuts the pool down (see `monitor.cpu.STOP_SIGNALS`). It starts
with both blocked (`monitor.cpu._executor`), so a Ctrl-C during these imports waits, and is dropped."""

from __future__ import annotations

import gc
import os
from multiprocessing import process, spawn

import charset_normalizer  # noqa: F401 - monitor.charset imports these two where they are used
import ftfy.badness  # noqa: F401

import monitor.extract.html  # noqa: F401 - monitor.extract imports it on first use
from monitor import charset, cpu  # the import is the point: extractor, diff engine, model
from monitor.language import detect
from monitor.veto import default_veto

cpu.ignore_stop_signals()  # before the fork server's own setup, which hands its handlers on to workers


def _import_main() -> None:
    """The main script, as the forkserver's "__main__" preload would import it were it not broken
    before CPython 3.13.8 (see monitor.cpu._executor): once here, not once in every worker. Where
    the forkserver did import it, spawn finds it in place and returns at once."""
    path = os.environ.pop(cpu.MAIN_PATH_ENV, None)
    if not path:
        return
    process.current_process()._inheriting = True  # type: ignore[attr-defined]
    try:
        spawn.import_main_path(path)
    finally:
        del process.current_process()._inheriting  # type: ignore[attr-defined]


_import_main()

# The forkserver's parent is the process that owns the pool: when it dies (even by SIGKILL), so does
# the forkserver, and with it the workers (each has asked for SIGTERM when the forkserver ends).
cpu.exit_when_orphaned()

# Latin, Cyrillic, Greek and CJK text: lingua loads the models of the languages a text's script admits.
for _sample in (
    "We keep your personal data only as long as we need it for the purposes described in this notice.",
    "Мы храним ваши персональные данные только столько, сколько необходимо для целей этой политики.",
    "Διατηρούμε τα προσωπικά σας δεδομένα μόνο για όσο χρόνο είναι απαραίτητο για τους σκοπούς.",
    "我们仅在实现本政策所述目的所需的期限内保留您的个人信息，并采取措施保护您的数据安全。",
    "当社は、本ポリシーに記載された目的に必要な期間に限り、お客様の個人情報を保持します。",
):
    detect(" ".join([_sample] * 8))

default_veto()  # the category model and its thresholds (cached for the process)
charset.compile_scans()  # the mojibake scans, read off ftfy's pattern
gc.collect()
gc.freeze()

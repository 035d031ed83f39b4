"""Page benchmark: the Comparison page rerun with many suppliers loaded, through Streamlit's AppTest.

A fresh SQLite store in a temporary folder gets one project: a synthetic PSR and
``n_suppliers`` filled questionnaires (made and read as in the import benchmark).
``app.py`` opens it, the Comparison page is shown once (caches filled), and then,
alternating so that all see the same load on a shared machine:

- a rerun as it is (what every click elsewhere on the page costs);
- a rerun after a service weight moved to a value not seen before (a new evaluation);
- the floor: AppTest rerunning a page that only writes a title;
- a new session (a fresh AppTest in the same process, its first run on the
  Comparison page: the project loaded from the store, its history checked, the
  evaluation from the process's cache) against the open session rerunning the
  same page. A server scans the installed packages for Streamlit components once,
  when it starts; AppTest does it for every new AppTest (about 0.2 s of CPU here),
  so the new session shares the open one's registry, as a server's sessions share
  its runtime's; ``new_session_scan_s`` is the same with the scan, as measured
  before. Both also in CPU seconds of the process (``*_cpu_s``: every thread, so
  the page's own; a loaded machine's waits left out).

    .venv/bin/python -m benchmarks.page_bench [n_suppliers] [n_requirements] [repeats]
"""

from __future__ import annotations

import itertools
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from benchmarks.import_bench import make_files
from benchmarks.synthetic import make_psr
from benchmarks.timing import wall_and_cpu_side_by_side

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
COMPARISON_PAGE = "slm_psr/ui/views/comparison.py"
USER = "Benchmark"
TIMEOUT = 300


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _fill_store(url: str, folder: Path, n_suppliers: int, n_requirements: int) -> None:
    from slm_psr.excel.responses import read_responses
    from slm_psr.store import Store

    psr = make_psr(n_requirements)
    paths = make_files(psr, n_suppliers, folder)
    files = [(path.name, path.read_bytes()) for path in paths]
    store = Store.open(url)
    try:
        info = store.create_project(f"Benchmark: {n_suppliers} suppliers", psr, user=USER)
        revision = info.revision
        for result, (name, data) in zip(read_responses(psr, files).results, files, strict=True):
            revision = store.add_response(
                info.id, name, data, result.response, result.rejection, user=USER, expected_revision=revision
            )
    finally:
        store.close()


def _check(at: Any, what: str) -> None:
    if at.exception:
        raise RuntimeError(f"{what}: {at.exception[0].value}")


def run(n_suppliers: int = 100, n_requirements: int = 300, repeats: int = 5) -> dict[str, Any]:
    """Median seconds for a Comparison page rerun, with and without a weight move, and the floor."""
    for script in (APP, ROOT / COMPARISON_PAGE):
        if not script.exists():
            raise FileNotFoundError(f"{script.relative_to(ROOT)} is not there yet")
    from streamlit import logger
    from streamlit.testing.v1 import AppTest

    from slm_psr.store.api import DATABASE_URL_ENV

    # Cached calls outside a page run log "missing ScriptRunContext"; AppTest resets
    # the level from the config, hence the variable too.
    logger.set_log_level("error")
    with tempfile.TemporaryDirectory(prefix="slm-psr-page-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        _fill_store(url, Path(folder), n_suppliers, n_requirements)
        with _environment(**{DATABASE_URL_ENV: url, "STREAMLIT_LOGGER_LEVEL": "error"}):
            # Both made before either runs: a run reloads the config, and a new
            # AppTest then warns about "missing ScriptRunContext".
            floor = AppTest.from_string(
                'import streamlit as st\nst.title("Comparison")', default_timeout=TIMEOUT
            )
            at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
            floor.run()
            at.run()
            _check(at, "app.py")
            at.sidebar.text_input(key="user_name").input(USER)
            at.switch_page(COMPARISON_PAGE).run()
            _check(at, "the Comparison page")
            if not at.slider:
                raise RuntimeError("the Comparison page shows no weight slider")
            weight = float(cast(float, at.slider[0].value))

            steps = itertools.count(1)

            def move_weight() -> None:  # a new value each time, so each move re-evaluates
                at.slider[0].set_value(weight + next(steps)).run()

            def new_session(scan: bool = False) -> None:  # another browser tab: same process, nothing kept
                fresh = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
                if not scan and hasattr(fresh, "_bidi_component_manager"):
                    # the components found once per process, as a server does (see the docstring)
                    fresh._bidi_component_manager = at._bidi_component_manager
                fresh.switch_page(COMPARISON_PAGE).run()
                _check(fresh, "a new session on the Comparison page")
                if not fresh.slider:
                    raise RuntimeError("a new session on the Comparison page shows no weight slider")

            def warm_rerun() -> None:  # the same page, rerun by the session that has it open
                at.switch_page(COMPARISON_PAGE).run()

            new_session()  # the first one in this process fills the caches every session shares
            medians, cpu = wall_and_cpu_side_by_side(
                {
                    "rerun": at.run,
                    "weight": move_weight,
                    "floor": floor.run,
                    "new_session": new_session,
                    "warm_rerun": warm_rerun,
                    "new_session_scan": lambda: new_session(scan=True),
                },
                repeats,
            )
            _check(at, "the Comparison page after a weight move")
    return {
        "n_suppliers": n_suppliers,
        "n_requirements": n_requirements,
        "repeats": repeats,
        "rerun_s": medians["rerun"],
        "weight_s": medians["weight"],
        "floor_s": medians["floor"],
        "new_session_s": medians["new_session"],
        "warm_rerun_s": medians["warm_rerun"],
        "new_session_ratio": medians["new_session"] / medians["warm_rerun"],
        "new_session_cpu_s": cpu["new_session"],
        "warm_rerun_cpu_s": cpu["warm_rerun"],
        "new_session_cpu_ratio": cpu["new_session"] / cpu["warm_rerun"],
        "new_session_scan_s": medians["new_session_scan"],
        "new_session_scan_ratio": medians["new_session_scan"] / medians["warm_rerun"],
        "rerun_ratio": medians["rerun"] / medians["floor"],
        "weight_ratio": medians["weight"] / medians["floor"],
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    result = run(*args)
    print(
        f"Comparison page, {result['n_suppliers']} suppliers x {result['n_requirements']} requirements, "
        f"median of {result['repeats']}: rerun {result['rerun_s'] * 1000:.0f} ms, after a weight move "
        f"{result['weight_s'] * 1000:.0f} ms, AppTest floor {result['floor_s'] * 1000:.0f} ms; a new session "
        f"{result['new_session_s'] * 1000:.0f} ms against a warm rerun {result['warm_rerun_s'] * 1000:.0f} ms "
        f"({result['new_session_ratio']:.2f}x; CPU {result['new_session_cpu_s'] * 1000:.0f} ms against "
        f"{result['warm_rerun_cpu_s'] * 1000:.0f} ms, {result['new_session_cpu_ratio']:.2f}x; "
        f"{result['new_session_scan_ratio']:.2f}x with AppTest's component scan)"
    )

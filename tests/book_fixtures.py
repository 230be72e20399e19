"""The built book and the browser, shared by tests/test_browser.py and tests/test_pdf.py (through conftest.py,
so that one session builds the book once and starts one Playwright).

Chromium is ``$CHROMIUM``, else ``chromium`` on PATH, else Debian's ``/usr/bin/chromium`` (never a downloaded
browser). Without it, or without the playwright package, every test that needs them skips and says why,
on any machine, with ``CI`` set or not: ``.ci/run`` installs Chromium and checks it before ``make test``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

from tools.pdf import chromium_path, no_chromium_reason

ROOT = Path(__file__).resolve().parents[1]
# MINIDL_BOOK_HTML=path: test a book already built there, without building it again.
PREBUILT = os.environ.get("MINIDL_BOOK_HTML")
HTML = Path(PREBUILT) if PREBUILT else ROOT / "_build" / "html"


def unavailable(reason: str):
    pytest.skip(f"{reason}: browser tests skipped (apt-get install chromium; pip install -r requirements.txt)")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        unavailable(no_chromium_reason())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=path, args=["--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def book_build(browser) -> subprocess.CompletedProcess | None:
    """Build the book into _build/html (after the browser is found, so a skip costs no build).

    The build renders the notebooks' committed outputs (``execute_notebooks: off``) instead of
    executing them a second time: nbval, in the same ``make test``, re-executes every notebook and
    checks those outputs. Everything else comes from _config.yml as it is.
    """
    if PREBUILT:
        return None
    # Under pytest-xdist (make test runs two workers) test_browser.py and test_pdf.py may land on two
    # workers: the first builds while the other waits on the lock, then reads the first one's result.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))
    record = ROOT / "_build" / "browser-test" / f"build-{run}.json"
    record.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(record.parent / "build.lock")):
        if record.is_file():
            done = json.loads(record.read_text(encoding="utf-8"))
            return subprocess.CompletedProcess(done["args"], done["returncode"], done["stdout"], done["stderr"])
        for old in record.parent.glob("build-*.json"):  # an earlier run's
            old.unlink()
        result = _build()
        record.write_text(json.dumps({"args": result.args, "returncode": result.returncode,
                                      "stdout": result.stdout, "stderr": result.stderr}), encoding="utf-8")
        return result


def _build() -> subprocess.CompletedProcess:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    config.setdefault("execute", {})["execute_notebooks"] = "off"
    local = config.get("sphinx", {}).get("local_extensions") or {}
    for name, path in local.items():  # relative to the config file, which moves
        local[name] = str((ROOT / path).resolve())
    derived = ROOT / "_build" / "browser-test" / "_config.yml"
    derived.parent.mkdir(parents=True, exist_ok=True)
    derived.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONHASHSEED": "0",
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", "--warningiserror", "--keep-going", "--config", str(derived),
               "--path-output", str(ROOT), str(ROOT)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    print(f"jupyter-book build: {time.perf_counter() - start:.0f} s, exit status {result.returncode}")
    return result

"""JupyterLab started as ``make lab`` starts it, for the tests that open it in Chromium (test_lab.py,
test_lab_explorer.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

TOKEN = "minidl"


@contextlib.contextmanager
def jupyter_lab(root: Path, log_path: Path, env: dict[str, str] | None = None, seconds: float = 180) -> Iterator[str]:
    """JupyterLab serving ``root`` on a free local port, its output in ``log_path``; yields its URL once
    its API answers (``?token=minidl`` opens a page), and stops it after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser", f"--port={port}",
               "--ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        command.append("--allow-root")  # as the Makefile's lab target
    url = f"http://127.0.0.1:{port}"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + seconds
            while True:
                try:
                    urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2)
                    break
                except OSError:
                    assert process.poll() is None, log_path.read_text()
                    late = time.monotonic() > deadline
                    assert not late, f"JupyterLab did not answer in {seconds} s:\n{log_path.read_text()}"
                    time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=20)

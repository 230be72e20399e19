"""Fill Jupyter Book's execution cache with every notebook of the book, in parallel: `make book` runs this
before `jupyter-book build`, which then finds each notebook cached and only renders.

    python tools/execute_cache.py [--cache _build/.jupyter_cache] [--timeout 300] [--workers N]

Jupyter Book 1.x (`execute_notebooks: cache` in `_config.yml`) executes the notebooks one after another,
inside Sphinx, while the other cores idle. jupyter-cache can run them in a process pool instead
(`jcache project execute --executor local-parallel`, whose pool hands out the notebooks two at a
time, in order). This script runs jupyter-cache's own worker on the notebooks that `_toc.yml` lists,
one notebook per task and the largest files first, so that no core waits on a long tail; with the
cache path, per-cell timeout and error policy of `_config.yml`. A notebook whose code is unchanged
since it was cached is not executed again. Each runs in its own folder, as in the build. A notebook
that fails is reported here with its traceback, and the build then fails on it as before.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml
from jupyter_cache import get_cache
from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc, ProcessData

ROOT = Path(__file__).resolve().parent.parent


def toc_notebooks(root: Path = ROOT) -> list[Path]:
    """The `.ipynb` files that `_toc.yml` lists (the root and every chapter), in order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("chapters", []) + entry.get("sections", []))

    walk(toc.get("parts", []) + toc.get("chapters", []))
    return [root / f"{f}.ipynb" for f in files if (root / f"{f}.ipynb").exists()]


def main(argv: list[str] | None = None) -> int:
    config = yaml.safe_load((ROOT / "_config.yml").read_text()).get("execute", {})
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=ROOT / (config.get("cache") or "_build/.jupyter_cache"))
    parser.add_argument("--timeout", type=int, default=config.get("timeout", 300), help="seconds per cell")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="processes (%(default)s)")
    args = parser.parse_args(argv)

    cache = get_cache(str(args.cache))
    notebooks = toc_notebooks()
    records = [cache.add_nb_to_project(str(path)) for path in notebooks]
    stale = [r for r in records if not is_cached(cache, r.uri)]
    stale.sort(key=lambda r: Path(r.uri).stat().st_size, reverse=True)  # the long ones first, roughly
    start = time.perf_counter()
    allow_errors = config.get("allow_errors", False)
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        tasks = [ProcessData(r.pk, r.uri, cache, args.timeout, allow_errors) for r in stale]
        results = list(pool.map(ExecutionWorkerLocalMProc(), tasks))
    failed = [uri for status, uri in results if status != 0]
    print(f"execute_cache: {len(stale) - len(failed)} executed, {len(notebooks) - len(stale)} already cached, "
          f"{len(failed)} failed, in {time.perf_counter() - start:.1f} s with {args.workers} processes")
    for uri in failed:
        print(f"\n{uri} failed:\n{cache.get_project_record(uri).traceback}", file=sys.stderr)
    return 1 if failed else 0


def is_cached(cache, uri: str) -> bool:
    """Whether the cache holds this notebook's current code (the match Jupyter Book will look for)."""
    return cache.get_cached_project_nb(uri) is not None

if __name__ == "__main__":
    sys.exit(main())

"""Optional dependencies: fail at import, naming the pip extra that installs what is missing.

``pip install minidl`` gives the framework (torch and tqdm only). The book's experiments and
explorers also need the ``notebooks`` extra (matplotlib, ipywidgets, scikit-learn, ...). A module
that needs it calls ``require`` at its top, so a missing package is reported when the feature is
imported (or, for ``reproduce --figures``, before any training), never half-way through a run.
"""

from __future__ import annotations

import importlib.util


def require(*modules: str, extra: str, feature: str) -> None:
    """Raise ``ModuleNotFoundError`` naming ``pip install "minidl[extra]"`` unless every top-level
    module in ``modules`` can be imported. Only looks the modules up: nothing is imported here."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise ModuleNotFoundError(
            f"{feature} needs {', '.join(missing)}, which minidl installs only with its '{extra}' extra: "
            f'pip install "minidl[{extra}]" (or, in a clone, pip install ".[{extra}]")',
            name=missing[0],
        )

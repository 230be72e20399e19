"""minidl.book.glue: myst-nb's glue in the book build, a printed value where myst-nb is absent, and the
name bound in the notebook, where JupyterLab evaluates the prose's {eval} citations."""

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import nbformat  # noqa: E402
import pytest  # noqa: E402

from minidl import book  # noqa: E402


def test_without_myst_nb_glue_prints_the_value(monkeypatch, capsys):
    monkeypatch.setattr(book, "_myst_glue", None)
    book.glue("lin_width", 100)
    assert capsys.readouterr().out == "lin_width = 100\n"


def test_without_myst_nb_a_figure_is_left_to_its_cell(monkeypatch, capsys):
    monkeypatch.setattr(book, "_myst_glue", None)
    fig = plt.figure()
    book.glue("fig-x", fig)
    plt.close(fig)
    assert capsys.readouterr().out == ""


def test_with_myst_nb_glue_is_myst_nbs(monkeypatch):
    calls = []
    monkeypatch.setattr(book, "_myst_glue", lambda name, value, display: calls.append((name, value, display)))
    book.glue("x", 1.5)
    book.glue("y", 2, display=True)
    assert calls == [("x", 1.5, False), ("y", 2, True)]


@pytest.mark.parametrize("display", [False, True])
def test_the_record_is_myst_nbs_glue(monkeypatch, display):
    """minidl writes myst_nb.glue's output itself (importing it costs 2.6 s a kernel): the same output."""
    import IPython.display
    from IPython.core.interactiveshell import InteractiveShell
    from myst_nb.ext import glue as myst_glue

    fresh = not InteractiveShell.initialized()  # format_display_data makes a shell: drop it after, for the other tests
    fig = plt.figure()
    values = [3, 0.125, "1.7e-10", [1, 2], fig]
    mine, theirs = [], []
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: mine.append((a, k)))
    monkeypatch.setattr(myst_glue, "ipy_display", lambda *a, **k: theirs.append((a, k)))
    try:
        for i, value in enumerate(values):
            book._record(f"v{i}", value, display=display)
            myst_glue.glue(f"v{i}", value, display=display)
    finally:
        plt.close(fig)
        if fresh:
            InteractiveShell.clear_instance()
    assert mine == theirs and len(mine) == len(values)
    assert book.GLUE_PREFIX == myst_glue.GLUE_PREFIX and book._myst_glue is book._record


def test_glue_binds_the_name_in_the_notebook(monkeypatch):
    ns = {"width": 100}
    monkeypatch.setattr(book, "_user_ns", lambda: ns)
    monkeypatch.setattr(book, "_myst_glue", lambda name, value, display: None)
    book.glue("lin_err", 0.25)
    book.glue("width", 100)  # the variable itself, glued: nothing changes
    book.glue("fig-a", "a figure")  # not a Python name: {eval} cannot cite it, nothing to bind
    assert ns == {"width": 100, "lin_err": 0.25}


def test_glue_never_overwrites_a_variable_with_another_value(monkeypatch):
    ns = {"eps": 1.1920928955078125e-07}
    monkeypatch.setattr(book, "_user_ns", lambda: ns)
    monkeypatch.setattr(book, "_myst_glue", lambda name, value, display: None)
    with pytest.raises(ValueError, match=r"glue: 'eps' is already a variable of this notebook.*'eps_shown'"):
        book.glue("eps", 1.19e-07)
    assert ns["eps"] == 1.1920928955078125e-07


def test_a_cell_run_again_glues_its_new_value(monkeypatch):
    ns = {}
    monkeypatch.setattr(book, "_user_ns", lambda: ns)
    monkeypatch.setattr(book, "_myst_glue", lambda name, value, display: None)
    book.glue("lin_rerun", 0.25)
    book.glue("lin_rerun", 0.5)  # the reader changed the code above and ran the cell again
    assert ns["lin_rerun"] == 0.5
    ns["lin_rerun"] = 3  # but the code assigned the name itself since: that is the notebook's variable
    with pytest.raises(ValueError, match="already a variable"):
        book.glue("lin_rerun", 0.75)


def test_outside_ipython_nothing_is_bound():
    assert book._user_ns() is None  # pytest is no IPython kernel


def test_a_citation_is_the_glued_text_or_its_format():
    glued = {"err": "0.123456", "tiny": "'2.8e-17'", "n": "15"}
    assert book.cited("err", glued) == "0.123456"
    assert book.cited('format(err, ".2f")', glued) == "'0.12'"  # a str, as the kernel returns it
    assert book.cited('format(n, ".1e")', glued) == "'1.5e+01'"
    assert [book.shown(book.cited(e, glued)) for e in ("err", "tiny", 'format(err, ".1f")')] == ["0.123456",
                                                                                               "2.8e-17", "0.1"]
    with pytest.raises(ValueError, match="'lr' is not glued in this notebook"):
        book.cited("lr", glued)
    with pytest.raises(ValueError, match="a glued name or format"):
        book.cited("err * 100", glued)


BOOK = Path(__file__).resolve().parents[1] / "book"


@pytest.mark.parametrize("path", sorted(BOOK.glob("*.ipynb")), ids=lambda p: p.stem)
def test_every_citation_shows_its_glued_value_in_jupyterlab(path):
    """Each {eval} of the prose is glued, and the cell's user_expressions (what JupyterLab shows) hold its value."""
    nb = nbformat.read(path, as_version=4)
    glued = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                glued[record["name"]] = output["data"][f"{record['mime_prefix']}text/plain"]
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        assert "{glue:text}" not in cell.source, "JupyterLab shows the key: cite it with {eval}"
        wanted = [(e, book.cited(e, glued)) for e in re.findall(r"\{eval\}`([^`]+)`", cell.source)]
        stored = [(e["expression"], e["result"]["data"]["text/plain"])
                  for e in cell.metadata.get("user_expressions", [])]
        assert stored == wanted, f"{path.name} cell {cell.id}: run tools/notebook_fixups.py"


def test_a_name_that_is_not_a_string_is_refused():
    with pytest.raises(TypeError, match="glue: the name must be a non-empty string"):
        book.glue(3, 1)


def test_the_package_map_lists_every_module_with_a_whole_first_sentence():
    import pkgutil

    import minidl

    table = book.package_map().splitlines()
    modules = [m.name for m in pkgutil.walk_packages(minidl.__path__, prefix="minidl.")]
    assert len(table) == 2 + len(modules)
    assert "``" not in "\n".join(table)
    for row in table[2:]:
        sentence = row.split(" | ", 1)[1].removesuffix(" |")
        assert sentence.endswith((".", ")")), row
        assert not re.search(r"\.\s\d+\.$", sentence), row  # a numbered list after the first paragraph stays out
    linear = next(row for row in table if "minidl/nn/linear.py" in row)
    assert "eq. (1) and (2)" in linear  # an abbreviation's full stop does not end the sentence


@pytest.mark.slow
def test_the_kernel_evaluates_a_citation_as_the_stored_metadata_says(tmp_path):
    """What JupyterLab asks the kernel when the reader runs a markdown cell equals what the tools store."""
    from jupyter_client.manager import start_new_kernel

    glued = {}

    def record(msg):  # the glue records, as the notebook's outputs keep them
        meta = msg["content"].get("metadata", {}).get("scrapbook")
        if meta:
            glued[meta["name"]] = msg["content"]["data"][f"{meta['mime_prefix']}text/plain"]

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        kc.execute_interactive('from minidl.book import glue\nerr = 0.12345\nglue("demo_err", round(err, 2))\n'
                               'glue("demo_tiny", f"{err / 1e16:.1e}")', timeout=60, output_hook=record)
        expressions = {"0": "demo_err", "1": 'format(demo_err, ".1e")', "2": "demo_tiny"}
        reply = kc.execute_interactive("", user_expressions=expressions, timeout=60)["content"]["user_expressions"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert sorted(glued) == ["demo_err", "demo_tiny"]
    for key, expression in expressions.items():
        assert reply[key]["status"] == "ok", reply[key]
        assert reply[key]["data"]["text/plain"] == book.cited(expression, glued)


def test_no_citation_comes_before_its_glue():
    # Run All in JupyterLab evaluates each markdown cell's {eval} citations when it reaches the cell: a name
    # glued further down would show a NameError there (the stored user_expressions only cover a fresh open).
    early = {}
    for path in sorted(BOOK.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        glued_at = {}
        for i, cell in enumerate(nb.cells):
            for output in cell.get("outputs", []):
                record = output.get("metadata", {}).get("scrapbook")
                if record:
                    glued_at.setdefault(record["name"], i)
        found = [(cell.id, name) for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown"
                 for name in re.findall(r"\{eval\}`(?:format\()?(\w+)", cell.source) if glued_at.get(name, -1) > i]
        if found:
            early[path.name] = found
    assert not early, f"cited before glued: {early}"

"""minidl.book.glue: myst-nb's glue in the book build, a printed value where myst-nb is absent."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
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
    linear = next(row for row in table if "minidl/nn/linear.py" in row)
    assert "eq. (1) and (2)" in linear  # an abbreviation's full stop does not end the sentence

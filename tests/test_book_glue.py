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

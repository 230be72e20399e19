"""book/_ext/eval_glue.py: the book renders {eval}`name` from the page's glued data, as JupyterLab shows it."""

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

from docutils import nodes
from docutils.utils import new_document

EXT = Path(__file__).resolve().parents[1] / "book" / "_ext"
spec = importlib.util.spec_from_file_location("eval_glue", EXT / "eval_glue.py")
eval_glue = importlib.util.module_from_spec(spec)
sys.modules.setdefault("eval_glue", eval_glue)
spec.loader.exec_module(eval_glue)


def role(text: str, glue_data: dict):
    document = new_document("page.ipynb")
    client = SimpleNamespace(glue_data=glue_data)
    document["nb_renderer"] = SimpleNamespace(renderer=SimpleNamespace(nb_client=client))
    inliner = SimpleNamespace(document=document,
                              reporter=SimpleNamespace(get_source_and_line=lambda lineno: ("page.ipynb", lineno)))
    return eval_glue.EvalGlueRole()("eval", f"{{eval}}`{text}`", text, 3, inliner)


GLUED = {"err": {"data": {"text/plain": "0.1234"}}, "tiny": {"data": {"text/plain": "'2.8e-17'"}}}


def test_a_glued_name_shows_its_text_without_quotes():
    for text, shown in (("err", "0.1234"), ("tiny", "2.8e-17"), ('format(err, ".2f")', "0.12")):
        found, messages = role(text, GLUED)
        assert not messages and isinstance(found[0], nodes.inline) and found[0].astext() == shown


def test_a_name_not_glued_is_a_warning_that_says_so():
    found, messages = role("lr", GLUED)
    assert not found and "'lr' is not glued in this notebook" in messages[0].astext()
    found, messages = role("err * 100", GLUED)
    assert not found and "a glued name or format" in messages[0].astext()


def test_the_role_replaces_myst_nbs_after_every_setup():
    added, connected = [], []
    app = SimpleNamespace(add_role=lambda name, r, override: added.append((name, override)),
                          connect=lambda event, fn, priority: connected.append((event, fn)))
    eval_glue.setup(app)
    [(event, fn)] = connected
    assert event == "config-inited"
    fn(app, None)
    assert added == [("eval", True)]

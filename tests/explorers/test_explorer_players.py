"""minidl.explorers' static players: one frame per combination of the controls, in a page that fetches
nothing, and the player's page and script, which come from the package's data files."""

from __future__ import annotations

import base64
import fnmatch
import json
import re

import pytest
from explorer_settings import PNG

from minidl import explorers as viz


def toy_render(a: int, name: str):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    fig.add_subplot().bar([0, 1], [a, 2 if name == "b" else 1])
    return fig, {"a": a, "name": name}


def frames_of(html: str) -> dict:
    payload = re.search(r'<script type="application/json" class="minidl-player-data">(.*?)</script>', html, re.S)
    return json.loads(payload.group(1))


def test_player_has_one_frame_per_combination():
    player = viz.Player(toy_render, {"a": [1, 2, 3], "name": ["a", "b"]}, title="toy", initial={"a": 2, "name": "b"},
                        animate="a", dpi=20)
    assert len(player.frames) == 6 and len(set(player.frames)) == 6
    assert [s["a"] for s in player.summaries] == [1, 1, 2, 2, 3, 3]
    assert player.frame_index([1, 1]) == 3 and player.summaries[3] == {"a": 2, "name": "b"}
    html = player.html()
    data = frames_of(html)
    assert data["sizes"] == [3, 2] and data["frames"] == player.frames
    assert data["labels"] == [["1", "2", "3"], ["a", "b"]]
    for frame in player.frames:
        assert base64.b64decode(frame.removeprefix("data:image/png;base64,")).startswith(PNG)
    assert f'src="{player.frames[3]}"' in html  # the initial frame shows even without JS
    assert 'type="range" min="0" max="2"' in html and 'value="1" data-control="0"' in html
    assert '<option value="1" selected>b</option>' in html and 'data-play="0"' in html
    assert "http" not in html.replace(player.frames[0], "")  # nothing to fetch


def test_player_rejects_an_unknown_animated_control():
    with pytest.raises(ValueError, match="not one of the controls"):
        viz.Player(toy_render, {"a": [1], "name": ["a"]}, title="toy", animate="b")


def test_softmax_player_frames_follow_the_temperature():
    player = viz.softmax_player()
    entropies = [s["entropy"] for s in player.summaries]
    assert entropies == sorted(entropies) and len(set(player.frames)) == len(player.frames)
    assert player.summaries[player.frame_index(player.start)]["temperature"] == 1.0


# -- the player's data files ---------------------------------------------------------------------


def test_player_page_and_script_come_from_the_package_data_files():
    from importlib.resources import files

    from minidl.explorers import player as player_module

    data = files("minidl.explorers")
    script = data.joinpath("player.js").read_text(encoding="utf-8")
    template = data.joinpath("player.html").read_text(encoding="utf-8")
    assert player_module.resource("player.js") == script and player_module.resource("player.html") == template
    assert "document.currentScript.parentNode" in script and "minidl-player-data" in template
    html = viz.Player(toy_render, {"a": [1, 2], "name": ["a"]}, title="toy <1>", dpi=20).html()
    assert f"<script>\n{script}</script>" in html  # the script as it is in the file, inside the player
    assert not re.search(r"\$\w", html.replace(script, ""))  # every placeholder of the template filled
    assert 'alt="toy &lt;1&gt;"' in html and html.startswith('<div class="minidl-player"') and html.endswith("</div>")


def test_player_data_files_are_package_data():
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")
    root = Path(__file__).resolve().parents[2]
    setuptools = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    declared = setuptools.get("package-data", {}).get("minidl.explorers", [])
    for name in ("player.html", "player.js"):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in declared), (name, declared)
    # a wheel holds only the packages found: every folder of minidl with an __init__.py
    from setuptools import find_packages

    packages = {p.parent.relative_to(root).as_posix().replace("/", ".") for p in (root / "minidl").rglob("__init__.py")}
    found = set(find_packages(str(root), **setuptools["packages"]["find"]))
    assert packages <= found, packages - found

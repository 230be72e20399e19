"""minidl.explorers: the explorers' computations against references, their live widgets driven from pytest
(set a control, check that the figure and its summary change as they should), and the static players."""

from __future__ import annotations

import base64
import dataclasses
import fnmatch
import json
import re
import subprocess
import sys

import pytest
import torch

from minidl import explorers as viz
from minidl.experiments.report import round_data, round_model

SMALL = viz.Settings(n=120, epochs=3, batch_size=20)  # trains in a fraction of a second
PNG = b"\x89PNG\r\n\x1a\n"


def test_import_stays_light():
    code = ("import sys, minidl, minidl.explorers; "
            "print([m for m in ('matplotlib', 'ipywidgets', 'IPython', 'PIL') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- computations -------------------------------------------------------------------------------


def test_train_run_records_every_epoch():
    run = viz.train_run(SMALL, grid=9)
    assert run.margins.shape == (SMALL.epochs + 1, 9, 9)
    assert len(run.test_error) == len(run.test_loss) == SMALL.epochs + 1
    assert len(run.history.train_loss) == SMALL.epochs
    assert not run.diverged
    assert viz.train_run(SMALL, grid=9) is run  # cached
    assert not torch.equal(run.margins[0], run.margins[-1])


def test_train_run_epoch_zero_is_the_initial_network():
    run = viz.train_run(SMALL, grid=7)
    seeded_init = round_model(SMALL.seed)  # the report's initial network for this seed
    _, points = viz.lattice(7)
    out = seeded_init(points)
    assert torch.equal(run.margins[0], (out[:, 1] - out[:, 0]).reshape(7, 7))
    # the margin's sign is the predicted class
    assert torch.equal((run.margins[0] > 0).reshape(-1), out.argmax(dim=1) == 1)


def test_train_run_uses_the_reports_data_for_the_seed():
    settings = dataclasses.replace(SMALL, seed=5)
    run = viz.train_run(settings, grid=3)
    _, test = round_data(settings.seed, settings.n)
    assert all(torch.equal(a, b) for a, b in zip(run.test, test, strict=True))
    assert not torch.equal(run.test[0], viz.train_run(SMALL, grid=3).test[0])  # another seed, other data


@pytest.mark.slow
def test_training_lowers_the_error_for_both_losses():
    for loss in viz.LOSS_NAMES:
        run = viz.train_run(viz.Settings(loss=loss, n=300, epochs=6, batch_size=10, lr=0.05), grid=5)
        assert run.test_error[-1] < run.test_error[0] - 0.1, (loss, run.test_error)


def test_train_run_is_the_command_line_run(capsys):
    from minidl.__main__ import main

    settings = viz.Settings(loss="ce", n=150, epochs=2, batch_size=10, lr=0.05, momentum=0.5, init="xavier", seed=3)
    main(["--loss", "ce", "--n", "150", "--epochs", "2", "--batch-size", "10", "--lr", "0.05", "--momentum", "0.5",
          "--init", "xavier", "--seed", "3", "--no-progress"])
    out = capsys.readouterr().out
    run = viz.train_run(settings, grid=5)
    assert re.findall(r"train loss ([\d.]+)", out) == [f"{v:.4f}" for v in run.history.train_loss]
    assert re.search(r"final test error:\s+([\d.]+)%", out).group(1) == f"{100 * run.test_error[-1]:.1f}"


def test_settings_reject_bad_values():
    with pytest.raises(ValueError, match="Settings: loss must be one of"):
        dataclasses.replace(SMALL, loss="hinge")
    with pytest.raises(ValueError, match="Settings: init must be one of"):
        viz.Settings(init="he")
    with pytest.raises(ValueError, match="Settings: .*batch_size=0"):
        dataclasses.replace(SMALL, batch_size=0)
    with pytest.raises(ValueError, match="Settings: .*epochs=-1"):
        dataclasses.replace(SMALL, epochs=-1)


def test_activation_derivative_is_backward_and_matches_autograd():
    references = {"Tanh": torch.tanh, "ReLU": torch.relu,
                  "PReLU (a = 0.25)": lambda s: torch.nn.functional.prelu(s, torch.tensor([0.25], dtype=s.dtype))}
    assert set(references) <= set(viz.activations())
    for name, f in references.items():
        s, y, dy = viz.activation_curves(name, -3.0, 2.0, points=101)
        x = s.clone().requires_grad_(True)
        ref = f(x)
        (grad,) = torch.autograd.grad(ref.sum(), x)
        assert torch.allclose(y, ref.detach())
        away = s != 0  # ReLU's θ(0) = 1 in the report, 0 in torch
        assert torch.allclose(dy[away], grad[away]), name
        assert s[0] == -3.0 and s[-1] == 2.0


def test_activation_curves_reject_bad_input():
    with pytest.raises(ValueError, match="lo < hi"):
        viz.activation_curves("Tanh", 2.0, 1.0)
    with pytest.raises(ValueError, match="name must be one of"):
        viz.activation_curves("Sigmoid")


@pytest.mark.parametrize("temperature", [0.1, 1.0, 7.0])
def test_softmax_temperature_matches_autograd(temperature):
    scores = (2.0, -1.0, 0.5, 0.0)
    p, jac = viz.softmax_temperature(scores, temperature)
    s = torch.tensor(scores, dtype=torch.float64)
    ref = torch.autograd.functional.jacobian(lambda v: torch.softmax(v / temperature, dim=0), s)
    assert torch.allclose(p, torch.softmax(s / temperature, dim=0))
    assert torch.allclose(jac, ref, atol=1e-12)
    assert jac.sum(dim=0).abs().max() < 1e-12  # each column sums to 0: the probabilities sum to 1
    assert jac.sum(dim=1).abs().max() < 1e-12  # each row sums to 0: a shift of all scores changes no p_i
    shifted, _ = viz.softmax_temperature(tuple(v + 3.0 for v in scores), temperature)
    assert torch.allclose(shifted, p, atol=1e-15)


def test_softmax_temperature_and_scores_are_checked():
    with pytest.raises(ValueError, match="temperature"):
        viz.softmax_temperature((1.0, 2.0), 0.0)
    with pytest.raises(ValueError, match="two finite scores"):
        viz.softmax_temperature((1.0,), 1.0)
    assert viz.parse_scores("2, 1; 0.5") == (2.0, 1.0, 0.5)
    with pytest.raises(ValueError, match="numbers separated by commas"):
        viz.parse_scores("2, one")
    with pytest.raises(ValueError, match="between 2 and 8"):
        viz.parse_scores("3")


def test_plain_sgd_on_the_ravine_follows_the_closed_form():
    surf = viz.SURFACES["ravine"]
    path = viz.trajectory("ravine", lr=0.05, momentum=0.0, steps=12)
    k = torch.arange(13, dtype=torch.float64)
    x0, y0 = surf.start
    assert torch.allclose(path[:, 0], x0 * (1 - 0.05) ** k)
    assert torch.allclose(path[:, 1], y0 * (1 - 20 * 0.05) ** k)


@pytest.mark.parametrize("surface", list(viz.SURFACES))
def test_momentum_trajectory_matches_torch_optim_sgd(surface):
    surf = viz.SURFACES[surface]
    theta = torch.tensor(surf.start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=surf.lr, momentum=surf.momentum)
    ref = [theta.detach().clone()]
    for _ in range(surf.steps):
        opt.zero_grad()
        surf.f(theta[0], theta[1]).backward()  # the surface's f through autograd checks its grad too
        opt.step()
        ref.append(theta.detach().clone())
    assert torch.allclose(viz.trajectory(surface), torch.stack(ref), atol=1e-10)


def test_momentum_beats_plain_sgd_on_both_surfaces():
    for name, surf in viz.SURFACES.items():
        minimum = torch.tensor(surf.minimum, dtype=torch.float64)
        sgd = (viz.trajectory(name, momentum=0.0)[-1] - minimum).norm()
        heavy = (viz.trajectory(name)[-1] - minimum).norm()
        assert heavy < 0.5 * sgd, name


# -- live widgets, driven from pytest -----------------------------------------------------------


def title_texts(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes]


def test_boundary_explorer_moves_through_the_epochs():
    ex = viz.boundary_explorer(SMALL)
    run = viz.train_run(SMALL)
    assert bytes(ex.image.value).startswith(PNG)
    assert ex.summary["epoch"] == SMALL.epochs and ex.summary["loss"] == "mse"
    last = bytes(ex.image.value)
    ex.controls["epoch"].value = 0
    assert ex.summary["epoch"] == 0
    assert ex.summary["test_error"] == run.test_error[0]
    assert bytes(ex.image.value) != last
    assert "epoch 0" in title_texts(ex.figure)[0]
    mse_image = bytes(ex.image.value)
    ex.controls["loss"].value = "ce"
    assert ex.summary["loss"] == "ce"
    assert ex.summary["test_error"] == viz.train_run(dataclasses.replace(SMALL, loss="ce")).test_error[0]
    assert "cross-entropy" in title_texts(ex.figure)[0]
    assert bytes(ex.image.value) != mse_image
    assert "test error" in ex.status.value


def test_training_explorer_retrains_on_each_setting():
    ex = viz.training_explorer(SMALL)
    seen = {bytes(ex.image.value)}
    for name, value in (("lr", 0.1), ("momentum", 0.5), ("init", "xavier"), ("batch_size", 5)):
        ex.controls[name].value = value
        assert ex.summary[name] == pytest.approx(value)
        seen.add(bytes(ex.image.value))
    expected = viz.train_run(dataclasses.replace(SMALL, lr=0.1, momentum=0.5, init="xavier", batch_size=5))
    assert ex.summary["test_error"] == expected.test_error[-1]
    assert len(seen) == 5  # every change drew a different figure
    assert ex.renders == 5


def test_activation_explorer_follows_the_name_and_the_range():
    ex = viz.activation_explorer()
    assert ex.summary["name"] == "Tanh" and ex.summary["max_derivative"] == pytest.approx(1.0)
    before = bytes(ex.image.value)
    ex.controls["name"].value = "ReLU"
    assert ex.summary["min"] == 0.0 and ex.summary["min_derivative"] == 0.0
    assert bytes(ex.image.value) != before
    ex.controls["range"].value = (1.0, 10.0)
    assert ex.figure.axes[0].get_xlim() == (1.0, 10.0)
    assert ex.summary["min"] == pytest.approx(1.0) and ex.summary["max"] == pytest.approx(10.0)
    assert ex.summary["min_derivative"] == 1.0  # ReLU is the identity on s > 0


def test_softmax_explorer_temperature_and_scores():
    ex = viz.softmax_explorer()
    cold = ex.summary["entropy"]
    ex.controls["temperature"].value = 10.0
    assert ex.summary["entropy"] > cold
    assert ex.summary["max_abs_jacobian"] < 0.05  # flat p, and the 1/T factor
    ex.controls["scores"].value = "1, 1"
    assert ex.summary["p"] == [0.5, 0.5]
    assert ex.summary["row_sums"] < 1e-12
    image, summary = bytes(ex.image.value), ex.summary
    ex.controls["scores"].value = "1, x"  # a typo: say so, keep the figure
    assert "numbers separated by commas" in ex.status.value
    assert bytes(ex.image.value) == image and ex.summary == summary


def test_trajectory_explorer_step_by_step():
    ex = viz.trajectory_explorer()
    surf = viz.SURFACES["ravine"]
    start = (torch.tensor(surf.start) - torch.tensor(surf.minimum)).norm().item()
    assert ex.summary["step"] == 0
    assert ex.summary["sgd_distance"] == pytest.approx(start) == ex.summary["momentum_distance"]
    first = bytes(ex.image.value)
    ex.controls["step"].value = surf.steps
    assert ex.summary["momentum_distance"] < ex.summary["sgd_distance"] < start
    assert bytes(ex.image.value) != first
    ex.controls["momentum"].value = 0.0
    assert ex.summary["momentum_distance"] == pytest.approx(ex.summary["sgd_distance"])
    ex.controls["surface"].value = "banana"
    banana = viz.SURFACES["banana"]
    assert ex.summary["surface"] == "banana"
    assert (ex.controls["lr"].value, ex.controls["momentum"].value) == (banana.lr, banana.momentum)
    assert ex.summary["momentum"] == banana.momentum


def test_explorer_text_is_the_same_on_every_machine():
    bundle = viz.activation_explorer()._repr_mimebundle_()
    assert bundle["text/plain"] == "Activations (a live explorer: run the notebook in Jupyter to use it)"
    assert "application/vnd.jupyter.widget-view+json" in bundle


# -- static players -----------------------------------------------------------------------------


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

"""minidl.explorers: the explorers' computations against references (training runs, activations, softmax
with a temperature, optimizer trajectories), and an import that stays light. The live widgets:
tests/explorers/test_explorer_widgets.py; the static players: tests/explorers/test_explorer_players.py."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest
import torch
from explorer_settings import SMALL

from minidl import explorers as viz
from minidl.experiments.report import round_data, round_model


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

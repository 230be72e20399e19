"""minidl.explorers' live widgets, driven from pytest: set a control, check that the figure and its summary
change as they should."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from explorer_settings import PNG, SMALL

from minidl import explorers as viz


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

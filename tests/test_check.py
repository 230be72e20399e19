"""The checker: the reference passes; each common mistake, planted in a subclass, is named."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
import torch

import minidl
from minidl.__main__ import main
from minidl.check import check_one, find


def result(cls):
    return check_one(find(cls), cls)


class TransposedW(minidl.Linear):
    def backward(self, g):
        self.weight.grad = g.T @ self.input  # transposed, and overwritten
        self.bias.grad += g.sum(0)
        return g @ self.weight.value.T


class TransposedWInPlace(minidl.Linear):
    def backward(self, g):
        self.weight.grad += g.T @ self.input  # raises on a non-square layer: the square one shows the transpose
        self.bias.grad += g.sum(0)
        return g @ self.weight.value.T


class BiasNotSummed(minidl.Linear):
    def backward(self, g):
        self.weight.grad += self.input.T @ g
        self.bias.grad += g  # broadcasting fails for N > 1
        return g @ self.weight.value.T


class BiasAveraged(minidl.Linear):
    def backward(self, g):
        self.weight.grad += self.input.T @ g
        self.bias.grad += g.mean(0)
        return g @ self.weight.value.T


class Overwritten(minidl.Linear):
    def backward(self, g):
        self.weight.grad = self.input.T @ g
        self.bias.grad = g.sum(0)
        return g @ self.weight.value.T


class ReportSignSoftmax(minidl.Softmax):
    def backward(self, g):
        p = self.output
        return -p * (g - (g * p).sum(dim=1, keepdim=True))  # the report's eq. (4)


class SummedMSE(minidl.MSELoss):
    def backward(self):
        diff, k = self.cached()
        return diff * 2  # the sum's gradient under the mean's loss


class SummedCE(minidl.SoftmaxCrossEntropyLoss):
    def backward(self):
        p, t, k = self.cached()
        return p * t.sum(dim=1, keepdim=True) - t


class SquaresItsCache(minidl.Tanh):
    def backward(self, g):
        y = self.output
        y.mul_(y)  # overwrites the cache: the second backward reads tanh⁴
        return g * (1 - y)


class InPlaceReLU(minidl.ReLU):
    def forward(self, s):
        self.mask = s.clamp_(min=0) >= 0  # the input (and the mask read from it) is overwritten
        return s


class UphillSGD(minidl.SGD):
    def step(self):
        for p, v in zip(self.params, self.velocity, strict=True):
            v.mul_(self.momentum).add_(p.grad, alpha=self.lr)
            p.value.add_(v)


class NoMomentumSGD(minidl.SGD):
    def step(self):
        for p in self.params:
            p.value.add_(p.grad, alpha=-self.lr)


@pytest.mark.parametrize(
    ("cls", "named"),
    [
        (TransposedW, "Linear.backward: ∂ℓ/∂W has shape (4, 3), expected (3, 4): did you compute g xᵀ instead of "
                      "xᵀ g? (chapter 2, eq. (2))"),
        (TransposedWInPlace, "∂ℓ/∂W is the transpose of the expected one: did you compute g xᵀ instead of xᵀ g?"),
        (BiasNotSummed, "the bias gradient is not summed over the batch"),
        (BiasAveraged, "∂ℓ/∂b is 5 times too small (a factor of 1/N"),
        (Overwritten, "overwritten instead of accumulated"),
        (ReportSignSoftmax, "has the wrong sign: the report's eq. (4) has a stray minus"),
        (SummedMSE, "∂ℓ/∂p is 15 times too large (a factor of N·C = 15"),
        (SummedCE, "∂ℓ/∂s is 5 times too large (a factor of N = 5"),
        (SquaresItsCache, "Tanh.backward changed its own cache in place"),
        (InPlaceReLU, "ReLU.forward changed its input in place"),
        (UphillSGD, "has the wrong sign: a step goes down the gradient"),
        (NoMomentumSGD, "the momentum is missing"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_a_planted_mistake_is_named(cls, named):
    r = result(cls)
    assert not r.passed
    assert named in r.message, r.message
    assert r.points == 0 and r.max_points == find(cls).points


def test_a_class_written_from_scratch_is_found_by_its_name():
    class Tanh(minidl.Module):  # a student's own, not a subclass of minidl.Tanh
        def forward(self, s):
            self.y = torch.tanh(s)
            return self.y

        def backward(self, g):
            return g * (1 - self.y**2)

    assert find(Tanh).name == "tanh"
    assert minidl.check(Tanh, quiet=True).passed


def test_an_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="no exercise named 'conv'; the exercises are linear, tanh"):
        minidl.check("conv")


def test_the_command_line_prints_one_line_per_exercise_and_writes_reports(tmp_path, capsys):
    assert main(["check", "linear", "relu", "--report", str(tmp_path / "r.json")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["PASS", "linear"], ["PASS", "relu"]]
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["passed"] and data["score"] == data["max_score"] == find("linear").points + find("relu").points
    assert main(["check", "tanh", "--report", str(tmp_path / "r.xml")]) == 0
    case = ET.parse(tmp_path / "r.xml").getroot().find("testsuite/testcase")
    assert case.get("name") == "tanh" and case.find("failure") is None


def test_the_command_line_exits_1_and_the_junit_report_holds_the_failure(tmp_path, monkeypatch, capsys):
    import minidl.check.exercises as exercises

    broken = [ex if ex.name != "softmax" else type(ex)(ex.name, ReportSignSoftmax, ex.kind, ex.where, ex.points)
              for ex in exercises.EXERCISES]
    monkeypatch.setattr(exercises, "EXERCISES", broken)
    assert main(["check", "softmax", "--report", str(tmp_path / "r.xml")]) == 1
    assert capsys.readouterr().out.startswith("FAIL  softmax")
    failure = ET.parse(tmp_path / "r.xml").getroot().find("testsuite/testcase/failure")
    assert "wrong sign" in failure.get("message")



def test_the_readme_points_table_is_the_checkers():
    import re
    from pathlib import Path

    from minidl.check import EXERCISES

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    names = re.search(r"^\s*\| exercise \|(.*)\|$", readme, re.M).group(1)
    points = re.search(r"^\s*\| points \|(.*)\|$", readme, re.M).group(1)
    table = dict(zip([n.strip(" `") for n in names.split("|")], [int(p) for p in points.split("|")], strict=True))
    assert table == {ex.name: ex.points for ex in EXERCISES}

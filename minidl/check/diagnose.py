"""Name the common mistakes from what a backward produced: a transpose, a missing sum over the batch, a
factor of N (mean against sum), a wrong sign, an overwritten gradient, an overwritten cache."""

from __future__ import annotations

import re

import torch


class Mistake(AssertionError):
    """A failed comparison; ``named`` is True when the message names the likely mistake."""

    def __init__(self, message: str, named: bool = False) -> None:
        super().__init__(message)
        self.named = named


def close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.shape == b.shape and torch.allclose(a, b, rtol=1e-6, atol=1e-9)


def shape_str(shape) -> str:
    return str(tuple(shape))


def factor_hint(got: torch.Tensor, expected: torch.Tensor, sizes: dict[str, int]) -> tuple[str, bool] | None:
    """If ``got`` is ``expected`` times a constant r ≠ 1, say which: −1 (the sign), N, 1/N, C, ... ."""
    norm = (expected * expected).sum()
    if got.shape != expected.shape or norm == 0:
        return None
    r = float((got * expected).sum() / norm)
    if not torch.allclose(got, r * expected, rtol=1e-6, atol=1e-9):
        return None
    if abs(r + 1) < 1e-6:
        return "has the wrong sign", True
    for what, size in sizes.items():
        if size > 1 and abs(r - size) < 1e-6 * size:
            return f"is {size} times too large (a factor of {what} = {size}: a sum where the mean was meant?)", True
        if size > 1 and abs(r * size - 1) < 1e-6:
            return f"is {size} times too small (a factor of 1/{what}: a mean where the sum was meant?)", True
    if abs(r) > 1e-12:
        return f"is the expected one times {r:.4g}", False
    return None


def compare(who: str, name: str, got, expected: torch.Tensor, sizes: dict[str, int], hints: dict) -> None:
    """Raise a ``Mistake`` unless ``got`` equals ``expected``; ``hints`` maps a mistake ('transpose', 'sum',
    'sign', 'factor') to the formula to use for this tensor."""
    where = hints.get("where", "")
    if not isinstance(got, torch.Tensor):
        raise Mistake(f"{who}: {name} is {type(got).__name__}, expected a tensor of shape {shape_str(expected.shape)}")
    if got.shape != expected.shape:
        msg = f"{who}: {name} has shape {shape_str(got.shape)}, expected {shape_str(expected.shape)}"
        if got.dim() == 2 and got.shape == expected.shape[::-1] and "transpose" in hints:
            raise Mistake(f"{msg}: {hints['transpose']} ({where})", named=True)
        if got.dim() == expected.dim() + 1 and got.shape[1:] == expected.shape and "sum" in hints:
            raise Mistake(f"{msg}: {hints['sum']} ({where})", named=True)
        raise Mistake(f"{msg} ({where})")
    if close(got, expected):
        return
    if got.dim() == 2 and got.shape[0] == got.shape[1] and close(got, expected.T) and "transpose" in hints:
        raise Mistake(f"{who}: {name} is the transpose of the expected one: {hints['transpose']} ({where})", True)
    found = factor_hint(got, expected, sizes)
    if found is not None:
        text, named = found
        extra = hints.get("sign", "") if text == "has the wrong sign" else hints.get("factor", "")
        raise Mistake(f"{who}: {name} {text}{': ' + extra if extra else ''} ({where})", named)
    err = (got - expected).abs().max().item()
    raise Mistake(f"{who}: {name} is wrong (largest difference {err:.3g}) ({where})")


INPLACE = re.compile(r"output with shape \[([\d, ]*)\] doesn't match the broadcast shape \[([\d, ]*)\]")
#: ``p.grad = wrong`` refused by the Parameter: "grad must match the value ((3, 4), ...), got (4, 3), ..."
ASSIGNED = re.compile(r"grad must match the value \(\(([\d, ]*)\),.*?got \(([\d, ]*)\),")


def explain_error(who: str, exc: Exception, expected: dict[str, torch.Tensor], sizes, hints) -> Mistake:
    """A torch error raised by an in-place update of a gradient, read as 'this gradient got that shape'."""
    m = INPLACE.search(str(exc)) or ASSIGNED.search(str(exc))
    if m:
        target = tuple(int(v) for v in m.group(1).split(",") if v.strip())
        produced = tuple(int(v) for v in m.group(2).split(",") if v.strip())
        for name, exp in expected.items():
            if tuple(exp.shape) == target:
                try:
                    compare(who, name, torch.zeros(produced, dtype=exp.dtype), exp, sizes, hints.get(name, {}))
                except Mistake as mistake:
                    return mistake
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return Mistake(f"{who} raised {type(exc).__name__}: {first}")

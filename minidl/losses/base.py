"""The ``Loss`` base class: ``forward(prediction, target)`` gives a 0-dim tensor ℓ,
``backward()`` gives ``∂ℓ/∂prediction``. Also the target checks that every loss shares, and ``one_hot``."""

from __future__ import annotations

import torch

from ..checks import check_float_2d, plain


def one_hot(y: torch.Tensor, classes: int, dtype: torch.dtype) -> torch.Tensor:
    """Class indices of any shape → one-hot rows along a new last dimension: ``t[..., y] = 1``."""
    return torch.zeros(*y.shape, classes, dtype=dtype, device=y.device).scatter_(-1, y.long().unsqueeze(-1), 1.0)


class Loss:
    """A scalar function of a prediction ``(N, C)`` and a target.

    The target is either class indices, an integer tensor of shape ``(N,)`` with values in
    ``[0, C)``, or rows of probabilities (one-hot or soft), a float tensor of shape ``(N, C)``.
    ``reduction`` is ``"mean"`` or ``"sum"``; each loss's docstring says over what it averages.
    """

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in ("mean", "sum"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', got {reduction!r}")
        self.reduction = reduction
        self.cache: tuple | None = None

    def __call__(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.forward(prediction, target)

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def backward(self) -> torch.Tensor:
        raise NotImplementedError

    def value_and_grad(self, prediction: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(ℓ, ∂ℓ/∂prediction)`` in one call: ``forward`` then ``backward``, the same formulas."""
        return self.forward(prediction, target), self.backward()

    def cached(self) -> tuple:
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}: backward() called before forward()")
        return self.cache

    def target_rows(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Check ``prediction`` and ``target``; return the target as ``(N, C)`` rows of the prediction's dtype."""
        who = type(self).__name__
        check_float_2d(who, prediction, what="prediction")
        n, c = prediction.shape
        if not isinstance(target, torch.Tensor):
            raise TypeError(f"{who}: target must be a torch.Tensor, got {type(target).__name__}")
        if target.device != prediction.device:
            raise ValueError(f"{who}: target is on {target.device} but prediction is on {prediction.device}")
        if target.dtype == torch.bool or target.is_complex():
            raise TypeError(f"{who}: target has dtype {target.dtype}; use int64 class indices or float rows")
        if not target.is_floating_point():  # class indices
            if target.shape != (n,):
                hint = "; one-hot or probability rows must be floating point" if target.dim() == 2 else ""
                raise ValueError(
                    f"{who}: class-index target must have shape ({n},) for prediction {tuple(prediction.shape)}, "
                    f"got {tuple(target.shape)} of dtype {target.dtype}{hint}"
                )
            if n and (int(target.min()) < 0 or int(target.max()) >= c):
                raise ValueError(
                    f"{who}: class indices must lie in [0, {c}) for prediction {tuple(prediction.shape)}, "
                    f"got values from {int(target.min())} to {int(target.max())}"
                )
            return one_hot(target, c, prediction.dtype)
        if target.shape != prediction.shape:
            hint = "; class indices must be an integer tensor" if target.dim() == 1 else ""
            raise ValueError(
                f"{who}: target has shape {tuple(target.shape)}, prediction has {tuple(prediction.shape)}{hint}"
            )
        if target.dtype != prediction.dtype:
            raise TypeError(f"{who}: target dtype {target.dtype} does not match prediction dtype {prediction.dtype}")
        return target

    def inputs(self, prediction: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``target_rows``, then both tensors without autograd history: ``(prediction, target rows)``."""
        t = self.target_rows(prediction, target)
        return plain(prediction), plain(t)

    def check_distributions(self, rows: torch.Tensor, what: str) -> None:
        """Raise unless every row of ``rows`` is a probability distribution: entries ≥ 0 and a sum of 1,
        both within ``tol = max(1e-3, 10 eps)`` (1e-3 unless in half precision): loose enough for rounding
        and for a finite-difference step, tight enough to catch scores passed for probabilities. Rows
        holding a NaN are let through: NaN in gives NaN out, as in torch."""
        tol = max(1e-3, 10 * torch.finfo(rows.dtype).eps)
        if rows.numel() == 0 or not (rows.min().item() < -tol or rows.sum(1).sub_(1).abs_().max().item() > tol):
            return  # the fast path, two reductions: this runs at every step
        bad = (rows < -tol).any(dim=1) | ((rows.sum(dim=1) - 1).abs() > tol)
        if bad.any():
            row = int(bad.nonzero()[0, 0])
            values = ", ".join(f"{v:.3g}" for v in rows[row, :6].tolist())
            raise ValueError(
                f"{type(self).__name__}: {what} rows must be probability distributions (entries ≥ 0 summing to 1, "
                f"within {tol:.1g}); row {row} is [{values}{', …' if rows.shape[1] > 6 else ''}] with sum "
                f"{rows[row].sum().item():.4g}" + (
                    "; pass the output of Softmax, or use SoftmaxCrossEntropyLoss on raw scores"
                    if what == "prediction" else "")
            )

    def factor(self, n: int) -> float:
        """``1/n`` for ``reduction="mean"`` (``n`` is what the mean runs over), 1 for ``"sum"``."""
        return 1.0 / max(n, 1) if self.reduction == "mean" else 1.0

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"

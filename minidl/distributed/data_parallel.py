"""``DistributedDataParallel``: a model whose ``backward`` ends with the gradients averaged over the ranks."""

from __future__ import annotations

import torch
import torch.distributed as dist

from ..module import Module
from ..sequential import input_backward, params_only_backward
from .bucket import GradBucket, broadcast_parameters


class DistributedDataParallel(Module):
    """Wraps ``module`` for data-parallel training in the current process group, as torch's DDP does.

    * At construction, every rank's parameters are overwritten with rank 0's (one broadcast), so that
      all ranks start from the same point whatever their own initialisation.
    * ``forward`` is the module's, on this rank's shard of the batch.
    * ``backward(g)`` runs the module's backward, which adds this rank's ``∂ℓ_r/∂θ`` into each ``grad``,
      then replaces every ``grad`` by its mean over the ``p`` ranks, ``(1/p) Σ_r ∂ℓ_r/∂θ``, in one
      all-reduce of a flat buffer (``GradBucket``). With each rank's loss the mean over its ``N/p``
      samples, that mean is the gradient of the mean loss over all ``N`` samples: the optimizer then
      takes, on every rank, the step that one process would take with the whole batch.

    ``input_grad`` (for a ``Sequential``) says whether ``∂ℓ/∂x`` is wanted, as ``Sequential.backward``.
    """

    def __init__(self, module: Module) -> None:
        who = type(self).__name__
        if not isinstance(module, Module):
            raise TypeError(f"{who}: module must be a minidl Module, got {type(module).__name__}")
        if not dist.is_initialized():
            raise RuntimeError(f"{who}: no process group; call minidl.distributed.join(rank, world_size, port) "
                               "first, or run the training with minidl.distributed.launch")
        params = module.param()
        if not params:
            raise ValueError(f"{who}: {type(module).__name__} has no parameters; there is nothing to average")
        device = params[0].value.device
        backend = dist.get_backend()
        if backend == "nccl" and device.type != "cuda":
            raise ValueError(f"{who}: the process group uses nccl, which reduces CUDA tensors, but the parameters "
                             f"are on {device}; join with device='cpu' (gloo) or move the model to CUDA")
        self.module = module
        broadcast_parameters(params)
        self.bucket = GradBucket(params)

    @property
    def rank(self) -> int:
        return dist.get_rank()

    @property
    def world_size(self) -> int:
        return dist.get_world_size()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module(x)

    def backward(self, grad_output: torch.Tensor, input_grad: bool = False) -> torch.Tensor | None:
        if input_grad:
            grad_input = input_backward(self.module, grad_output)
        else:
            params_only_backward(self.module, grad_output)
            grad_input = None
        self.bucket.average()  # every rank now holds the same, averaged gradient
        return grad_input

    def extra_repr(self) -> str:
        return f"{self.module!r}, world_size={self.world_size}"

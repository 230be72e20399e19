"""What a backward pass keeps alive: the bytes of the tensors held between forward and backward.

The tape holds every node's value and every operation's ``saved`` tensors (a module's cache among them);
the explicit modules hold only their caches. Tensors that share one storage (a view, a value that is also
a cache) are counted once, by storage.
"""

from __future__ import annotations

import torch

from ..parameter import Parameter
from .tensor import Tensor, topological_order


def storage_bytes(tensors) -> int:
    """The bytes of the distinct storages behind ``tensors``."""
    seen: dict[int, int] = {}
    for t in tensors:
        s = t.untyped_storage()
        seen[s.data_ptr()] = max(seen.get(s.data_ptr(), 0), s.nbytes())
    return sum(seen.values())


def held(obj, depth: int = 3):
    """The tensors inside ``obj`` (a tensor, a tuple, or an object's attributes), not the parameters'."""
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, tuple | list) and depth:
        for o in obj:
            yield from held(o, depth - 1)
    elif hasattr(obj, "__dict__") and not isinstance(obj, Parameter | type) and depth:
        for o in vars(obj).values():
            yield from held(o, depth - 1)


def tape_bytes(output: Tensor) -> int:
    """Bytes the tape behind ``output`` keeps for backward: the values of the nodes that are not leaves,
    and what each operation saved. The leaves that need a gradient are the model's parameters: not counted
    (the data is, where a module cached it, as in ``cache_bytes``)."""
    nodes = [n for n in topological_order(output) if n.vjp is not None]
    leaves = {n.value.untyped_storage().data_ptr() for n in topological_order(output) if n.vjp is None}
    tensors = [t for n in nodes for t in (n.value, *held(n.saved))]
    return storage_bytes(t for t in tensors if t.untyped_storage().data_ptr() not in leaves)


def cache_bytes(*modules) -> int:
    """Bytes the explicit modules (and losses) keep for backward: the tensors in their caches."""
    return storage_bytes(t for m in modules for t in held(m))

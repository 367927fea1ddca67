"""A copy of a torch module on the meta device, made without copying its weights, whatever tensors it holds.

``copy.deepcopy(module).to("meta")`` copies every weight on the CPU before dropping it, and fails on a module
that holds a tensor autograd made: ``torch.nn.utils.weight_norm`` and ``spectral_norm`` (the hook forms) keep
the weight they computed in the last forward as a plain attribute, and after a forward with gradients (a training
step) it is not a leaf, which ``deepcopy`` refuses ("Only Tensors created explicitly by the user (graph leaves)
support the deepcopy protocol"). Here every tensor the copy would reach is found first and given, through
``deepcopy``'s memo, an empty meta tensor of its shape, dtype and ``requires_grad`` (a ``Parameter`` stays one,
and a tensor held in two places stays one tensor). ``deepcopy`` then copies only the module's structure: its
hooks (weight norm's included), parametrizations and settings.
"""

from __future__ import annotations

import types
from typing import Any

__all__ = ["meta_copy"]


def _reachable_tensors(root: Any, torch: Any) -> list[Any]:
    """The tensors that ``copy.deepcopy(root)`` would copy: found through containers and instances' ``__dict__``,
    as deepcopy goes (classes, functions and modules are copied by reference, so nothing is found inside them)."""
    found: list[Any] = []
    seen: set[int] = set()
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, torch.Tensor):
            found.append(obj)
            continue
        if isinstance(obj, type | types.FunctionType | types.BuiltinFunctionType | types.ModuleType | str |
                      bytes | int | float | complex | bool) or obj is None:
            continue
        if isinstance(obj, dict):
            todo.extend(obj.keys())
            todo.extend(obj.values())
        elif isinstance(obj, list | tuple | set | frozenset):
            todo.extend(obj)
        elif isinstance(obj, types.MethodType):
            todo.append(obj.__self__)
        else:
            state = getattr(obj, "__dict__", None)
            if isinstance(state, dict):
                todo.extend(state.values())
    return found


def _meta_twin(tensor: Any, torch: Any) -> Any | None:
    """An empty meta tensor like ``tensor`` (a Parameter for a Parameter); None for one this cannot stand in for
    (a quantized or sparse tensor, a tensor subclass), which deepcopy then copies as it always did."""
    if tensor.layout != torch.strided or tensor.is_quantized:
        return None
    if type(tensor) is torch.nn.Parameter:
        return torch.nn.Parameter(torch.empty_like(tensor, device="meta"), requires_grad=tensor.requires_grad)
    if type(tensor) is torch.Tensor:
        twin = torch.empty_like(tensor, device="meta")
        return twin.requires_grad_(tensor.requires_grad and tensor.is_leaf)
    return None


def meta_copy(module: Any) -> Any:
    """A deep copy of ``module`` on the meta device; ``module`` and its tensors are left as they are.

    A layer with the hook form of weight norm, after a forward with gradients (its ``weight`` is then not a leaf,
    which ``copy.deepcopy`` refuses):

    >>> import warnings, torch
    >>> from torch import nn
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")        # torch.nn.utils.weight_norm is deprecated, not gone
    ...     layer = nn.utils.weight_norm(nn.Conv1d(1, 2, 3))
    >>> layer(torch.ones(1, 1, 5)).sum().backward()
    >>> layer.weight.is_leaf
    False
    >>> twin = meta_copy(layer)
    >>> twin.weight_v.device.type, twin(torch.empty(1, 1, 9, device="meta")).shape, layer.weight_v.device.type
    ('meta', torch.Size([1, 2, 7]), 'cpu')
    """
    import copy

    import torch

    tensors = _reachable_tensors(module, torch)
    memo: dict[int, Any] = {}
    for t in tensors:
        twin = _meta_twin(t, torch)
        if twin is not None:
            memo[id(t)] = twin
    memo[id(memo)] = [tensors]  # deepcopy's keep-alive entry: the originals' ids stay theirs while it runs
    return copy.deepcopy(module, memo).to("meta")

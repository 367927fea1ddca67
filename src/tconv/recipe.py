"""One recipe per layer: the validated plan, the engines chosen for it, and applying them.

:func:`plan` is einops' prepare step for transposed convolution: it validates the shapes and parameters once
(:func:`tconv.params.plan_conv_transpose`), chooses the engines once (:func:`tconv.algorithms.select`), prepares
them once, and caches the result, a frozen :class:`Recipe`. Calling the recipe on arrays is the whole
computation: reading the arrays, the memory guard, the engine, the bias. :func:`tconv.conv_transpose` is
``plan(...)(x, weight, bias)``, and the layers keep one recipe per input shape.

>>> import numpy as np, tconv
>>> recipe = tconv.plan((1, 1, 3, 3), (1, 1, 2, 2), padding=1)
>>> recipe.output_shape, recipe.engine
((1, 1, 2, 2), 'col2im')
>>> x = np.array([[[[4, 4, 3], [0, 3, 4], [2, 3, 2]]]], np.float32)    # seed 001
>>> recipe(x, np.array([[[[1, 2], [0, 1]]]], np.float32))[0, 0]
array([[ 7., 14.],
       [ 7., 11.]], dtype=float32)
>>> tconv.plan((1, 1, 3, 3), (1, 1, 2, 2), padding=1) is recipe     # cached
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from . import algorithms
from ._axes import IntOrSeq
from .algorithms.base import Prepared
from .dtypes import check_bias_dtype, dtype_name, planned_dtype, read_arrays
from .errors import TconvError
from .padding_modes import fold, fold_bytes
from .params import ConvTransposePlan, compute_dtype, plan_conv_transpose
from .settings import check_memory, get_options, one_call

__all__ = ["Recipe", "cache_key", "engine_plan", "execute", "front_end", "memory_need", "plan", "recipe_for",
           "ufunc_buffers", "validated_plan"]


@dataclass(frozen=True, eq=False)
class Recipe:
    """A transposed convolution prepared for one set of shapes and one dtype: the plan and its engines.

    Call it as ``recipe(input, weight, bias=None)`` with arrays of the planned shapes; it checks them against
    the plan (a cheap comparison, the validation was done once) and computes. ``plan`` holds every per-axis
    size; ``engine`` names the engine used for a finite weight (a weight holding NaN or Inf goes to a NaN-exact
    one where ``auto`` picked another: ``engines``).

    >>> import numpy as np
    >>> r = plan((2, 4, 5, 5), (4, 3, 3, 3), stride=2, padding=1, output_size=(10, 10), dtype="float32")
    >>> r.output_shape, r.plan.output_padding, r.bias_shape
    ((2, 3, 10, 10), (1, 1), None)
    >>> r(np.ones((2, 4, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32)).shape
    (2, 3, 10, 10)
    """

    plan: ConvTransposePlan
    algorithm: str
    bias_shape: tuple[int, ...] | None
    choice: algorithms.Choice
    #: The chosen engines prepared for the plan's layer (finite, non-finite weight); None for an empty batch.
    prepared: tuple[Prepared, Prepared] | None

    @property
    def engine(self) -> str:
        """The engine that computes a finite weight.

        >>> plan((1, 16, 32, 32), (16, 8, 2, 2), stride=2).engine      # stride = kernel: one tap per phase
        'phase'
        """
        return self.choice.finite.NAME

    @property
    def engines(self) -> tuple[str, str]:
        """The engines for a finite and for a non-finite weight (the same unless ``auto`` picked a NaN-inexact
        engine).

        >>> plan((1, 16, 32, 32), (16, 8, 2, 2), stride=2).engines
        ('phase', 'col2im')
        """
        return self.choice.finite.NAME, self.choice.nonfinite.NAME

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The input shape the recipe was planned for (no batch axis for an unbatched input).

        >>> plan((4, 5, 5), (4, 3, 3, 3), groups=2).input_shape
        (4, 5, 5)
        """
        p = self.plan
        return ((p.batch,) if p.batched else ()) + (p.in_channels, *p.input_size)

    @property
    def weight_shape(self) -> tuple[int, ...]:
        """The weight shape the recipe takes: ``(in_channels, out_channels/groups, *kernel)``.

        >>> plan((4, 5, 5), (4, 3, 3, 3), groups=2).weight_shape
        (4, 3, 3, 3)
        """
        p = self.plan
        return (p.in_channels, p.out_per_group, *p.kernel_size)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The shape of the result: ``out_channels = groups · out_channels/groups``, each axis (L−1)·s − 2p + d·(k−1)
        + output_padding + 1.

        >>> plan((4, 5, 5), (4, 3, 3, 3), groups=2).output_shape
        (6, 7, 7)
        """
        return self.plan.output_shape

    def memory_need(self, x: np.ndarray, w: np.ndarray, engine: str | None = None) -> int:
        """The bytes a call on these arrays allocates at most (:func:`memory_need`), for ``engine`` or the
        recipe's own.

        >>> import numpy as np
        >>> r = plan((1, 1, 3, 3), (1, 1, 2, 2), dtype="float64", algorithm="scatter")
        >>> r.memory_need(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))) - ufunc_buffers(np.dtype(np.float64))
        456
        """
        torch_way = _complex_nonfinite(x, w, None)
        if engine is None and self.prepared is not None:
            return _need(self.prepared[0], self.plan, x, w, torch_way)
        return _need(algorithms.prepared(engine or self.engine, engine_plan(self.plan)), self.plan, x, w, torch_way)

    def __call__(self, input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> np.ndarray:
        x, w, b, x_name, b_name = read_arrays(input, weight, bias)
        self._check_shapes(x, w, b)
        if b_name is not None:
            check_bias_dtype("conv_transpose", self.plan.nd, self.plan.batch, x_name, b_name)
        return self.apply(x, w, b)

    def _check_shapes(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> None:
        given = (x.shape, w.shape, None if b is None else b.shape, dtype_name(x.dtype))
        planned = (self.input_shape, self.weight_shape, self.bias_shape, self.plan.dtype)
        if given != planned:
            names = ("input shape", "weight shape", "bias shape", "dtype")
            wrong = [f"{n} {_shown(g)} (planned {_shown(p)})" for n, g, p in zip(names, given, planned) if g != p]
            raise TconvError(f"this recipe was planned for other arrays: {'; '.join(wrong)}; plan again with "
                             "tconv.plan(...) for these shapes, or call tconv.conv_transpose")

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as what it is made from (its engines are modules and prepared work): the plan, the algorithm's
        name and the bias shape, prepared again where it is loaded."""
        return recipe_for, (self.plan, self.algorithm, self.bias_shape)

    def apply(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
        """Compute on arrays already read and checked against the plan: the memory guard, the engine, the bias,
        the result's dtype (what :func:`execute` does for a plan).

        >>> r = plan((1, 1, 3), (1, 1, 2), stride=2)
        >>> r.apply(np.array([[[1, 2, 3]]], np.float32), np.array([[[1, 10]]], np.float32), np.array([0.5], np.float32))
        array([[[ 1.5, 10.5,  2.5, 20.5,  3.5, 30.5]]], dtype=float32)
        """
        with one_call():  # the options are read once: the memory estimate and the run use the same ones
            return self._apply(x, w, b)

    def _apply(self, x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
        plan = self.plan
        if self.prepared is None:  # an empty batch; such a plan may have sizes no engine prepares for
            return _empty(plan.output_shape, x.dtype)
        finite, nonfinite = self.prepared
        # before any array is read for NaN and Inf, the guard for the common case
        engine = self._guarded(finite, self.choice.finite.NAME, x, w, False)
        weight_finite = None if nonfinite is finite else algorithms.finite_weight(w)  # the weight is summed once
        torch_way = _complex_nonfinite(x, w, b, weight_finite)
        if weight_finite is False:
            engine = self._guarded(nonfinite, self.choice.nonfinite.NAME, x, w, torch_way)
        elif torch_way:
            engine = self._guarded(finite, self.choice.finite.NAME, x, w, torch_way)
        ctype = compute_dtype(x.dtype)
        # Engines get C-contiguous arrays of the compute dtype, so that what they copy is what they count.
        xb = np.ascontiguousarray(x if plan.batched else x[None], dtype=ctype)
        wc = np.ascontiguousarray(w, dtype=ctype)
        folds = plan.padding_mode != "zeros"
        shape = (plan.batch, plan.out_channels, *engine_plan(plan).output_size)
        if torch_way:
            y = _complex_as_torch(engine, xb, wc, None if folds else b, shape)
            if not folds:
                return y if plan.batched else y[0]
        else:
            y = (np.zeros if engine.zeroed_output else np.empty)(shape, dtype=ctype)
        with np.errstate(invalid="ignore", over="ignore"):  # NaN and Inf propagate silently, as in PyTorch
            if not torch_way:
                engine.run(xb, wc, y)
            if folds:  # the margins come back (the adjoint of the padding mode), then the bias, as PyTorch adds it
                margins = [(ax.padding, ax.end_padding) for ax in plan.axes]
                y = np.ascontiguousarray(fold(y, margins, plan.padding_mode))
            if b is not None:
                y += b.astype(y.dtype).reshape((1, -1) + (1,) * plan.nd)
        y = y.astype(x.dtype, copy=False)
        return y if plan.batched else y[0]

    def _guarded(self, engine: Prepared, name: str, x: np.ndarray, w: np.ndarray, torch_way: bool) -> Prepared:
        """``engine``, once the memory guard has let its call on these arrays through (computed as PyTorch computes
        complex arrays holding NaN or Inf where ``torch_way``: :func:`_complex_as_torch`)."""
        plan = self.plan
        check_memory(
            _need(engine, plan, x, w, torch_way),
            lambda: f"conv_transpose to output shape {list(plan.output_shape)} ({plan.dtype}, kernel_size "
            f"{list(plan.kernel_size)}, algorithm {name!r})",
        )
        return engine


def _shown(value: Any) -> str:
    return str(list(value)) if isinstance(value, tuple) else str(value)


def recipe_for(layer: ConvTransposePlan, algorithm: str, bias_shape: tuple[int, ...] | None) -> Recipe:
    """The cached recipe of a validated plan: the engines selected and prepared once.

    >>> r = recipe_for(plan_conv_transpose((1, 4, 32, 32), (4, 4, 2, 2), stride=2), "auto", None)
    >>> r.engines, r is recipe_for(r.plan, "auto", None)
    (('phase', 'col2im'), True)
    """
    if isinstance(algorithm, str):  # NumPy's str_ too: a plain str in the recipe and its cache key
        algorithm = str(algorithm)
    if get_options().tune or type(algorithm) is not str:  # a tuned choice depends on the machine's measurements
        return _build(layer, algorithm, bias_shape)  # and the thread count; a name of another type is refused there
    return _cached(layer, algorithm, bias_shape)


def engine_plan(layer: ConvTransposePlan) -> ConvTransposePlan:
    """The plan the engines compute: the layer itself, or with a padding mode other than zeros, the layer with
    nothing cropped (:attr:`~tconv.params.ConvTransposePlan.unfolded`), whose margins are then folded back.

    >>> from tconv.params import plan_conv_transpose
    >>> engine_plan(plan_conv_transpose((1, 1, 4), (1, 1, 3), padding=1, padding_mode="circular")).output_size
    (6,)
    """
    return layer if layer.padding_mode == "zeros" else layer.unfolded


def _build(layer: ConvTransposePlan, algorithm: str, bias_shape: tuple[int, ...] | None) -> Recipe:
    computed = engine_plan(layer)
    choice = algorithms.select(algorithm, computed)
    if not layer.batch:
        return Recipe(layer, algorithm, bias_shape, choice, None)
    finite = algorithms.prepared(choice.finite.NAME, computed)
    nonfinite = finite if choice.nonfinite is choice.finite else algorithms.prepared(choice.nonfinite.NAME, computed)
    return Recipe(layer, algorithm, bias_shape, choice, (finite, nonfinite))


#: Recipes by plan, algorithm and bias shape. A plan is frozen and small; the prepared engines it points to live
#: in the algorithms' own cache.
_cached = lru_cache(maxsize=512)(_build)


#: Arguments whose exact type is one of these, alone or in a tuple, are their own cache key: validating them
#: again would give the same plan. Each equals only values of its own type (a str is never 2), unlike a float or a
#: bool (2.0 == 2, True == 1), which, with lists and NumPy values, are validated every time.
_KEYED = (int, str, type(None))


def cache_key(value: Any, depth: int = 0) -> Any:
    """``value`` itself where it may key a cache of validated plans (None, an int, a str, tuples of them two deep), else
    TypeError: a value of another type (2.0, True, np.int64(2), a list) must go through validation.

    >>> cache_key((1, (2, 3), None))
    (1, (2, 3), None)
    >>> cache_key((2.0, 2))
    Traceback (most recent call last):
    ...
    TypeError: a float cannot key a plan
    """
    if type(value) in _KEYED:
        return value
    if type(value) is tuple and depth < 2:
        return tuple(cache_key(v, depth + 1) for v in value)
    raise TypeError(f"a {type(value).__name__} cannot key a plan")  # no repr: the value may be nested 5,000 deep


@lru_cache(maxsize=1024)
def _validated(key: tuple[Any, ...]) -> ConvTransposePlan:
    xs, ws, bs, stride, padding, output_padding, groups, dilation, output_size, nd, dtype, padding_mode = key
    return plan_conv_transpose(xs, ws, bs, stride, padding, output_padding, groups, dilation,
                               output_size=output_size, nd=nd, dtype=dtype, padding_mode=padding_mode)


def validated_plan(
    input_shape: Sequence[int], weight_shape: Sequence[int], bias_shape: Sequence[int] | None, stride: IntOrSeq,
    padding: IntOrSeq | str, output_padding: IntOrSeq, groups: int, dilation: IntOrSeq,
    output_size: IntOrSeq | None, nd: int | None, dtype: str, padding_mode: str = "zeros",
) -> ConvTransposePlan:
    """:func:`tconv.params.plan_conv_transpose`, cached where every argument is a plain int or tuple of ints
    (a layer called again in a loop validates nothing twice).

    >>> validated_plan((1, 1, 3), (1, 1, 2), None, 2, 0, 1, 1, 1, None, None, "float64").output_size
    (7,)
    """
    args = (input_shape, weight_shape, bias_shape, stride, padding, output_padding, groups, dilation, output_size,
            nd, dtype, padding_mode)
    try:
        key = cache_key(args)
    except TypeError:
        return plan_conv_transpose(*args[:8], output_size=output_size, nd=nd, dtype=dtype, padding_mode=padding_mode)
    return _validated(key)


def plan(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    bias_shape: Sequence[int] | None = None,
    stride: IntOrSeq = 1,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    groups: int = 1,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    dtype: Any = "float32",
    algorithm: str = "auto",
    nd: int | None = None,
    padding_mode: str = "zeros",
) -> Recipe:
    """Prepare a transposed convolution once for these shapes: a cached :class:`Recipe` to call on arrays.

    The arguments are :func:`tconv.conv_transpose`'s, with shapes instead of arrays (PyTorch's layouts: input
    ``(N, C_in, *spatial)`` or unbatched ``(C_in, *spatial)``, weight ``(C_in, C_out/groups, *kernel)``) and the
    arrays' ``dtype``. Every check PyTorch makes on sizes runs here, once; the recipe holds the per-axis plan
    (``recipe.plan``: sizes, crops, phases), the engine (``recipe.engine``) and its memory need
    (``recipe.memory_need``).

    >>> import numpy as np
    >>> r = plan((1, 16, 32, 32), (16, 8, 2, 2), (8,), stride=2)       # a U-Net's up-convolution
    >>> r.output_shape, r.engine
    ((1, 8, 64, 64), 'phase')
    >>> y = r(np.ones((1, 16, 32, 32), np.float32), np.ones((16, 8, 2, 2), np.float32), np.full(8, 0.5, np.float32))
    >>> float(y[0, 0, 10, 10])     # one tap of each of the 16 input channels, plus the bias
    16.5
    >>> plan((1, 16, 32, 32), (16, 8, 4, 4), stride=2, output_padding=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: output_padding 2 on axis 0 must be smaller than stride (2) or dilation (1): ...
    """
    layer = validated_plan(input_shape, weight_shape, bias_shape, stride, padding, output_padding, groups, dilation,
                           output_size, nd, planned_dtype(dtype), padding_mode)
    return recipe_for(layer, algorithm, None if bias_shape is None else tuple(map(int, bias_shape)))


def execute(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, b: np.ndarray | None, algorithm: str) -> np.ndarray:
    """Run a validated plan on arrays already read (:func:`tconv.dtypes.read_arrays`): the recipe's apply step.

    >>> import numpy as np
    >>> p = plan_conv_transpose((1, 3), (1, 1, 2))
    >>> execute(p, np.array([[1.0, 2.0, 3.0]]), np.array([[[1.0, 1.0]]]), None, "scatter")
    array([[1., 3., 5., 3.]])
    """
    return recipe_for(plan, algorithm, None if b is None else b.shape).apply(x, w, b)


def ufunc_buffers(dtype: np.dtype) -> int:
    """The bytes NumPy may buffer inside one operation on strided operands, whatever their size: up to
    ``np.getbufsize()`` elements for each of three operands (measured with tracemalloc on NumPy 2.4: an in-place
    add on (n, 70, 2) views peaks at 196,280 bytes for float64, from n = 480 up).

    >>> ufunc_buffers(np.dtype(np.float64)) == 3 * np.getbufsize() * 8
    True
    """
    return 3 * np.getbufsize() * dtype.itemsize


def memory_need(plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, algorithm: str = "auto") -> int:
    """The bytes a call of ``plan`` on these arrays allocates, at most: the result, the engine's temporaries and
    its copies of the weight, and the contiguous, compute-dtype copies of input and weight it makes when they
    are not already so (a broadcast weight, zero strides, counts at its full size: it is copied).

    >>> import numpy as np
    >>> x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2))
    >>> memory_need(plan_conv_transpose(x.shape, w.shape), x, w, "scatter") - ufunc_buffers(x.dtype)
    456
    """
    return _need(algorithms.prepared(algorithm, engine_plan(plan)), plan, x, w, _complex_nonfinite(x, w, None))


def _need(engine: Prepared, plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, torch_way: bool = False) -> int:
    if plan.padding_mode == "zeros":
        return _engine_need(engine, plan, x, w, torch_way)
    # a padding mode: the engine's uncropped result, replicate's sums, and the folded result copied out of it
    computed = plan.unfolded
    itemsize = compute_dtype(x.dtype).itemsize
    shape = (plan.batch, plan.out_channels, *computed.output_size)
    folded = plan.batch * plan.out_channels * math.prod(plan.output_size)
    margins = [(ax.padding, ax.end_padding) for ax in plan.axes]
    return (_engine_need(engine, computed, x, w, torch_way) + fold_bytes(shape, margins, plan.padding_mode, itemsize)
            + folded * itemsize)


def _engine_need(engine: Prepared, plan: ConvTransposePlan, x: np.ndarray, w: np.ndarray, torch_way: bool) -> int:
    ctype = compute_dtype(x.dtype)
    count = plan.batch * plan.out_channels * math.prod(plan.output_size)
    if torch_way:  # _complex_as_torch: the real parts of input and weight (or their sums), one pair at a time,
        # three real results (the third the imaginary part), then the complex result and a mask of its NaNs
        real = ctype.itemsize // 2
        return (count * (4 * real + 1) + engine.workspace_bytes(plan.batch, real) + (x.size + w.size) * real
                + front_end(x, w, count))
    return count * ctype.itemsize + engine.workspace_bytes(plan.batch, ctype.itemsize) + front_end(x, w, count)


def _complex_nonfinite(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, weight_finite: bool | None = None) -> bool:
    """Whether the arrays are complex and one of them holds NaN or Inf (by one sum each, as
    :func:`tconv.algorithms.finite_weight` reads a weight; ``weight_finite`` where the caller has read it already):
    then :func:`_complex_as_torch` computes them."""
    if compute_dtype(x.dtype).kind != "c":
        return False
    if weight_finite is None:
        weight_finite = algorithms.finite_weight(w)
    return not (weight_finite and all(algorithms.finite_weight(arr) for arr in (x, b) if arr is not None))


def _complex_as_torch(engine: Prepared, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                      shape: tuple[int, ...]) -> np.ndarray:
    """A complex transposed convolution computed as PyTorch computes it on the CPU, for arrays holding NaN or Inf.

    PyTorch splits it into three real ones (Gauss's trick, ``complex_convolution`` in ATen's Convolution.cpp):
    ``a = conv(xr, wr) + br``, ``b = conv(xi, wi)``, ``c = conv(xr + xi, wr + wi) + br + bi``, and returns
    ``a − b + i·(c − a − b)``. Its complex arithmetic makes that cell NaN + NaN·i wherever ``t = c − a − b`` is
    not finite (``i·t`` has real part 0·t, and adding it multiplies it by ``1 + 0i`` first: 0·Inf is NaN), else
    ``(a − b) + t·i``. A direct complex product differs: ``(1 + 0i)·(Inf + 0i)`` is Inf + NaN·i there, NaN + NaN·i
    in PyTorch. Finite arrays take the direct product, equal to within rounding.

    >>> from tconv.params import plan_conv_transpose
    >>> engine = algorithms.prepared("col2im", plan_conv_transpose((1, 1, 2), (1, 1, 1)))
    >>> _complex_as_torch(engine, np.array([[[1 + 0j, 2 + 0j]]]), np.array([[[np.inf + 0j]]]), None, (1, 1, 2))
    array([[[nan+nanj, nan+nanj]]])
    """
    real = np.finfo(x.dtype).dtype

    def conv(xpart: np.ndarray, wpart: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
        out = (np.zeros if engine.zeroed_output else np.empty)(shape, dtype=real)
        engine.run(np.ascontiguousarray(xpart), np.ascontiguousarray(wpart), out)
        if bias is not None:
            out += bias.reshape((1, -1) + (1,) * (len(shape) - 2))
        return out

    with np.errstate(invalid="ignore", over="ignore"):  # NaN and Inf propagate silently, as in PyTorch
        bc = None if b is None else b.astype(x.dtype)
        a = conv(x.real, w.real, None if bc is None else bc.real)
        b_ = conv(x.imag, w.imag, None)
        c = conv(x.real + x.imag, w.real + w.imag, None if bc is None else bc.real + bc.imag)
        c -= a
        c -= b_
        a -= b_
        del b_
        y = np.empty(shape, x.dtype)
        y.real, y.imag = a, c
        del a
        nonfinite = np.isfinite(c)
        np.logical_not(nonfinite, out=nonfinite)
        np.copyto(y, complex(np.nan, np.nan), where=nonfinite)
    return y


def front_end(x: np.ndarray, w: np.ndarray, count: int) -> int:
    """What the front end adds for a result of ``count`` elements: the contiguous compute-dtype copies of input
    and weight where they are not already so, the result converted back, NumPy's ufunc buffers.

    >>> front_end(np.ones(4, np.float16), np.ones(2, np.float32), 6) - ufunc_buffers(np.dtype(np.float32))
    28
    """
    ctype = compute_dtype(x.dtype)
    need = sum(arr.size * ctype.itemsize for arr in (x, w) if arr.dtype != ctype or not arr.flags.c_contiguous)
    if ctype != x.dtype:
        need += count * x.dtype.itemsize  # the result converted back
    return need + ufunc_buffers(ctype)


def _empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The empty result of an empty batch. PyTorch holds any such shape; NumPy refuses one whose other
    dimensions multiply past 2**63 even when one of them is 0: then say so."""
    try:
        return np.zeros(shape, dtype=dtype)
    except ValueError:
        raise TconvError(f"the output shape {list(shape)} is empty (batch 0) but NumPy cannot hold an array with "
                         "dimensions that large, even empty; PyTorch can: use smaller sizes") from None

"""``ConvTranspose1d/2d/3d``: PyTorch's modules in NumPy, with its initialisation and state_dict.

>>> import numpy as np, tconv
>>> layer = tconv.ConvTranspose2d(16, 33, 3, stride=2, rng=0)
>>> layer
ConvTranspose2d(16, 33, kernel_size=(3, 3), stride=(2, 2))
>>> layer.weight.shape, layer.bias.shape
((16, 33, 3, 3), (33,))
>>> layer(np.zeros((20, 16, 50, 100), np.float32)).shape
(20, 33, 101, 201)
>>> up = tconv.ConvTranspose2d(16, 16, 3, stride=2, padding=1, rng=0)
>>> up(np.zeros((1, 16, 6, 6), np.float32), output_size=(1, 16, 12, 12)).shape
(1, 16, 12, 12)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from ._axes import IntOrSeq, as_bool, as_int, per_axis, show
from .dtypes import check_bias_dtype, dtype_name, planned_dtype, read_array, read_arrays
from .errors import TconvError
from .grad import bias as bias_gradient
from .grad import conv_transpose_input_of, conv_transpose_weight_of
from .params import ConvTransposePlan, check_dtype
from .recipe import Recipe, cache_key, recipe_for, validated_plan
from .settings import check_memory, get_options
from .shapes import check_padding_mode, check_padding_word

__all__ = ["ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]


class _ConvTransposeNd:
    _nd: int = 0
    #: Input shapes whose recipes a layer keeps (a model seeing many sizes plans the others again).
    MAX_RECIPES = 16

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: IntOrSeq,
        stride: IntOrSeq = 1,
        padding: IntOrSeq | str = 0,
        output_padding: IntOrSeq = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: IntOrSeq = 1,
        padding_mode: str = "zeros",
        *,
        dtype: DTypeLike = np.float32,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        nd = self._nd
        name = type(self).__name__
        self.in_channels = as_int("in_channels", in_channels, minimum=1)
        self.out_channels = as_int("out_channels", out_channels, minimum=1)
        self.groups = as_int("groups", groups, minimum=1)
        if self.in_channels % self.groups:
            raise TconvError(f"in_channels {self.in_channels} must be divisible by groups ({self.groups})")
        if self.out_channels % self.groups:
            raise TconvError(f"out_channels {self.out_channels} must be divisible by groups ({self.groups})")
        # Beyond PyTorch's module (which refuses both): "same"/"valid" and the padding modes (docs/guide.md)
        self.padding_mode = check_padding_mode(padding_mode)
        self.kernel_size = per_axis("kernel_size", kernel_size, nd, minimum=1)
        self.stride = per_axis("stride", stride, nd, minimum=1)
        self.padding: tuple[int, ...] | str = (
            check_padding_word(padding) if isinstance(padding, str) else per_axis("padding", padding, nd, minimum=0))
        # PyTorch's module checks output_padding against stride and dilation, and dilation against 1, in its
        # forward, and only where they matter: a call with output_size ignores output_padding, an empty batch
        # takes any. The layer is built as PyTorch's is and refuses at call time (tconv.plan), as its forward does.
        self.output_padding = per_axis("output_padding", output_padding, nd, minimum=0)
        self.dilation = per_axis("dilation", dilation, nd, minimum=0)
        if self.padding == "same" and any(self.output_padding):
            raise TconvError(f"output_padding {list(self.output_padding)} does not apply with padding='same', whose "
                             "output is input × stride: leave it 0 (a call's output_size= picks another size)")
        try:
            self.dtype = np.dtype(dtype)
        except (TypeError, ValueError, SyntaxError, RecursionError):  # NumPy parses a dtype's text
            raise TconvError(f"dtype {show(dtype)} is not a NumPy dtype: use np.float32 or np.float64") from None
        bias = as_bool("bias", bias)
        check_dtype("dtype", self.dtype)
        if self.dtype.kind not in "fc":
            raise TconvError(f"dtype {self.dtype} cannot hold initialised weights: use a floating dtype")
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        # the weights are drawn in float64, then converted: both arrays exist at once
        check_memory((math.prod(shape) + self.out_channels) * (8 + self.dtype.itemsize),
                     f"{name}({self.in_channels}, {self.out_channels}, kernel_size={list(self.kernel_size)}) with "
                     f"its weight of shape {list(shape)} ({self.dtype})")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(
            None if rng is None else as_int("rng", rng, minimum=0))  # a seed, or a Generator
        # PyTorch: kaiming_uniform_(a=√5) gives U(−1/√fan_in, 1/√fan_in); fan_in reads weight dim 1 (out/groups).
        fan_in = (self.out_channels // self.groups) * math.prod(self.kernel_size)
        bound = 1.0 / math.sqrt(fan_in)
        self._recipes: dict[Any, Recipe] = {}
        #: What the last forward call leaves for :meth:`backward`: its input as read (a reference, not a copy) and
        #: its plan.
        self._saved: tuple[np.ndarray, ConvTransposePlan] | None = None
        #: The gradients the last :meth:`backward` computed (replaced by each call, not accumulated).
        self.weight_grad: np.ndarray | None = None
        self.bias_grad: np.ndarray | None = None
        self.weight: np.ndarray = gen.uniform(-bound, bound, size=shape).astype(self.dtype)
        self.bias: np.ndarray | None = (
            gen.uniform(-bound, bound, size=self.out_channels).astype(self.dtype) if bias else None
        )

    def __call__(self, input: ArrayLike, output_size: IntOrSeq | None = None, *, algorithm: str = "auto") -> np.ndarray:
        """Apply the layer; ``output_size`` chooses among the valid output sizes, as in PyTorch's forward.

        The layer keeps the recipe of each input shape it has seen (:func:`tconv.plan`), so a call in a loop
        reads the arrays, compares their shapes with the recipe's and computes: nothing is validated twice.

        >>> layer = ConvTranspose1d(1, 1, 2, stride=2, bias=False, rng=0)
        >>> layer.weight[...] = 1
        >>> layer(np.array([[[1.0, 2.0, 3.0]]]).astype(np.float32)).tolist()
        [[[1.0, 1.0, 2.0, 2.0, 3.0, 3.0]]]
        """
        x, w, b, x_name, b_name = read_arrays(input, self.weight, self.bias)
        recipe = self.recipe(x.shape, dtype_name(x.dtype), output_size, algorithm)
        if b_name is not None:
            check_bias_dtype("conv_transpose", self._nd, recipe.plan.batch, x_name, b_name)
        y = recipe.apply(x, w, b)
        self._saved = (x, recipe.plan)
        return y

    def backward(self, grad_output: ArrayLike) -> np.ndarray:
        """The backward pass of the last call: returns the input's gradient and stores the weight's and the bias's
        in ``layer.weight_grad`` and ``layer.bias_grad`` (None without a bias), as ``torch.autograd`` computes them
        (:mod:`tconv.grad`). ``grad_output`` has the shape of that call's output.

        Each call of the layer keeps a reference to its input (as read: no copy, so the memory cost is that the
        array stays alive until the next call) for the weight's gradient. Modify that array in place between the
        call and ``backward`` and the weight gradient is the modified input's (PyTorch raises there). The
        gradients use the layer's current weight, and replace those of the previous ``backward`` (PyTorch adds
        them into ``.grad``: compare with one ``backward`` after ``zero_grad()``).

        >>> layer = ConvTranspose1d(1, 1, 2, stride=2, rng=0)
        >>> layer.weight[...] = [[[1.0, 10.0]]]
        >>> y = layer(np.array([[[1.0, 2.0, 3.0]]], np.float32))
        >>> layer.backward(np.ones_like(y))            # each input cell reached two outputs, through 1 and 10
        array([[[11., 11., 11.]]], dtype=float32)
        >>> layer.weight_grad, layer.bias_grad          # each tap met 1 + 2 + 3; six outputs got the bias
        (array([[[6., 6.]]], dtype=float32), array([6.], dtype=float32))
        """
        if self._saved is None:
            raise TconvError(f"{type(self).__name__}.backward needs a forward call first: y = layer(x), then "
                             "layer.backward(grad_output) with grad_output of y's shape")
        x, plan = self._saved
        dy, w, _, _, _ = read_arrays(grad_output, self.weight, None, names=("grad_output", "weight"))
        planned = (plan.in_channels, plan.out_per_group, *plan.kernel_size)
        if w.shape != planned or dtype_name(w.dtype) != dtype_name(x.dtype):
            raise TconvError(f"the layer's weight is now of shape {list(w.shape)} ({w.dtype}), but the last call "
                             f"used one of shape {list(planned)} ({x.dtype}): call the layer again before backward")
        if dy.shape != plan.output_shape:
            raise TconvError(f"grad_output has shape {list(dy.shape)}, but the layer's last output had shape "
                             f"{list(plan.output_shape)}: grad_output must have that shape")
        dx = conv_transpose_input_of(plan, w, dy)
        self.weight_grad = conv_transpose_weight_of(plan, x, dy)
        self.bias_grad = None if self.bias is None else bias_gradient(dy, self._nd)
        return dx

    def recipe(self, input_shape: tuple[int, ...], dtype: str = "float32", output_size: IntOrSeq | None = None,
               algorithm: str = "auto") -> Recipe:
        """The recipe this layer uses for inputs of this shape and dtype (:func:`tconv.plan`), kept by the layer.

        The key holds the layer's current configuration and the ``tune`` option too, so changing ``layer.stride``
        (or loading another weight shape, or tuning) plans again rather than reusing a stale recipe.

        >>> layer = ConvTranspose2d(16, 8, 2, stride=2, rng=0)
        >>> r = layer.recipe((1, 16, 32, 32))
        >>> r.output_shape, r.engine, layer.recipe((1, 16, 32, 32)) is r
        ((1, 8, 64, 64), 'phase', True)
        """
        bias_shape = None if self.bias is None else self.bias.shape
        config = (self.weight.shape, bias_shape, self.stride, self.padding, self.output_padding, self.groups,
                  self.dilation, self.padding_mode)
        try:  # only plain ints and strings are their own key: 2.0 == 2, but PyTorch refuses the float
            key = (cache_key(input_shape), cache_key(dtype), cache_key(output_size), cache_key(algorithm),
                   get_options().tune, *map(cache_key, config))
        except TypeError:  # an output_size given as a list or an array: plan without keeping it
            key = None
        found = self._recipes.get(key) if key is not None else None
        if found is None:
            layer = validated_plan(input_shape, self.weight.shape, bias_shape, self.stride, self.padding,
                                   self.output_padding, self.groups, self.dilation, output_size, self._nd,
                                   planned_dtype(dtype), self.padding_mode)
            found = recipe_for(layer, algorithm, bias_shape)
            if key is not None:
                if len(self._recipes) >= self.MAX_RECIPES:  # the oldest shape goes first
                    self._recipes.pop(next(iter(self._recipes)), None)  # another thread may have taken it
                self._recipes[key] = found
        return found

    forward = __call__

    def __getstate__(self) -> dict[str, Any]:
        """The layer's configuration, parameters and last gradients: its recipes (prepared engines, workspaces) are a
        cache, made again after ``pickle`` or ``copy.deepcopy``, and the input kept for ``backward`` is left out (a
        copy needs a forward call before its ``backward``)."""
        return {key: value for key, value in self.__dict__.items() if key not in ("_recipes", "_saved")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._recipes = {}
        self._saved = None
        self.__dict__.setdefault("weight_grad", None)
        self.__dict__.setdefault("bias_grad", None)

    def output_shape(self, input_shape: tuple[int, ...], output_size: IntOrSeq | None = None) -> tuple[int, ...]:
        """The shape ``layer(x)`` would have for ``x.shape == input_shape``, without computing it."""
        bias_shape = None if self.bias is None else self.bias.shape
        return validated_plan(input_shape, self.weight.shape, bias_shape, self.stride, self.padding,
                              self.output_padding, self.groups, self.dilation, output_size, self._nd,
                              "float64", self.padding_mode).output_shape

    def state_dict(self) -> dict[str, np.ndarray]:
        """``{"weight": ..., "bias": ...}`` (no bias key without bias), as PyTorch names them."""
        state = {"weight": self.weight}
        if self.bias is not None:
            state["bias"] = self.bias
        return state

    def load_state_dict(self, state: Mapping[str, ArrayLike]) -> None:
        """Load arrays from a dict such as ``{k: v.numpy() for k, v in torch_module.state_dict().items()}``.

        Tensors are accepted too. Shapes must match this layer's; values are cast to its dtype, which must hold
        them (a complex value in a real layer is refused: its imaginary part would be lost, and PyTorch's forward
        refuses such a bias).

        >>> layer = ConvTranspose1d(1, 1, 2, rng=0)
        >>> layer.load_state_dict({"weight": np.ones((1, 1, 2)), "bias": np.zeros(1)})
        >>> layer.weight.dtype, layer.weight.tolist()
        (dtype('float32'), [[[1.0, 1.0]]])
        >>> layer.load_state_dict({"weight": np.ones((1, 1, 2)), "bias": np.array([1 + 2j])})  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tconv.errors.TconvError: state_dict['bias'] has dtype complex128, which the layer's dtype float32 cannot ...
        """
        if not isinstance(state, Mapping):
            raise TconvError(f"load_state_dict needs a mapping with keys 'weight' and 'bias' (no 'bias' for a layer "
                             f"without bias) holding arrays or tensors, got a {type(state).__name__}")
        expected = {"weight": self.weight.shape}
        if self.bias is not None:
            expected["bias"] = self.bias.shape
        missing = sorted(set(expected) - set(state))
        unexpected = sorted(set(state) - set(expected))
        if missing or unexpected:
            raise TconvError(f"state_dict keys do not match: missing {missing}, unexpected {unexpected}")
        loaded = {}
        for key, shape in expected.items():
            arr = read_array(f"state_dict[{key!r}]", state[key])[0]
            if arr.shape != shape:
                raise TconvError(f"state_dict[{key!r}] has shape {list(arr.shape)}, expected {list(shape)}")
            if arr.dtype.kind == "c" and self.dtype.kind != "c":  # the layer's dtype is floating or complex
                raise TconvError(
                    f"state_dict[{key!r}] has dtype {arr.dtype}, which the layer's dtype {self.dtype} cannot hold "
                    f"without losing its imaginary part (PyTorch's forward refuses such a {key}): load a real "
                    f"array, or build the layer with dtype={np.result_type(self.dtype, np.complex64)}")
            loaded[key] = arr.astype(self.dtype)
        self.weight = loaded["weight"]
        if self.bias is not None:
            self.bias = loaded["bias"]

    @classmethod
    def from_torch(cls, module: Any) -> _ConvTransposeNd:  # a torch module; torch is imported only here
        """Copy a ``torch.nn.ConvTranspose{1,2,3}d``'s configuration and parameters.

        Any instance of the class is accepted: a subclass, a parametrized module (``torch.nn.utils.
        parametrizations.weight_norm``), a module with the legacy ``torch.nn.utils.weight_norm`` hook, a
        ``LazyConvTranspose*d`` that has run once. The weight copied is the one the module's forward uses
        (``g · v / ‖v‖`` for weight norm). bfloat16 parameters become float32.
        """
        import torch

        expected = getattr(torch.nn, cls.__name__)
        if not isinstance(module, expected):
            raise TconvError(f"from_torch expects a torch.nn.{cls.__name__}, got {type(module).__name__}")
        if isinstance(module.weight, torch.nn.parameter.UninitializedParameter):
            raise TconvError(
                f"from_torch got a {type(module).__name__} whose weight is not initialised yet (in_channels is "
                "inferred on the first call): run the module once on an input, e.g. module(x), then convert it"
            )
        with torch.no_grad():
            weight = _effective_weight(module)
        w = read_array("weight", weight)[0]
        layer = cls(
            module.in_channels,
            module.out_channels,
            tuple(module.kernel_size),
            tuple(module.stride),
            tuple(module.padding),
            tuple(module.output_padding),
            module.groups,
            module.bias is not None,
            tuple(module.dilation),
            module.padding_mode,
            dtype=w.dtype,
        )
        state = {"weight": w}
        if module.bias is not None:
            state["bias"] = read_array("bias", module.bias)[0]
        layer.load_state_dict(state)
        return layer

    def __repr__(self) -> str:
        # The same fields PyTorch's extra_repr shows, in its order, defaults omitted.
        parts = [f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"]
        if self.padding != (0,) * self._nd:  # a word shows bare, as PyTorch's Conv2d shows padding=same
            parts.append(f"padding={self.padding}")
        if self.dilation != (1,) * self._nd:
            parts.append(f"dilation={self.dilation}")
        if self.output_padding != (0,) * self._nd:
            parts.append(f"output_padding={self.output_padding}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.bias is None:
            parts.append("bias=False")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def to_torch_code(self) -> str:
        """PyTorch code for a module that computes exactly what this layer computes (calls without output_size=),
        loading this layer's ``state_dict`` unchanged: PyTorch's transposed convolution, then what its layer cannot
        express, the end crop of ``padding="same"`` or the fold of a padding mode (docs/guide.md).

        >>> print(ConvTranspose1d(2, 4, 3, stride=2, padding="same", rng=0).to_torch_code())
        import torch
        import torch.nn.functional as F
        <BLANKLINE>
        <BLANKLINE>
        # tconv.ConvTranspose1d(2, 4, kernel_size=(3,), stride=(2,), padding=same), exactly
        class Layer(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.weight = torch.nn.Parameter(torch.empty(2, 4, 3))
                self.bias = torch.nn.Parameter(torch.empty(4))
        <BLANKLINE>
            def forward(self, x):
                y = F.conv_transpose1d(x, self.weight, self.bias, stride=(2,), padding=(0,), output_padding=(0,),
                                       groups=1, dilation=(1,))
                return y[..., 0:y.shape[-1] - 1]  # the end crop PyTorch's padding cannot express
        <BLANKLINE>
        <BLANKLINE>
        layer = Layer()  # load the tconv layer's parameters: layer.load_state_dict(...)
        """
        from .snippets import layer_module_code

        return layer_module_code(repr(self), self.kernel_size, self.stride, self.padding, self.output_padding,
                                 self.dilation, self.groups, self.padding_mode, self.bias is not None,
                                 self.weight.shape)


def _effective_weight(module: Any) -> Any:
    """The weight a torch module's next forward uses. ``module.weight`` is it for plain and parametrized modules;
    the legacy weight-norm and spectral-norm hooks recompute it before each forward (the attribute may be stale,
    or not yet computed), so ask the hook. Spectral norm in training mode runs a power iteration first, which
    updates its ``u``/``v`` buffers: they are restored afterwards, so converting changes nothing in the module."""
    for hook in module._forward_pre_hooks.values():
        if getattr(hook, "name", None) != "weight":
            continue
        if type(hook).__name__ == "WeightNorm":
            return hook.compute_weight(module)
        if type(hook).__name__ == "SpectralNorm":
            saved = {key: getattr(module, key).clone() for key in ("weight_u", "weight_v") if hasattr(module, key)}
            try:
                return hook.compute_weight(module, do_power_iteration=module.training)
            finally:
                for key, value in saved.items():
                    getattr(module, key).copy_(value)
    return module.weight


class ConvTranspose1d(_ConvTransposeNd):
    """``torch.nn.ConvTranspose1d`` in NumPy: weight ``(in, out/groups, k)``.

    A kernel of ones with stride = kernel size repeats every sample (nearest-neighbour upsampling):

    >>> layer = ConvTranspose1d(1, 1, kernel_size=2, stride=2, bias=False)
    >>> layer.weight[...] = 1
    >>> layer(np.array([[1, 2, 3]], np.float32))
    array([[1., 1., 2., 2., 3., 3.]], dtype=float32)
    """

    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """``torch.nn.ConvTranspose2d`` in NumPy: weight ``(in, out/groups, kh, kw)``.

    >>> layer = ConvTranspose2d(1, 1, kernel_size=2, stride=2, bias=False)
    >>> layer.weight[...] = 1
    >>> layer(np.array([[[1, 2], [3, 4]]], np.float32))[0]
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.],
           [3., 3., 4., 4.],
           [3., 3., 4., 4.]], dtype=float32)
    """

    _nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    """``torch.nn.ConvTranspose3d`` in NumPy: weight ``(in, out/groups, kd, kh, kw)``.

    Upsampling a video's frames but not its time axis:

    >>> layer = ConvTranspose3d(8, 4, kernel_size=(1, 2, 2), stride=(1, 2, 2), rng=0)
    >>> layer.weight.shape, layer(np.zeros((1, 8, 4, 16, 16), np.float32)).shape
    ((8, 4, 1, 2, 2), (1, 4, 4, 32, 32))
    """

    _nd = 3

"""The normal form shared by every framework, and its PyTorch equivalent.

Every framework computes the same full output of length F = (L−1)·s + d·(k−1) + 1 per axis and returns a window
of it, ``full[b : F − e]``: ``b`` and ``e`` crop at the begin and the end, a negative one extends with zeros, and
the bias is added last, everywhere. PyTorch alone expresses ``b = padding``, ``e = padding − output_padding``; a
:class:`TorchEquivalent` is the PyTorch layer plus the crop or zero-pad it cannot express.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .._axes import IntOrSeq
from ..errors import TconvError
from ..functional import conv_transpose
from ..shapes import full_output_size, output_padding_limit

__all__ = ["TorchEquivalent", "torch_equivalent"]

#: A framework's own padding: a mode ("SAME", "VALID") or explicit (before, after) pairs.
PaddingSpec = str | Sequence[Sequence[int]]


@dataclass(frozen=True)
class TorchEquivalent:
    """A framework's transposed convolution as PyTorch parameters plus a post-op.

    ``crop`` is ``(begin, end)`` per axis to cut from PyTorch's output; ``pad`` is ``(begin, end)`` zeros to add
    after that (before the bias). ``weight_permutation`` turns the framework's weight into PyTorch's
    ``(in, out/groups, *kernel)`` (``flip_kernel`` for kernels given as forward correlations, JAX
    ``transpose_kernel=False``); ``channels_last`` says the framework's input and output put channels last.

    The full output of a length-3 input, kernel 3, stride 2 has 7 cells. Its window ``full[0 : 7 − 1]`` is
    PyTorch's layer with the last cell cropped; ``full[1 : 7 − 0]`` is ``padding=1, output_padding=1`` exactly:

    >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
    ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
    >>> eq = torch_equivalent("TensorFlow", (0,), (1,), **layer)
    >>> eq.padding, eq.output_padding, eq.crop, eq.pad, eq.output_size
    ((0,), (0,), ((0, 1),), ((0, 0),), (6,))
    >>> print(torch_equivalent("TensorFlow", (1,), (0,), **layer))
    torch.nn.ConvTranspose1d(1, 1, kernel_size=(3,), stride=(2,), padding=(1,), output_padding=(1,), dilation=(1,),
    groups=1) (exact); output size (6,)
    """

    framework: str
    in_channels: int
    out_channels: int
    kernel_size: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    output_padding: tuple[int, ...]
    dilation: tuple[int, ...]
    groups: int
    input_size: tuple[int, ...]
    output_size: tuple[int, ...]
    crop: tuple[tuple[int, int], ...]
    pad: tuple[tuple[int, int], ...]
    weight_permutation: tuple[int, ...]
    flip_kernel: bool = False
    channels_last: bool = False
    bias: bool = False

    @property
    def empty(self) -> bool:
        """True when the window is empty on some axis (JAX and Keras then return an empty array).

        >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
        ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
        >>> torch_equivalent("JAX", (4,), (4,), **layer, allow_empty=True).empty           # 7 − 4 − 4 < 1
        True
        """
        return 0 in self.output_size

    @property
    def nd(self) -> int:
        """The number of spatial axes.

        >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
        ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
        >>> torch_equivalent("TensorFlow", (0,), (1,), **layer).nd
        1
        """
        return len(self.kernel_size)

    @property
    def exact(self) -> bool:
        """True when the PyTorch layer alone reproduces the framework (no crop, no zero-pad).

        >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
        ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
        >>> [torch_equivalent("TensorFlow", (b,), (e,), **layer).exact for b, e in [(1, 0), (0, 1), (-1, 0)]]
        [True, False, False]

        (padding 1 and output_padding 1; a crop at the end; a zero before the begin.)
        """
        return all(c == (0, 0) for c in self.crop) and all(p == (0, 0) for p in self.pad)

    def torch_weight(self, weight: np.ndarray) -> np.ndarray:
        """The framework's weight in PyTorch's layout ``(in, out/groups, *kernel)``.

        TensorFlow's ``(k, out, in)`` is permuted; a kernel given as a forward correlation is also flipped:

        >>> from dataclasses import replace
        >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
        ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
        >>> eq = torch_equivalent("TensorFlow", (0,), (1,), **layer)
        >>> w = np.array([0.0, 1.0, 2.0]).reshape(3, 1, 1)
        >>> eq.torch_weight(w), replace(eq, flip_kernel=True).torch_weight(w)
        (array([[[0., 1., 2.]]]), array([[[2., 1., 0.]]]))
        """
        w = np.transpose(np.asarray(weight), self.weight_permutation)
        return np.flip(w, axis=tuple(range(2, w.ndim))).copy() if self.flip_kernel else w

    def apply(self, x: np.ndarray, weight_torch: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
        """Compute with PyTorch's semantics (tconv) and the post-op: channels-first input and output.

        A window that starts one cell before the full output gets a zero there, and the bias after it:

        >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
        ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
        >>> eq = torch_equivalent("TensorFlow", (-1,), (0,), **layer)
        >>> eq.apply(np.array([[[1.0, 2.0, 3.0]]]), np.ones((1, 1, 3)), np.array([0.5]))
        array([[[0.5, 1.5, 1.5, 3.5, 2.5, 5.5, 3.5, 3.5]]])
        """
        if self.empty:
            return np.zeros((x.shape[0], self.out_channels, *self.output_size), dtype=x.dtype)
        y = conv_transpose(
            x, weight_torch, None, self.stride, self.padding, self.output_padding, self.groups, self.dilation
        )
        window = tuple(slice(b, y.shape[2 + a] - e) for a, (b, e) in enumerate(self.crop))
        y = y[(slice(None), slice(None), *window)]
        if any(p != (0, 0) for p in self.pad):
            y = np.pad(y, ((0, 0), (0, 0), *self.pad))
        if bias is not None:
            y = y + np.asarray(bias, dtype=y.dtype).reshape((1, -1) + (1,) * self.nd)
        return y

    def code(self) -> str:
        """Ready-to-paste PyTorch code: the layer, the weight conversion, the post-op and the layout.

        >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
        ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
        >>> print(torch_equivalent("TF", (0,), (1,), **layer).code())
        import torch
        import torch.nn.functional as F
        <BLANKLINE>
        layer = torch.nn.ConvTranspose1d(1, 1, kernel_size=3, stride=2, bias=False)
        layer.weight.data = torch.as_tensor(w).permute(2, 1, 0).contiguous()  # TF weight -> (in, out/groups, *kernel)
        y = layer(torch.as_tensor(x))
        y = y[:, :, 0:-1]  # the crop PyTorch's padding cannot express
        # y: (N, C, *spatial), spatial (6,)
        """
        nd = self.nd

        def t(values: tuple[int, ...]) -> str:
            return str(values[0]) if nd == 1 else str(tuple(values))

        args = [f"{self.in_channels}", f"{self.out_channels}", f"kernel_size={t(self.kernel_size)}"]
        if any(s != 1 for s in self.stride):
            args.append(f"stride={t(self.stride)}")
        if any(self.padding):
            args.append(f"padding={t(self.padding)}")
        if any(self.output_padding):
            args.append(f"output_padding={t(self.output_padding)}")
        if any(d != 1 for d in self.dilation):
            args.append(f"dilation={t(self.dilation)}")
        if self.groups != 1:
            args.append(f"groups={self.groups}")
        # The bias belongs after a zero-pad (the framework adds it there too); with a crop alone it can stay inside.
        bias_inside = self.bias and all(p == (0, 0) for p in self.pad)
        if not bias_inside:
            args.append("bias=False")
        lines = [
            "import torch",
            "import torch.nn.functional as F",
            "",
            f"layer = torch.nn.ConvTranspose{nd}d({', '.join(args)})",
        ]
        perm = list(self.weight_permutation)
        wexpr = "torch.as_tensor(w)" + ("" if perm == list(range(len(perm))) else f".permute{tuple(perm)}")
        if self.flip_kernel:
            wexpr += f".flip({', '.join(str(2 + a) for a in range(nd))})"
        lines.append(
            f"layer.weight.data = {wexpr}.contiguous()  # {self.framework} weight -> (in, out/groups, *kernel)"
        )
        if bias_inside:
            lines.append("layer.bias.data = torch.as_tensor(b)")
        to_first = (0, nd + 1, *range(1, nd + 1))
        to_last = (0, *range(2, nd + 2), 1)
        lines.append(f"y = layer(torch.as_tensor(x){'.permute' + str(to_first) if self.channels_last else ''})")
        if not all(c == (0, 0) for c in self.crop):
            sl = ", ".join(f"{b}:{'' if e == 0 else -e}" for b, e in self.crop)
            lines.append(f"y = y[:, :, {sl}]  # the crop PyTorch's padding cannot express")
        if not all(p == (0, 0) for p in self.pad):
            flat = [v for b, e in reversed(self.pad) for v in (b, e)]
            lines.append(
                f"y = F.pad(y, {tuple(flat)})  # zeros PyTorch cannot add at the begin (or beyond output_padding)"
            )
        if self.bias and not bias_inside:
            lines.append(f"y = y + torch.as_tensor(b).view(1, -1{', 1' * nd})  # the bias, after the zero-pad")
        if self.channels_last:
            lines.append(f"y = y.permute{to_last}  # back to channels last")
        lines.append(
            f"# y: (N, {'*spatial, C' if self.channels_last else 'C, *spatial'}), spatial {tuple(self.output_size)}"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        head = (
            f"torch.nn.ConvTranspose{self.nd}d({self.in_channels}, {self.out_channels}, "
            f"kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, output_padding={self.output_padding}, "
            f"dilation={self.dilation}, groups={self.groups})"
        )
        extra = []
        if any(c != (0, 0) for c in self.crop):
            extra.append(f"then crop {[list(c) for c in self.crop]} (begin, end) per axis")
        if any(p != (0, 0) for p in self.pad):
            extra.append(f"then zero-pad {[list(p) for p in self.pad]} (begin, end) per axis")
        return head + ("; " + "; ".join(extra) if extra else " (exact)") + f"; output size {self.output_size}"


def torch_equivalent(
    framework: str,
    begin: tuple[int, ...],
    end: tuple[int, ...],
    *,
    input_size: tuple[int, ...],
    kernel_size: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    in_channels: int,
    out_channels: int,
    groups: int,
    weight_permutation: tuple[int, ...],
    flip_kernel: bool = False,
    channels_last: bool = False,
    bias: bool = False,
    allow_empty: bool = False,
) -> TorchEquivalent:
    """PyTorch parameters and post-op for the window ``full[b : F − e]`` on every axis (notes §5.2).

    A window of length ≤ 0 is refused, unless ``allow_empty`` (JAX and Keras return an empty axis there).

    Input 3, kernel 3, stride 2: the full output has 7 cells. TensorFlow's ``"SAME"`` keeps 6 of them from the
    begin (``b = 0``, ``e = 1``), which PyTorch's symmetric padding cannot: its last cell is cropped afterwards.

    >>> layer = dict(input_size=(3,), kernel_size=(3,), stride=(2,), dilation=(1,), in_channels=1, out_channels=1,
    ...              groups=1, weight_permutation=(2, 1, 0))  # 1-D: length 3, kernel 3, stride 2, TF's layout
    >>> print(torch_equivalent("TensorFlow", (0,), (1,), **layer))
    torch.nn.ConvTranspose1d(1, 1, kernel_size=(3,), stride=(2,), padding=(0,), output_padding=(0,), dilation=(1,),
    groups=1); then crop [[0, 1]] (begin, end) per axis; output size (6,)
    >>> torch_equivalent("JAX", (4,), (4,), **layer)
    Traceback (most recent call last):
    ...
    tconv.errors.TconvError: the JAX configuration leaves no output on an axis: 7 − 4 − 4 = -1
    """
    padding, output_padding, crops, pads, out = [], [], [], [], []
    for L, k, s, d, b, e in zip(input_size, kernel_size, stride, dilation, begin, end):
        full = full_output_size(L, k, s, d)
        length = full - b - e
        if length < 1:
            if not allow_empty:
                raise TconvError(
                    f"the {framework} configuration leaves no output on an axis: {full} − {b} − {e} = {length}"
                )
            padding.append(0)
            output_padding.append(0)
            crops.append((0, 0))
            pads.append((0, 0))
            out.append(0)
            continue
        lim = output_padding_limit(s, d)
        b0 = max(0, b)  # PyTorch cannot extend at the begin: zero-pad there afterwards
        if e >= b0:
            p, op = b0, 0  # crop the extra at the end
        elif b0 - e <= lim:
            p, op = b0, b0 - e  # exact: symmetric crop plus output_padding
        else:
            p, op = max(e, 0), min(max(-e, 0), lim)  # then zeros past what output_padding reaches
        # PyTorch's output is the cells [p, p + T) of the zero-extended full output; the window is
        # [b, b + length): crop what lies outside it, zero-pad what it has beyond PyTorch's output.
        T = full - 2 * p + op
        kept = max(0, min(b + length, p + T) - max(b, p))
        zb = min(length, max(0, p - b))
        crop0 = min(T, max(0, b - p))
        padding.append(p)
        output_padding.append(op)
        crops.append((crop0, T - crop0 - kept))
        pads.append((zb, length - zb - kept))
        out.append(length)
    return TorchEquivalent(
        framework,
        in_channels,
        out_channels,
        tuple(kernel_size),
        tuple(stride),
        tuple(padding),
        tuple(output_padding),
        tuple(dilation),
        groups,
        tuple(input_size),
        tuple(out),
        tuple(crops),
        tuple(pads),
        tuple(weight_permutation),
        flip_kernel,
        channels_last,
        bias,
    )


def channels_first(x: np.ndarray) -> np.ndarray:
    """``(N, *spatial, C)`` → ``(N, C, *spatial)``, a view.

    >>> channels_first(np.zeros((2, 5, 7, 3))).shape
    (2, 3, 5, 7)
    """
    return np.moveaxis(x, -1, 1)


def channels_last(y: np.ndarray) -> np.ndarray:
    """``(N, C, *spatial)`` → ``(N, *spatial, C)``, a view.

    >>> channels_last(np.zeros((2, 3, 5, 7))).shape
    (2, 5, 7, 3)
    """
    return np.moveaxis(y, 1, -1)


def spatial_ints(
    name: str, value: IntOrSeq | None, nd: int, *, minimum: int, allow_full: bool = False
) -> tuple[int, ...]:
    """An int, or ``nd`` ints (or ``nd + 2`` with 1s for N and C when ``allow_full``, TF's convention).

    None means 1 on every axis.

    >>> spatial_ints("strides", 2, 2, minimum=1), spatial_ints("strides", [1, 2, 3, 1], 2, minimum=1, allow_full=True)
    ((2, 2), (2, 3))
    >>> spatial_ints("dilations", None, 2, minimum=1)
    (1, 1)
    """
    from .._axes import as_int, per_axis

    if value is None:
        return (1,) * nd
    if allow_full and isinstance(value, list | tuple) and len(value) == nd + 2:
        return tuple(as_int(name, v, minimum=minimum, axis=a) for a, v in enumerate(list(value)[1:-1]))
    return per_axis(name, value, nd, minimum=minimum)

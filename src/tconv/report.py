"""The layer report: one layer's sizes, formulas and the guide's relations as JSON-ready data.

``tconv shape --json`` prints it, the explorer's ``/api/shape`` returns it and walkthroughs carry it: every shell
shows the same report. The arithmetic is :mod:`tconv.shapes`', the relations :mod:`tconv.relations`'.

>>> from tconv.report import layer_report
>>> r = layer_report((5, 5), 3, stride=2, padding=1)
>>> r["kind"], r["output_size"], r["output_size_range"]
('transposed', [9, 9], [[9, 10], [9, 10]])
"""

from __future__ import annotations

from typing import Any

from ._axes import IntOrSeq, as_bool, count_axes, per_axis, show
from .errors import TconvError
from .relations import relation, transposed_relations
from .shapes import (
    CONV_FORMULA,
    POOL_FORMULA,
    TRANSPOSED_FORMULA,
    check_padding_mode,
    check_padding_word,
    conv_axes,
    output_padding_for,
    output_size_range,
    pool_axes,
    transposed_axes,
)

__all__ = ["layer_report"]


def layer_report(
    input_size: IntOrSeq,
    kernel_size: IntOrSeq,
    stride: IntOrSeq | None = None,
    padding: IntOrSeq | str = 0,
    output_padding: IntOrSeq = 0,
    dilation: IntOrSeq = 1,
    *,
    output_size: IntOrSeq | None = None,
    transposed: bool = True,
    pool: bool = False,
    ceil_mode: bool = False,
    padding_mode: str = "zeros",
) -> dict[str, Any]:
    """Everything about one layer's sizes, as JSON-ready data: the one report every shell prints.

    ``tconv shape --json`` prints it, the explorer's ``/api/shape`` returns it (plus the PyTorch code) and
    walkthroughs carry it. Keys (lists have one entry per axis):

    - ``kind``: ``"transposed"``, ``"conv"`` or ``"pool"`` (max pooling; ``stride`` defaults to the kernel size);
    - ``input_size``, ``kernel_size``, ``stride``, ``padding``, ``dilation``, ``output_size``: ints;
      ``output_padding`` (transposed; picked by ``output_size=`` when that is given), ``pad_end`` (conv: the
      padding after, which ``"same"`` can make differ from ``padding``), ``ceil_mode`` (pool, a bool);
    - ``formula`` (in symbols) and ``substituted`` (with each axis' numbers);
    - ``relation``: the guide's relation per axis, ``{number, title, formula, substituted, note}``, ``number``
      null when the guide has none;
    - transposed only: ``output_size_range``, the ``[min, max]`` per axis that ``output_size=`` accepts (null
      when no output_size is valid without output_padding ≥ stride), and ``equivalent``, the direct convolution
      per axis: ``{zeros_between, stretched_size, pad_begin, pad_end, padded_size}``; with ``padding`` a word
      (``"same"``, ``"valid"``), ``padding_rule`` (the word) and ``padding_end`` (the crop at the end, which
      "same" can make differ from ``padding``, the crop at the begin);
    - ``padding_mode``, where it is not ``"zeros"`` (sizes are the same; its limits are checked: reflect pads less
      than the size it pads, the transposed convolution's output).

    >>> r = layer_report(3, 3, stride=2, padding=1, output_size=6)
    >>> r["output_size"], r["output_padding"], r["relation"][0]["number"], r["output_size_range"]
    ([6], [1], 14, [[5, 6]])
    >>> r = layer_report(5, 3, stride=2, padding="same")
    >>> r["output_size"], r["padding"], r["padding_end"], r["substituted"]
    ([10], [0], [1], ['(5 − 1)·2 − 0 − 1 + 1·(3 − 1) + 0 + 1 = 10'])
    >>> layer_report(7, 2, pool=True, ceil_mode=True)["substituted"]
    ['⌈(7 + 2·0 − 1·(2 − 1) − 1)/2⌉ + 1 = 4']
    """
    transposed, pool, ceil_mode = (as_bool(n, v) for n, v in
                                   (("transposed", transposed), ("pool", pool), ("ceil_mode", ceil_mode)))
    nd = count_axes(input_size=input_size, kernel_size=kernel_size, stride=stride, padding=padding,
                    output_padding=output_padding, dilation=dilation, output_size=output_size)
    if not transposed or pool:
        if output_size is not None:
            raise TconvError(f"output_size {show(output_size)} only applies to transposed convolution; leave it out")
        if per_axis("output_padding", output_padding, nd) != (0,) * nd:
            raise TconvError(f"output_padding {show(output_padding)} only applies to transposed convolution; use 0")
    check_padding_mode(padding_mode)
    mode = {} if padding_mode == "zeros" else {"padding_mode": padding_mode}
    if pool and mode:
        raise TconvError(f"padding_mode {padding_mode!r} does not apply to pooling: use 'zeros'")
    if pool:
        paxes = pool_axes(input_size, kernel_size, stride, padding, dilation, ceil_mode, nd=nd)
        return {
            "kind": "pool",
            "input_size": [ax.input_size for ax in paxes],
            "kernel_size": [ax.kernel_size for ax in paxes],
            "stride": [ax.stride for ax in paxes],
            "padding": [ax.padding for ax in paxes],
            "dilation": [ax.dilation for ax in paxes],
            "ceil_mode": ceil_mode,
            "output_size": [ax.output_size for ax in paxes],
            "formula": POOL_FORMULA.replace("⌊", "⌈").replace("⌋", "⌉") if ceil_mode else POOL_FORMULA,
            "substituted": [ax.substituted() for ax in paxes],
            "relation": [r.to_dict() for r in relation(input_size, kernel_size, stride, padding, dilation=dilation,
                                                       pool=True, ceil_mode=ceil_mode)],
        }
    if ceil_mode:
        raise TconvError("ceil_mode only applies to pooling (pool=True); use False")
    s = 1 if stride is None else stride
    if not transposed:
        caxes = conv_axes(input_size, kernel_size, s, padding, dilation, nd=nd)
        check_padding_mode(padding_mode, [(ax.pad_begin, ax.pad_end) for ax in caxes],
                           [ax.input_size for ax in caxes])
        return {
            "kind": "conv",
            "input_size": [ax.input_size for ax in caxes],
            "kernel_size": [ax.kernel_size for ax in caxes],
            "stride": [ax.stride for ax in caxes],
            "padding": [ax.pad_begin for ax in caxes],
            "pad_end": [ax.pad_end for ax in caxes],
            "dilation": [ax.dilation for ax in caxes],
            "output_size": [ax.output_size for ax in caxes],
            "formula": CONV_FORMULA,
            "substituted": [ax.substituted() for ax in caxes],
            "relation": [r.to_dict() for r in relation(input_size, kernel_size, s, padding, dilation=dilation,
                                                       transposed=False)],
            **mode,
        }
    word = check_padding_word(padding) if isinstance(padding, str) else None
    op: IntOrSeq = output_padding
    if word == "same":  # output_size picks the crop (TensorFlow's rule), output_padding stays 0
        axes = transposed_axes(input_size, kernel_size, s, word, op, dilation, nd=nd, output_size=output_size)
    else:
        if output_size is not None:
            op = output_padding_for(input_size, output_size, kernel_size, s, padding, dilation)
        axes = transposed_axes(input_size, kernel_size, s, padding, op, dilation, nd=nd)
    try:
        accepted = output_size_range(input_size, kernel_size, s, padding, dilation)
        ranges: list[list[int]] | None = [list(r) for r in accepted]
    except TconvError:
        ranges = None  # only output_padding ≥ stride (which dilation allows) reaches a valid size
    check_padding_mode(padding_mode, [(ax.padding, ax.end_padding) for ax in axes], [ax.output_size for ax in axes],
                       "output")
    words = {} if word is None else {"padding_rule": word, "padding_end": [ax.end_padding for ax in axes]}
    return {
        "kind": "transposed",
        "input_size": [ax.input_size for ax in axes],
        "kernel_size": [ax.kernel_size for ax in axes],
        "stride": [ax.stride for ax in axes],
        "padding": [ax.padding for ax in axes],
        "output_padding": [ax.output_padding for ax in axes],
        "dilation": [ax.dilation for ax in axes],
        "output_size": [ax.output_size for ax in axes],
        "formula": TRANSPOSED_FORMULA,
        "substituted": [ax.substituted() for ax in axes],
        "relation": [r.to_dict() for r in transposed_relations(axes)],
        "output_size_range": ranges,
        "equivalent": [ax.equivalent().to_dict() for ax in axes],
        **words,
        **mode,
    }


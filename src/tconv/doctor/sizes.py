"""Which input sizes a model accepts, per spatial axis: brute force (one trace per size), then the rule they follow.

>>> r = infer_rule(set(range(16, 200, 16)), 1, 200)
>>> r.text, r.period, r.residues, r.minimum
('multiples of 16', 16, (0,), 16)
>>> infer_rule({n for n in range(1, 100) if n % 8 == 1 and n > 8}, 1, 99).text
'≡ 1 (mod 8), from 9'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import AxisSizes, Shape
from .trace import Tracer

__all__ = ["MAX_SWEEP", "WINDOW", "Rule", "infer_rule", "sweep"]

#: How far on each side of the requested size the search goes when no range is given.
WINDOW = 48
#: The most sizes one search traces (about 10 ms each for a U-Net on the meta device).
MAX_SWEEP = 1024


@dataclass(frozen=True)
class Rule:
    """A periodic description of a set of sizes in ``low..high`` (``period`` None: no period found, listed).

    >>> infer_rule({16, 32, 48, 64}, 1, 64)
    Rule(text='multiples of 16', period=16, residues=(0,), minimum=16)
    """

    text: str
    period: int | None
    residues: tuple[int, ...]
    minimum: int | None

    def accepts(self, size: int, valid: Sequence[int]) -> bool:
        """What the rule says of ``size``; without a period, whether ``valid`` lists it.

        >>> Rule("multiples of 16", 16, (0,), 16).accepts(1600, []), Rule("only 5, 7", None, (), None).accepts(
        ...     6, [5, 7])
        (True, False)
        """
        if self.period is None:
            return size in valid
        return (self.minimum is None or size >= self.minimum) and size % self.period in self.residues


def _listing(values: Sequence[int]) -> str:
    shown = ", ".join(map(str, values[:8]))
    return shown + (", …" if len(values) > 8 else "")


def infer_rule(valid: set[int], low: int, high: int) -> Rule:
    """The smallest period that describes ``valid`` exactly on ``min(valid)..high``, seen over two periods at least;
    a listing when there is none. The rule always agrees with ``valid`` on ``low..high``.

    >>> infer_rule({n for n in range(1, 100) if n % 4 == 3}, 1, 99).text      # a U-Net with k3 s2 p1 stages
    '≡ 3 (mod 4)'
    >>> infer_rule({5, 7, 30}, 1, 40).text
    'only 5, 7, 30 in 1..40'
    """
    ordered = sorted(v for v in valid if low <= v <= high)
    if not ordered:
        return Rule(f"no size in {low}..{high}", None, (), None)
    first = ordered[0]
    span = high - first + 1
    for period in range(1, span // 2 + 1):
        residues = {v % period for v in ordered}
        if all((n in valid) == (n % period in residues) for n in range(first, high + 1)):
            break
    else:
        return Rule(f"only {_listing(ordered)} in {low}..{high}", None, (), None)
    res = tuple(sorted(residues))
    # A stated minimum only where the range shows a size below it that the pattern alone would accept.
    below = any(n % period in residues for n in range(max(low, 1), first))
    if period == 1:
        text = "every size"
    elif res == (0,):
        text = f"multiples of {period}"
    else:
        text = f"≡ {', '.join(map(str, res))} (mod {period})"
    if below:
        text += f", from {first}"
    return Rule(text, period, res, first)


def _nearest(valid: Sequence[int], requested: int) -> tuple[int, ...]:
    below = [v for v in valid if v < requested]
    above = [v for v in valid if v > requested]
    found = ([below[-1]] if below else []) + ([requested] if requested in valid else []) + \
        ([above[0]] if above else [])
    return tuple(found)


def sweep(tracer: Tracer, input_shape: Shape, sizes: tuple[int, int] | None) -> dict[int, AxisSizes]:
    """Trace the model with every spatial size set to n, for each n of the axes' windows, and read per axis
    whether n works there (a mismatch is attributed to the dims it happens on).

    A stand-in tracer for a model whose joins need the rows to be a multiple of 8 (any width works):

    >>> from .trace import Join, Trace
    >>> class Rows8:
    ...     source = "example"
    ...     def trace(self, input_shape, patches=()):
    ...         joins = () if input_shape[2] % 8 == 0 else (Join(1, 0, 1, (2,)),)
    ...         return Trace((), joins, None, None, None)
    >>> found = sweep(Rows8(), (1, 3, 30, 30), (20, 40))
    >>> found[2].rule, found[2].nearest, found[3].rule
    ('multiples of 8', (24, 32), 'every size')
    """
    dims = range(2, len(input_shape))
    windows = {d: sizes if sizes is not None else (max(1, input_shape[d] - WINDOW), input_shape[d] + WINDOW)
               for d in dims}
    wanted = sorted({n for lo, hi in windows.values() for n in range(lo, hi + 1)})
    valid: dict[int, set[int]] = {d: set() for d in dims}
    for n in wanted:
        shape = (*input_shape[:2], *([n] * (len(input_shape) - 2)))
        trace = tracer.trace(shape)
        for d in dims:
            lo, hi = windows[d]
            if lo <= n <= hi and not trace.fails_on(d):
                valid[d].add(n)
    result = {}
    for d in dims:
        lo, hi = windows[d]
        rule = infer_rule(valid[d], lo, hi)
        ordered = tuple(sorted(valid[d]))
        result[d] = AxisSizes(d, input_shape[d], lo, hi, ordered, rule.text, rule.period, rule.residues,
                              rule.minimum, _nearest(ordered, input_shape[d]))
    return result

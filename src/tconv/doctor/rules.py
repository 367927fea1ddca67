"""Which input sizes a model accepts, per spatial axis, derived from its size arithmetic (:mod:`.program`), not
searched: the period, the residues and the minimum, then checked with real traces at the rule's boundary sizes and
their products across axes.

The period P is where every size map repeats: a stride-s conv or pooling repeats when its input grows by s, so a
4-level U-Net's sizes repeat every 16 (each join's two sides then differ by the same amount again). Every size map is
monotone, so a size below 1 fails for every smaller input too: the smallest input that keeps every size ≥ 1 is found
by bisection. Between it and one period further, each size is evaluated: the sizes whose joins match are the
residues; the minimum is the first of them. Nothing is searched in a window.

>>> from tconv.doctor.program import Program, Step
>>> down = Step("pool", "down", (None,), (2, 2, 0, 1, False), 0)
>>> up = Step("conv_transpose", "up", (0,), (2, 2, 0, 0, 1), 1)
>>> cat = Step("join", "cat", (None, 1), (0, False, "cat"), 2)
>>> derive(Program(2, (down, up, cat), 2))
Derived(period=2, residues=(0,), minimum=2, text='multiples of 2')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .program import Failure, Program

__all__ = ["MAX_PERIOD", "Derived", "Fit", "boundary", "derive", "fit", "nearest", "next_valid", "previous_valid",
           "rule_text"]

#: The longest period derived (each residue costs one evaluation of the program); beyond it the doctor searches.
MAX_PERIOD = 4096
#: The largest input size the bisection for the smallest size considers.
MAX_INPUT = 1 << 40


@dataclass(frozen=True)
class Derived:
    """An axis' rule: sizes n ≥ ``minimum`` with n mod ``period`` in ``residues`` (empty: no size runs).

    >>> Derived(16, (0,), 16, "multiples of 16").accepts(32), Derived(16, (0,), 32, "").accepts(16)
    (True, False)
    """

    period: int
    residues: tuple[int, ...]
    minimum: int | None
    text: str

    def accepts(self, n: int) -> bool:
        """Whether the rule accepts input size ``n``.

        >>> Derived(8, (7,), 7, "≡ 7 (mod 8)").accepts(15)
        True
        """
        return self.minimum is not None and n >= self.minimum and n % self.period in self.residues


def rule_text(period: int, residues: Sequence[int], minimum: int | None) -> str:
    """The rule as people say it: ``multiples of 16``, ``≡ 7 (mod 8)``, ``every size from 16``.

    ``from m`` is said only where a smaller size of the same residues exists (multiples of 16 from 16 is just
    multiples of 16).

    >>> rule_text(16, (0,), 16), rule_text(1, (0,), 16), rule_text(8, (3, 7), 3), rule_text(16, (0,), 32)
    ('multiples of 16', 'every size from 16', '≡ 3, 7 (mod 8)', 'multiples of 16, from 32')
    """
    if minimum is None or not residues:
        return "no size"
    first = min((r if r else period) for r in residues)
    if period == 1:
        text = "every size"
    elif tuple(residues) == (0,):
        text = f"multiples of {period}"
    else:
        text = f"≡ {', '.join(map(str, residues))} (mod {period})"
    if minimum > first:
        text += f" from {minimum}" if period == 1 else f", from {minimum}"
    return text


def _smallest_running(program: Program) -> int | None:
    """The smallest input size at which no size falls below 1 (every map is monotone: bisection)."""
    def sized(n: int) -> bool:
        failure = program.run(n)[1]
        return failure is None or failure.kind != "size"

    high = 1
    while not sized(high):
        high *= 2
        if high > MAX_INPUT:
            return None
    low = high // 2  # sized(low) is False, or low is 0
    while high - low > 1:
        mid = (low + high) // 2
        if sized(mid):
            high = mid
        else:
            low = mid
    return high


def _reduced(period: int, residues: set[int]) -> tuple[int, tuple[int, ...]]:
    """The shortest period that describes the same residues (4 with {1, 3} mod 4 is {1} mod 2)."""
    for p in sorted(d for d in range(1, period + 1) if period % d == 0):
        classes = {r % p for r in residues}
        if all((r % p in classes) == (r in residues) for r in range(period)):
            return p, tuple(sorted(classes))
    return period, tuple(sorted(residues))


def derive(program: Program) -> Derived | None:
    """The rule of one axis from its program; None where the period passes :data:`MAX_PERIOD` or the joins'
    sides grow at different rates (then a finite set of sizes: the caller searches).

    >>> from tconv.doctor.program import Program, Step
    >>> derive(Program(2, (Step("conv", "c", (None,), (3, 1, 0, 0, 1), 0),), 0))      # a valid 3-tap conv
    Derived(period=1, residues=(0,), minimum=3, text='every size from 3')
    """
    periods = program.periods()
    for step in program.steps:  # a join whose sides grow apart holds at a few sizes only
        if step.kind == "join":
            slopes = {periods[j][1] if j is not None else Fraction(1) for j in step.inputs}
            slopes.discard(Fraction(0))
            if len(slopes) > 1:
                return None
    period = math.lcm(1, *(p for p, _ in periods))
    if period > MAX_PERIOD:
        return None
    start = _smallest_running(program)
    if start is None:
        return Derived(period, (), None, "no size")
    residues = {n % period for n in range(start, start + period) if program.run(n)[1] is None}
    if not residues:
        return Derived(period, (), None, "no size")
    period, classes = _reduced(period, residues)
    minimum = next(n for n in range(start, start + period) if n % period in classes)
    return Derived(period, classes, minimum, rule_text(period, classes, minimum))


def next_valid(rule: Derived, n: int) -> int | None:
    """The smallest size ≥ n the rule accepts (any distance).

    >>> next_valid(Derived(128, (0,), 128, ""), 525), next_valid(Derived(128, (0,), 128, ""), 3)
    (640, 128)
    """
    if rule.minimum is None:
        return None
    n = max(n, rule.minimum)
    return min(n + (r - n) % rule.period for r in rule.residues)


def previous_valid(rule: Derived, n: int) -> int | None:
    """The largest size ≤ n the rule accepts, None below its minimum.

    >>> previous_valid(Derived(128, (0,), 128, ""), 525), previous_valid(Derived(128, (0,), 128, ""), 100)
    (512, None)
    """
    if rule.minimum is None or n < rule.minimum:
        return None
    return max(n - (n - r) % rule.period for r in rule.residues)


def nearest(rule: Derived, n: int) -> tuple[int, ...]:
    """The valid sizes nearest ``n``: the one below, ``n`` itself when valid, the one above.

    >>> nearest(Derived(128, (0,), 128, ""), 350), nearest(Derived(1, (0,), 1, ""), 350)
    ((256, 384), (349, 350, 351))
    """
    below = previous_valid(rule, n - 1)
    above = next_valid(rule, n + 1)
    return tuple(v for v in (below, n if rule.accepts(n) else None, above) if v is not None)


# --------------------------------------------------------------------------------------------------
# fit: the input sizes at which the output has the size wanted
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    """On one axis, the valid input sizes whose output size is the target: ``rule`` (a periodic set, when the
    target is the input's own size), or ``sizes`` (a finite list); ``offset``: the output is the input plus it at
    every valid size (the output is never the input's size when it is not 0).

    >>> Fit(Derived(4, (0,), 4, "multiples of 4"), (), None).describe(250)
    'sizes multiples of 4 (nearest to 250: 248, 252)'
    """

    rule: Derived | None
    sizes: tuple[int, ...]
    offset: int | None

    def describe(self, n: int) -> str:
        """In words, with the sizes nearest ``n``.

        >>> Fit(None, (), -40).describe(100), Fit(None, (12, 20), None).describe(15)
        ('none: the output is the input − 40 at every size that runs', 'sizes 12, 20')
        """
        if self.rule is not None and self.rule.minimum is not None:
            near = ", ".join(map(str, nearest(self.rule, n)))
            return f"sizes {self.rule.text} (nearest to {n}: {near})"
        if self.sizes:
            return "sizes " + ", ".join(map(str, self.sizes))
        if self.offset is not None and self.offset != 0:
            sign = "+" if self.offset > 0 else "−"
            return f"none: the output is the input {sign} {abs(self.offset)} at every size that runs"
        return "none"


def fit(program: Program, rule: Derived, target: int | None) -> Fit | None:
    """The valid input sizes at which the output equals ``target`` (None: the input's own size), by arithmetic: the
    output grows by c·P per period P, so within each residue class the equation has one solution or none.

    >>> from tconv.doctor.program import Program, Step
    >>> grow = Program(2, (Step("pool", "d", (None,), (2, 2, 0, 1, True), 0),
    ...                     Step("conv_transpose", "u", (0,), (2, 2, 0, 0, 1), 1)), 1)   # ⌈n/2⌉·2
    >>> fit(grow, Derived(1, (0,), 1, "every size"), None).rule.text
    'multiples of 2'
    >>> fit(grow, Derived(1, (0,), 1, "every size"), 10).sizes
    (9, 10)
    """
    if program.output is None or rule.minimum is None:
        return None
    out_step = program.output
    period = math.lcm(rule.period, *(p for p, _ in program.periods()))
    slope = program.periods()[out_step][1]
    growth = slope * period
    if growth.denominator != 1:
        return None
    first = rule.minimum
    starts = [n for n in range(first, first + period) if rule.accepts(n)]
    outs = {n: program.size(n, out_step) for n in starts}
    if target is None:
        if slope == 1:
            residues = {n % period for n in starts if outs[n] == n}
            if not residues:
                offsets = {outs[n] - n for n in starts}
                return Fit(None, (), offsets.pop() if len(offsets) == 1 else None)
            p, classes = _reduced(period, residues)
            minimum = next(n for n in starts if n % p in classes)
            return Fit(Derived(p, classes, minimum, rule_text(p, classes, minimum)), (), None)
        found = []
        for n, out in outs.items():  # out + k·growth = n + k·period
            k, rest = divmod(n - out, int(growth) - period)
            if rest == 0 and k >= 0:
                found.append(n + k * period)
        return Fit(None, tuple(sorted(found)), None)
    found = []
    for n, out in outs.items():
        if growth == 0:
            if out == target:
                return Fit(Derived(rule.period, rule.residues, rule.minimum, rule.text), (), None)
            continue
        k, rest = divmod(target - out, int(growth))
        if rest == 0 and k >= 0:
            found.append(n + k * period)
    return Fit(None, tuple(sorted(found)), None)


def failure_words(failure: Failure | None) -> str:
    """A failure in a few words (empty for None).

    >>> failure_words(Failure(2, "cat", "match", "cat joins 8 with 9"))
    'cat joins 8 with 9'
    """
    return "" if failure is None else failure.message


def boundary(rule: Derived, requested: int) -> list[int]:
    """The sizes a rule is checked at: below and at its minimum, the first sizes past it, a few periods out, and
    around the requested size.

    >>> boundary(Derived(16, (0,), 16, ""), 350)
    [15, 16, 17, 18, 31, 32, 48, 96, 336, 350, 352]
    >>> boundary(Derived(16, (0,), 32, ""), 50)[:3]      # 16 has the right residue: checked to fail
    [16, 31, 32]
    """
    if rule.minimum is None:
        return sorted({1, 2, requested})
    m, p = rule.minimum, rule.period
    sizes = {m - 1, m, m + 1, m + 2, m + p - 1, m + p, m + 2 * p, m + 5 * p, requested}
    before = previous_valid(Derived(p, rule.residues, 1, ""), m - 1)
    if before is not None and before >= 1:
        sizes.add(before)
    sizes.update(nearest(rule, requested))
    return sorted(s for s in sizes if s >= 1)


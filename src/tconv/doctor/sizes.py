"""Which input sizes a model accepts, per spatial axis: derived from the size arithmetic and checked with traces
(:func:`valid_sizes`), or, where the arithmetic cannot follow the model, searched (one trace per size, then the
rule the results follow: :func:`sweep`, :func:`infer_rule`).

>>> r = infer_rule(set(range(16, 200, 16)), 1, 200)
>>> r.text, r.period, r.residues, r.minimum
('multiples of 16', 16, (0,), 16)
>>> infer_rule({n for n in range(1, 100) if n % 8 == 1 and n > 8}, 1, 99).text
'≡ 1 (mod 8), from 9'
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .model import AxisSizes, Shape
from .program import Program, build
from .rules import Derived, boundary, derive, nearest, next_valid, previous_valid, rule_text
from .trace import Trace, Tracer

__all__ = ["MAX_SWEEP", "WINDOW", "Derivation", "Rule", "infer_rule", "probe_traces", "sweep", "valid_sizes"]

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
        text += f" from {first}" if period == 1 else f", from {first}"
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


# --------------------------------------------------------------------------------------------------
# the rule derived from the size arithmetic, checked with real traces
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Derivation:
    """What :func:`valid_sizes` found: the per-axis sizes, the programs and rules it derived them from (an axis
    absent where it searched), and notes about the derivation.

    >>> Derivation({}, {}, {}, ()).programs
    {}
    """

    sizes: dict[int, AxisSizes]
    programs: dict[int, Program]
    rules: dict[int, Derived]
    notes: tuple[str, ...]


def probe_traces(tracer: Tracer, input_shape: Shape, first: Trace, want: int = 4,
                 tries: int = 8) -> list[tuple[Shape, Trace]]:
    """Traces at a few input sizes far apart (the requested one first when it ran through), that complete: the
    program of each axis is read from them. A size that raises (too small, a size-dependent error) is skipped.

    >>> from .trace import Trace
    >>> class Any:
    ...     def trace(self, input_shape, patches=()):
    ...         return Trace((), (), None, None, input_shape)
    >>> [s for s, _ in probe_traces(Any(), (1, 3, 50, 75), Trace((), (), None, None, (1, 3, 50, 75)))]
    [(1, 3, 50, 75), (1, 3, 51, 76), (1, 3, 107, 157), (1, 3, 229, 329)]
    """
    head, sizes = input_shape[:2], input_shape[2:]
    found: list[tuple[Shape, Trace]] = [(input_shape, first)] if first.error is None else []
    # sizes with differing low bits, so that a size-dependent number (a pad computed from a skip) differs too
    grow: list[Callable[[int], int]] = [
        lambda n: n + 1, lambda n: 2 * n + 7, lambda n: 4 * n + 29, lambda n: 3 * n + 11, lambda n: 8 * n + 128,
        lambda n: 16 * n + 256, lambda n: 32 * n + 512, lambda n: 64 * n + 1024]
    for f in grow[:tries]:
        if len(found) >= want:
            break
        shape = (*head, *(f(n) for n in sizes))
        trace = tracer.trace(shape)
        if trace.error is None:
            found.append((shape, trace))
    return found


def _why(trace: Trace) -> str:
    if trace.error is not None:
        return f"{trace.error_where or 'model'}: {trace.error}"
    if trace.joins:
        join = trace.joins[0]
        layer = trace.layers[join.layer]
        sizes = " vs ".join("×".join(map(str, s[2:])) for s in layer.params.get("operands", ()))
        return f"{layer.where} joins {sizes}"
    return ""


def valid_sizes(tracer: Tracer, input_shape: Shape, trace: Trace, window: tuple[int, int] | None) -> Derivation:
    """Per spatial axis, the input sizes that run: derived from the size arithmetic of traces at a few sizes
    (:mod:`.program`, :mod:`.rules`), checked with real traces at the rule's boundary sizes (the other axes at a
    valid size) and at the products of every axis' boundary sizes; searched (:func:`sweep`) where the arithmetic
    cannot follow the model. With ``window``, every size of it is traced on each axis and must agree with the rule
    (where it does not, the rule searched in the window is given, with a note).

    >>> import torch
    >>> from torch import nn
    >>> from tconv.doctor.torch_trace import TorchTracer
    >>> class Net(nn.Module):      # pooling floors 9 to 4: the upsampled 8 cannot join the input's 9
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.down, self.up = nn.MaxPool1d(2), nn.ConvTranspose1d(2, 2, 2, stride=2)
    ...     def forward(self, x):
    ...         return torch.cat([x, self.up(self.down(x))], dim=1)
    >>> tracer = TorchTracer(Net())
    >>> found = valid_sizes(tracer, (1, 2, 999), tracer.trace((1, 2, 999)), None).sizes[2]
    >>> found.rule, found.nearest, found.source, found.checked
    ('multiples of 2', (998, 1000), 'derived', (1, 2, 3, 4, 6, 12, 998, 999, 1000))
    """
    dims = range(2, len(input_shape))
    probes = probe_traces(tracer, input_shape, trace)
    programs: dict[int, Program] = {}
    rules: dict[int, Derived] = {}
    for d in dims:
        program = build(probes, d) if len(probes) >= 2 else None
        rule = derive(program) if program is not None else None
        if program is not None and rule is not None:
            programs[d], rules[d] = program, rule
    searched = [d for d in dims if d not in rules]
    notes: list[str] = []
    result: dict[int, AxisSizes] = {}
    if searched:
        found = sweep(tracer, input_shape, window)
        result.update({d: found[d] for d in searched})
        if rules:
            notes.append(f"dims {', '.join(map(str, searched))}: sizes searched, the size arithmetic could not follow "
                         "the model there")
    if not rules:
        return Derivation(result, {}, {}, tuple(notes))

    lenient: dict[int, set[int]] = {}

    def runs(shape: Shape) -> tuple[bool, str]:
        t = tracer.trace(shape)
        if t.runs and tracer.source == "onnx":  # ONNX shape inference lets a size fall to 0 or below
            for d, program in programs.items():
                failure = program.run(shape[d])[1] if d in rules else None
                if failure is not None and failure.kind == "size":
                    lenient.setdefault(d, set()).add(shape[d])
                    return False, failure.message
        return t.runs, _why(t)

    safe = {d: next_valid(r, input_shape[d]) or input_shape[d] for d, r in rules.items()}

    def at(d: int, n: int) -> Shape:
        return tuple(n if a == d else safe.get(a, v) if a >= 2 else v for a, v in enumerate(input_shape))

    checked: dict[int, list[int]] = {}
    for d, rule in list(rules.items()):
        checked[d] = []
        for _ in range(8):  # a minimum the arithmetic cannot see (InstanceNorm, reflection padding) is raised
            wrong = []
            for n in boundary(rule, input_shape[d]):
                ok, why = runs(at(d, n))
                checked[d].append(n)
                if ok is not rule.accepts(n):
                    wrong.append((n, ok, why))
            if not wrong:
                break
            if all(not ok for _, ok, _ in wrong) and rule.minimum is not None:
                highest = max(n for n, _, _ in wrong)
                raised = next_valid(rule, highest + 1)
                if raised is not None and raised - rule.minimum <= 64 * rule.period:
                    notes.append(f"dim {d}: the size arithmetic gives a minimum of {rule.minimum}; traced, "
                                 f"{highest} fails ({wrong[-1][2]}): the minimum is raised to {raised}")
                    rule = Derived(rule.period, rule.residues, raised,
                                   rule_text(rule.period, rule.residues, raised))
                    rules[d] = rule
                    safe[d] = next_valid(rule, input_shape[d]) or safe[d]
                    continue
            notes.append(f"dim {d}: the rule {rule.text!r} from the size arithmetic disagrees with traces at "
                         f"{', '.join(str(n) for n, _, _ in wrong[:5])}: sizes searched instead")
            del rules[d]
            break
    interactions: dict[int, list[str]] = {d: [] for d in rules}
    if len(rules) >= 2:
        interactions = _interactions(rules, input_shape, safe, runs, checked)
    for d, sizes in sorted(lenient.items()):
        notes.append(f"dim {d}: ONNX shape inference accepts {', '.join(map(str, sorted(sizes)))}, where a size "
                     "falls below 1 (PyTorch refuses it): not counted as valid")
    for d in dims:
        if d in rules:
            rule = rules[d]
            low = high = 0
            valid: tuple[int, ...] = ()
            if window is not None:
                low, high = window
                ran = {n for n in range(low, high + 1) if runs(at(d, n))[0]}
                valid = tuple(sorted(ran))
                differ = [n for n in range(low, high + 1) if (n in ran) is not rule.accepts(n)]
                if differ:
                    notes.append(f"dim {d}: the rule {rule.text!r} from the size arithmetic disagrees with traces at "
                                 f"{', '.join(map(str, differ[:5]))}; the rule searched in {low}..{high} is given")
                    searched_rule = infer_rule(ran, low, high)
                    result[d] = AxisSizes(d, input_shape[d], low, high, valid, searched_rule.text,
                                          searched_rule.period, searched_rule.residues, searched_rule.minimum,
                                          _nearest(valid, input_shape[d]))
                    continue
            result[d] = AxisSizes(d, input_shape[d], low, high, valid, rule.text, rule.period, rule.residues,
                                  rule.minimum, nearest(rule, input_shape[d]), "derived",
                                  tuple(sorted(set(checked[d]))), tuple(interactions.get(d, ())))
        elif d not in result:
            result[d] = sweep(tracer, input_shape, window)[d]
    return Derivation(dict(sorted(result.items())), {d: programs[d] for d in rules}, rules, tuple(notes))


def _interactions(rules: dict[int, Derived], input_shape: Shape, safe: dict[int, int],
                  runs: Callable[[Shape], tuple[bool, str]], checked: dict[int, list[int]]) -> dict[int, list[str]]:
    """Trace the products of the axes' boundary sizes (the minimum, the next valid size, and below the minimum
    where the residue fits): where one fails that each axis alone accepts, the axes interact."""
    per: dict[int, list[int]] = {}
    for d, rule in rules.items():
        m = rule.minimum if rule.minimum is not None else input_shape[d]
        sizes = [m, next_valid(rule, m + 1) or m]
        below = previous_valid(Derived(rule.period, rule.residues, 1, ""), m - 1) if rule.minimum else None
        if below is not None and below >= 1 and len(rules) <= 3:
            sizes.append(below)
        per[d] = sorted(set(sizes))
    found: dict[int, list[str]] = {d: [] for d in rules}
    axes = sorted(per)
    for combo in itertools.product(*(per[d] for d in axes)):
        shape = tuple(combo[axes.index(a)] if a in per else safe.get(a, v) if a >= 2 else v
                      for a, v in enumerate(input_shape))
        expected = all(rules[d].accepts(n) for d, n in zip(axes, combo))
        ok, why = runs(shape)
        for d, n in zip(axes, combo):
            checked[d].append(n)
        if ok is expected:
            continue
        words = "×".join(map(str, shape[2:]))
        if expected:
            text = f"{words} fails although each of its sizes runs with the other axes larger: {why}"
        else:
            text = f"{words} runs although the rule of one axis refuses it"
        for d in axes:
            found[d].append(text)
    return found

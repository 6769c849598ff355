"""Numbers as display strings, by metric kind: the one formatter of the Result's tables and the CLI's.

Rates are percentages and absolute differences of rates percentage points; means and ratios are
fixed decimals with no currency sign; counts are integers with thousands separators. An estimate and
its interval share one number of decimals, chosen from the interval's width (two significant digits
of the width, at least two decimals for percentages), so ``+0.64 [+0.20, +1.08] pp`` never mixes
precisions. Formatting reads the stored values and never changes them.
"""

from __future__ import annotations

import math
from typing import Any

from abstats.vocabulary import RATE_KINDS, MetricKind

_MAX_DECIMALS = 8
_PERCENT_DECIMALS = 2  # fewest decimals of a percentage or pp: 5.13%, +0.64 pp


def format_number(x: Any, spec: str) -> str:
    """``format(x, spec)``, with ``-`` for a missing or undefined value and ``inf`` / ``-inf`` for an open bound.

    Examples
    --------
    >>> format_number(0.0123456, ".3g"), format_number(float("nan"), ".3g"), format_number(float("-inf"), "+.2f")
    ('0.0123', '-', '-inf')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if isinstance(x, float) and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return format(x, spec)


def is_rate(kind: Any) -> bool:
    """Whether estimates of this metric kind are proportions (shown as percentages)."""
    return kind in RATE_KINDS


def _finite(x: Any) -> float | None:
    if x is None:
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def decimals_for(width: float | None, magnitude: float | None, least: int) -> int:
    """Decimals showing two significant digits of ``width`` (else three of ``magnitude``), at least ``least``.

    Examples
    --------
    >>> decimals_for(0.88, 0.64, 2), decimals_for(9.4, 3.2, 0), decimals_for(None, 52.3, 0)
    (2, 1, 1)
    """
    if width is not None and width > 0:
        digits = 1 - math.floor(math.log10(width))
    elif magnitude is not None and magnitude > 0:
        digits = 2 - math.floor(math.log10(magnitude))
    else:
        digits = least
    return min(_MAX_DECIMALS, max(least, digits))


def _fixed(x: Any, decimals: int, signed: bool) -> str:
    value = _finite(x)
    if value is None:
        return format_number(None if x is None else float(x), "")
    text = f"{value:{'+' if signed else ''}.{decimals}f}"
    if float(text) == 0.0:  # no "-0.00": a rounded zero has no sign
        text = f"{0.0:.{decimals}f}"
    return text


def effect_cell(estimate: Any, low: Any, high: Any, *, kind: MetricKind | str, relative: bool = False) -> str:
    """An effect and its interval in one cell, in one unit and one precision.

    ``relative``: a relative effect, in percent. Otherwise the absolute effect: percentage points for
    rates, the metric's own unit for means and ratios.

    Examples
    --------
    >>> effect_cell(0.0064, 0.0020, 0.0108, kind="binary")
    '+0.64 [+0.20, +1.08] pp'
    >>> effect_cell(0.105, 0.021, 0.19, kind="mean", relative=True)
    '+10.5% [+2.1%, +19.0%]'
    >>> effect_cell(3.21, -1.52, float("inf"), kind="mean")
    '+3.2 [-1.5, inf]'
    """
    percent = relative or is_rate(kind)
    scale = 100.0 if percent else 1.0
    values = [_finite(v) for v in (estimate, low, high)]
    scaled = [None if v is None else v * scale for v in values]
    width = None if scaled[1] is None or scaled[2] is None else scaled[2] - scaled[1]
    if width is None and scaled[0] is not None:  # one-sided: the distance from the estimate to the finite bound
        sides = [abs(scaled[0] - b) for b in scaled[1:] if b is not None]
        width = sides[0] if sides else None
    magnitudes = [abs(v) for v in scaled if v is not None and v != 0]
    least = 1 if relative else (_PERCENT_DECIMALS if percent else 0)
    decimals = decimals_for(width, min(magnitudes) if magnitudes else None, least)
    raws = (estimate, low, high)
    shown = [_fixed(raw if s is None else s, decimals, signed=True) for s, raw in zip(scaled, raws, strict=True)]
    if relative:
        shown = [s + "%" if _finite(v) is not None else s for s, v in zip(shown, values, strict=True)]
        return f"{shown[0]} [{shown[1]}, {shown[2]}]"
    unit = " pp" if percent else ""
    return f"{shown[0]} [{shown[1]}, {shown[2]}]{unit}"


def value_pair(control: Any, treatment: Any, *, kind: MetricKind | str) -> tuple[str, str]:
    """Control and treatment estimates at one precision: percentages for rates, fixed decimals otherwise.

    Examples
    --------
    >>> value_pair(0.05121, 0.05771, kind="binary")
    ('5.12%', '5.77%')
    >>> value_pair(52.3456, 54.1, kind="mean")
    ('52.35', '54.10')
    """
    rate = is_rate(kind)
    scale = 100.0 if rate else 1.0
    values = [_finite(v) for v in (control, treatment)]
    magnitudes = [abs(v) * scale for v in values if v is not None and v != 0]
    # four significant digits of the larger value, and never fewer than two decimals (cents, 5.13%)
    top = max(magnitudes) if magnitudes else None
    decimals = 2 if top is None else min(_MAX_DECIMALS, max(2, 3 - math.floor(math.log10(top))))
    if rate:
        decimals = 2 if top is None or top >= 0.1 else decimals
    out = []
    for raw, v in zip((control, treatment), values, strict=True):
        if v is None:
            out.append(_fixed(raw, 0, signed=False))
        else:
            out.append(_fixed(v * scale, decimals, signed=False) + ("%" if rate else ""))
    return out[0], out[1]


def count_cell(x: Any) -> str:
    """A count as an integer with thousands separators (``-`` when missing).

    Examples
    --------
    >>> count_cell(20000.0)
    '20,000'
    """
    value = _finite(x)
    return "-" if value is None else f"{int(round(value)):,}"


def probability_cell(x: Any) -> str:
    """A p-value or probability at three significant digits; below 1e-4 as ``<0.0001``.

    Examples
    --------
    >>> probability_cell(0.035512), probability_cell(3e-9), probability_cell(0.97312)
    ('0.0355', '<0.0001', '0.973')
    """
    value = _finite(x)
    if value is None:
        return format_number(None if x is None else float(x), "")
    if 0 < value < 1e-4:
        return "<0.0001"
    return format_number(value, ".3g")

"""Text and HTML renderings of a Result for terminals and notebooks."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from abstats.result.result import Result


def format_number(x: Any, spec: str) -> str:
    """``format(x, spec)``, with ``-`` for a missing or undefined value and ``inf`` / ``-inf`` for an open bound."""
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    if isinstance(x, float) and np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return format(x, spec)


def _interval(low: Any, high: Any, spec: str) -> str:
    return f"[{format_number(low, spec)}, {format_number(high, spec)}]"


def summary_frame(result: Result) -> Any:
    """One formatted row per comparison (strings), for display only: the columns the method fills."""
    import pandas as pd

    display = result.method_object.display
    level = _level_label(result)
    abs_low, abs_high = display.interval_columns("absolute")
    rel_low, rel_high = display.interval_columns("relative")
    rows = []
    for i in range(len(result)):
        out = {
            "experiment": result["experiment"][i],
            "metric": result["metric"][i],
            "comparison": f"{result['treatment'][i]} vs {result['control'][i]}",
            "control": format_number(result["control_estimate"][i], ".4g"),
            "treatment": format_number(result["treatment_estimate"][i], ".4g"),
            "effect": format_number(result["effect"][i], "+.4g"),
            f"{level}{display.interval_label} (abs)": _interval(result[abs_low][i], result[abs_high][i], "+.4g"),
            "uplift": format_number(result["rel_effect"][i], "+.2%"),
            f"{level}{display.interval_label} (rel)": _interval(result[rel_low][i], result[rel_high][i], "+.2%"),
        }
        if display.probability is not None:
            column, header = display.probability
            out[header] = format_number(result[column][i], ".3g")
        for column, header, spec in display.extra:
            out[header] = format_number(result[column][i], spec)
        out["decision"] = result["decision"][i]
        out["warnings"] = ", ".join(code for code, mask in result.warning_flags.items() if mask[i])
        rows.append(out)
    frame = pd.DataFrame(rows)
    if len(frame) and frame["experiment"].nunique() == 1:
        frame = frame.drop(columns="experiment")
    return frame


def _level_label(result: Result) -> str:
    """'95% ' from the recorded alpha or ci_level, when one level holds for every row."""
    s = result.settings
    if "ci_level" in s:
        return f"{s['ci_level']:.0%} "
    if "alpha" in s and not s.get("ci_adjusted"):
        return f"{1 - s['alpha']:.0%} "
    return ""


def _header(result: Result) -> str:
    s = result.settings
    parts = [f"abstats Result ({result.method_object.label}, schema {result.schema_version})"]
    if "alpha" in s:
        parts.append(f"alpha={s['alpha']:g}")
    if "alternative" in s:
        parts.append(f"alternative={s['alternative']}")
    if "correction" in s:
        parts.append(f"correction={s['correction']}")
    return ", ".join(parts)


def render_text(result: Result, max_rows: int = 50) -> str:
    shown = min(len(result), max_rows)
    frame = summary_frame(_head(result, shown))
    lines = [_header(result), frame.to_string(index=False)]
    if shown < len(result):
        lines.append(f"... {len(result) - shown} more rows (use to_frame())")
    for i in range(shown):
        lines.append(f"- {_where(result, i)}: {result.reason(i)}")
        lines.extend(f"  warning [{w['code']}]: {w['message']}" for w in result.warnings(i))
    return "\n".join(lines)


def render_html(result: Result, max_rows: int = 50) -> str:
    shown = min(len(result), max_rows)
    frame = summary_frame(_head(result, shown))
    notes = []
    for i in range(shown):
        notes.append(f"<li><b>{html.escape(_where(result, i))}</b>: {html.escape(result.reason(i))}</li>")
        notes.extend(
            f"<li style='color:#a15c00'>warning [{w['code']}]: {html.escape(w['message'])}</li>"
            for w in result.warnings(i)
        )
    more = f"<p>... {len(result) - shown} more rows (use to_frame())</p>" if shown < len(result) else ""
    return (
        f"<div><p><b>{html.escape(_header(result))}</b></p>{frame.to_html(index=False)}{more}"
        f"<ul>{''.join(notes)}</ul></div>"
    )


def _where(result: Result, i: int) -> str:
    """'experiment, metric, treatment vs control' of row i (the experiment only when there are several)."""
    comparison = f"{result['metric'][i]}, {result['treatment'][i]} vs {result['control'][i]}"
    experiments = result["experiment"]
    if len(experiments) and len(set(experiments.tolist())) > 1:
        return f"{experiments[i]}: {comparison}"
    return comparison


def _head(result: Result, n: int) -> Result:
    from abstats.result.result import Result

    if n >= len(result):
        return result
    return Result(
        result.method,
        result.settings,
        {k: v[:n] for k, v in result.columns.items()},
        result.rules[:n],
        {k: v[:n] for k, v in result.warning_flags.items()},
        _parts=None if result._parts is None else (result._parts[0], result._parts[1][:n]),
    )

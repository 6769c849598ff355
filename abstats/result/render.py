"""Text and HTML renderings of a Result for terminals and notebooks."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from abstats.result.result import Result


def _fmt(x: Any, spec: str) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return "-"
    if isinstance(x, float) and np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return format(x, spec)


def _interval(low: Any, high: Any, spec: str) -> str:
    return f"[{_fmt(low, spec)}, {_fmt(high, spec)}]"


def summary_frame(result: Result) -> Any:
    """One formatted row per comparison (strings), for display only."""
    import pandas as pd

    rows = []
    bayes = result.method == "bayesian"
    for i in range(len(result)):
        r = {name: result[name][i] for name in ("experiment", "metric", "control", "treatment")}
        spec = ".4g"
        out = {
            "experiment": r["experiment"],
            "metric": r["metric"],
            "comparison": f"{r['treatment']} vs {r['control']}",
            "control": _fmt(result["control_estimate"][i], spec),
            "treatment": _fmt(result["treatment_estimate"][i], spec),
            "effect": _fmt(result["effect"][i], "+.4g"),
        }
        if bayes:
            out["95% cred. (rel)"] = _interval(result["rel_cred_low"][i], result["rel_cred_high"][i], "+.2%")
            out["P(beats)"] = _fmt(result["prob_beats_control"][i], ".3f")
            out["loss(ship)"] = _fmt(result["expected_loss_treatment"][i], ".3g")
        else:
            out["CI (abs)"] = _interval(result["effect_ci_low"][i], result["effect_ci_high"][i], "+.4g")
            out["uplift"] = _fmt(result["rel_effect"][i], "+.2%")
            out["CI (rel)"] = _interval(result["rel_ci_low"][i], result["rel_ci_high"][i], "+.2%")
            out["p"] = _fmt(result["p_value"][i], ".3g")
            out["p adj"] = _fmt(result["p_value_adjusted"][i], ".3g")
        out["decision"] = result["decision"][i]
        out["warnings"] = ", ".join(code for code, mask in result.warning_flags.items() if mask[i])
        rows.append(out)
    frame = pd.DataFrame(rows)
    if frame["experiment"].nunique() == 1:
        frame = frame.drop(columns="experiment")
    return frame


def _header(result: Result) -> str:
    s = result.settings
    parts = [f"abstats Result ({result.method}, schema {result.schema_version})"]
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
        lines.append(f"- {result['treatment'][i]} vs {result['control'][i]} ({result['metric'][i]}): {result.reasons[i]}")
        lines.extend(f"  warning [{w['code']}]: {w['message']}" for w in result.warnings(i))
    return "\n".join(lines)


def render_html(result: Result, max_rows: int = 50) -> str:
    shown = min(len(result), max_rows)
    frame = summary_frame(_head(result, shown))
    notes = []
    for i in range(shown):
        notes.append(f"<li><b>{html.escape(str(result['treatment'][i]))}</b>: {html.escape(result.reasons[i])}</li>")
        notes.extend(
            f"<li style='color:#a15c00'>warning [{w['code']}]: {html.escape(w['message'])}</li>"
            for w in result.warnings(i)
        )
    more = f"<p>... {len(result) - shown} more rows (use to_frame())</p>" if shown < len(result) else ""
    return (
        f"<div><p><b>{html.escape(_header(result))}</b></p>{frame.to_html(index=False)}{more}"
        f"<ul>{''.join(notes)}</ul></div>"
    )


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
    )

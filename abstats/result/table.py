"""A Result as a table of display strings: the rows every display shows (notebook, text, CLI, report).

Three widths of the same cells (formatted by :mod:`abstats.result.cells`):

* ``"terminal"``: metric, comparison, effect with its interval, decision (fits 80 columns);
* ``"compact"``: the default for people: adds control and treatment values, the relative effect with
  its interval, the number that decides (p-value or probability) and the method's extras;
* ``"full"``: adds the arms' sample sizes, the role, the rule and the warning codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from abstats.result.cells import count_cell, effect_cell, format_number, probability_cell, value_pair

if TYPE_CHECKING:
    from abstats.result.result import Result

Detail = Literal["terminal", "compact", "full"]
DETAILS: tuple[Detail, ...] = ("terminal", "compact", "full")


def level_label(result: Result) -> str:
    """'95% CI' (or '95% cred.') from the recorded level, when one level holds for every row.

    Bonferroni-adjusted intervals (Holm, Bonferroni) read '95% CI, adj.': simultaneous over the family.
    """
    s = result.settings
    label = result.method_object.display.interval_label
    level = s.get("ci_level")
    if level is None and isinstance(s.get("alpha"), float):
        level = 1 - s["alpha"]
    adjusted = ", adj." if s.get("ci_adjusted") is True else ""
    return f"{level:.0%} {label}{adjusted}" if isinstance(level, float) else label


def several_experiments(result: Result) -> bool:
    return len(set(result["experiment"].tolist())) > 1


def result_rows(result: Result, detail: Detail = "compact") -> tuple[list[str], list[list[str]]]:
    """(headers, rows of strings) of ``result`` at one of :data:`DETAILS`.

    Parameters
    ----------
    result
        Any Result.
    detail
        ``"terminal"``, ``"compact"`` (default) or ``"full"``.

    Examples
    --------
    >>> import abstats
    >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     metric=abstats.BinaryMetric("signup"), control="A")
    >>> headers, rows = result_rows(r)
    >>> headers[4:6], rows[0][4:6]
    (['effect [95% CI, adj.]', 'relative [95% CI, adj.]'], ['+3.00 [+0.21, +5.79] pp', '+30.0% [+1.7%, +66.2%]'])
    """
    if detail not in DETAILS:
        from abstats.errors import ConfigError

        raise ConfigError("detail", detail, "one of " + ", ".join(DETAILS))
    display = result.method_object.display
    abs_low, abs_high = display.interval_columns("absolute")
    rel_low, rel_high = display.interval_columns("relative")
    several = several_experiments(result)
    label = level_label(result)
    full, wider = detail == "full", detail != "terminal"
    headers = ["experiment"] if several else []
    headers.append("metric")
    headers += ["role"] if full else []
    headers.append("comparison")
    headers += ["control n", "treatment n"] if full else []
    headers += ["control", "treatment"] if wider else []
    headers.append(f"effect [{label}]")
    headers += [f"relative [{label}]"] if wider else []
    if wider and display.probability is not None:
        headers.append(display.probability[1])
    headers += [header for _, header, _ in display.extra] if wider else []
    headers.append("decision")
    headers += ["rule", "warnings"] if full else []

    columns = {name: result[name].tolist() for name in (
        "experiment", "metric", "metric_type", "role", "control", "treatment", "control_n", "treatment_n",
        "control_estimate", "treatment_estimate", "effect", abs_low, abs_high, "rel_effect", rel_low, rel_high,
        "decision")}
    probability = result[display.probability[0]].tolist() if display.probability is not None else None
    extras = [(result[column].tolist(), spec) for column, _, spec in display.extra]
    rules = result.rules.tolist()
    rows = []
    for i in range(len(result)):
        kind, role = columns["metric_type"][i], str(columns["role"][i])
        row = [str(columns["experiment"][i])] if several else []
        if full:
            row += [str(columns["metric"][i]), role]
        else:  # the role on its own line keeps the column narrow (markdown joins the lines with a space)
            row.append(str(columns["metric"][i]) + ("" if role == "primary" else f"\n({role})"))
        row.append(f"{columns['treatment'][i]} vs {columns['control'][i]}")
        if full:
            row += [count_cell(columns["control_n"][i]), count_cell(columns["treatment_n"][i])]
        if wider:
            row += list(value_pair(columns["control_estimate"][i], columns["treatment_estimate"][i], kind=kind))
        row.append(effect_cell(columns["effect"][i], columns[abs_low][i], columns[abs_high][i], kind=kind))
        if wider:
            row.append(effect_cell(columns["rel_effect"][i], columns[rel_low][i], columns[rel_high][i], kind=kind,
                                   relative=True))
            if probability is not None:
                row.append(probability_cell(probability[i]))
            row += [format_number(values[i], spec) for values, spec in extras]
        row.append(str(columns["decision"][i]))
        if full:
            row += [str(rules[i]), ", ".join(code for code, mask in result.warning_flags.items() if mask[i])]
        rows.append(row)
    return headers, rows

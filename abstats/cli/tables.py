"""A Result as rows of display strings, and those rows as a terminal table, markdown or CSV.

Rates are percentages and absolute rate effects percentage points (binary metrics), counts are
integers, other values four significant digits. Cells are never cut: the terminal table folds a
cell that does not fit (rich ``overflow="fold"``) instead of ending it with an ellipsis.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from abstats.result.render import format_number

if TYPE_CHECKING:
    from rich.console import Console

    from abstats.result import Result

COMPACT = ("metric", "comparison", "effect", "decision")


def _value(x: Any, binary: bool, signed: bool = False) -> str:
    """A rate as a percentage (pp when signed: an absolute difference of rates), else 4 significant digits."""
    if binary:
        text = format_number(None if x is None else 100 * float(x), "+.2f" if signed else ".2f")
        return text if text in ("-", "inf", "-inf") else text + (" pp" if signed else "%")
    return format_number(x, "+.4g" if signed else ".4g")


def _interval(low: Any, high: Any, binary: bool) -> str:
    lo, hi = _value(low, binary, signed=True), _value(high, binary, signed=True)
    if binary:  # one unit for the pair: "[+0.20, +1.10] pp"
        lo, hi = lo.removesuffix(" pp"), hi.removesuffix(" pp")
        return f"[{lo}, {hi}]" + (" pp" if lo != "-" or hi != "-" else "")
    return f"[{lo}, {hi}]"


def _count(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{int(round(float(x))):,}"


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


def result_rows(result: Result, *, wide: bool = False) -> tuple[list[str], list[list[str]]]:
    """(headers, rows of strings): the compact four columns, or with ``wide`` every column people read."""
    display = result.method_object.display
    abs_low, abs_high = display.interval_columns("absolute")
    rel_low, rel_high = display.interval_columns("relative")
    several = len(set(result["experiment"].tolist())) > 1
    label = level_label(result)
    headers: list[str]
    if wide:
        headers = ["experiment"] if several else []
        headers += ["metric", "role", "comparison", "control n", "treatment n", "control", "treatment",
                    "effect", f"{label} (abs)", "uplift", f"{label} (rel)"]
        if display.probability is not None:
            headers.append(display.probability[1])
        headers += [header for _, header, _ in display.extra]
        headers += ["decision", "rule", "warnings"]
    else:
        headers = (["experiment"] if several else []) + ["metric", "comparison", f"effect [{label}]", "decision"]
    rows = []
    for i in range(len(result)):
        binary = result["metric_type"][i] == "binary"
        comparison = f"{result['treatment'][i]} vs {result['control'][i]}"
        role = str(result["role"][i])
        effect = _value(result["effect"][i], binary, signed=True)
        interval = _interval(result[abs_low][i], result[abs_high][i], binary)
        row = [str(result["experiment"][i])] if several else []
        if wide:
            row += [str(result["metric"][i]), role, comparison, _count(result["control_n"][i]),
                    _count(result["treatment_n"][i]), _value(result["control_estimate"][i], binary),
                    _value(result["treatment_estimate"][i], binary), effect, interval,
                    format_number(result["rel_effect"][i], "+.2%"),
                    f"[{format_number(result[rel_low][i], '+.2%')}, {format_number(result[rel_high][i], '+.2%')}]"]
            if display.probability is not None:
                row.append(format_number(result[display.probability[0]][i], ".3g"))
            row += [format_number(result[column][i], spec) for column, _, spec in display.extra]
            row += [str(result["decision"][i]), str(result.rules[i]),
                    ", ".join(code for code, mask in result.warning_flags.items() if mask[i])]
        else:
            # the role on its own line keeps the column narrow (markdown joins the lines with a space)
            metric = str(result["metric"][i]) + ("" if role == "primary" else f"\n({role})")
            cell = f"{effect.removesuffix(' pp')} {interval}" if binary else f"{effect} {interval}"
            row += [metric, comparison, cell, str(result["decision"][i])]
        rows.append(row)
    return headers, rows


def print_table(
    console: Console, headers: list[str], rows: list[list[str]], *, title: str | None = None,
    fit: bool = False,
) -> None:
    """A rich table whose cells fold instead of ending in an ellipsis.

    ``fit``: widen a console that is not a terminal to the table's natural width (``--wide`` piped to
    a file is read there, not in an 80-column window).
    """
    from rich import box
    from rich.table import Table

    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, collapse_padding=True,
                  show_edge=False)
    widths = [max([_width(h)] + [_width(r[j]) for r in rows]) for j, h in enumerate(headers)]
    # labels and decisions read badly broken: keep them whole when the other columns can give way
    short = [j for j, h in enumerate(headers) if h in ("comparison", "decision", "experiment")]
    keep_whole = sum(widths[j] + 2 for j in short) <= console.width // 2
    for j, header in enumerate(headers):
        numeric = any(_looks_numeric(r[j]) for r in rows) and header not in ("metric", "comparison", "decision")
        table.add_column(header, justify="right" if numeric else "left", overflow="fold",
                         no_wrap=keep_whole and j in short)
    for row in rows:
        table.add_row(*row)
    if fit and not console.is_terminal:
        from rich.measure import Measurement

        natural = Measurement.get(console, console.options.update(max_width=10_000), table).maximum
        console.width = max(console.width, natural)
    console.print(table)


def _width(cell: str) -> int:
    return max(len(line) for line in cell.split("\n"))


def _looks_numeric(cell: str) -> bool:
    return bool(cell) and (cell[0].isdigit() or cell[0] in "+-[") and cell != "-"


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table (pipes in cells escaped).

    Examples
    --------
    >>> print(markdown_table(["metric", "effect"], [["signup", "+1.2 pp"]]))
    | metric | effect |
    |---|---|
    | signup | +1.2 pp |
    """

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict_lines(result: Result) -> list[str]:
    """'experiment: verdict (treatments): reason', one per experiment."""
    several = len(set(result["experiment"].tolist())) > 1
    out = []
    for v in result.verdicts():
        ship = f" ({', '.join(map(str, v['ship']))})" if v["ship"] else ""
        where = f"{v['experiment']}: " if several else ""
        out.append(f"{where}{v['verdict']}{ship}: {v['reason']}")
    return out


def result_markdown(result: Result, *, wide: bool = False, title: str | None = None) -> str:
    """Verdict first, then the table, then each row's reason.

    Examples
    --------
    >>> import abstats
    >>> r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
    ...                     metric=abstats.BinaryMetric("signup"), control="A")
    >>> print(result_markdown(r).splitlines()[0])
    **Verdict: ship** (B): every primary metric of B won and no guardrail failed: ship
    """
    headers, rows = result_rows(result, wide=wide)
    several = len(set(result["experiment"].tolist())) > 1
    parts = [f"### {title}"] if title else []
    for v in result.verdicts():
        where = f"{v['experiment']}: " if several else ""
        ship = f" ({', '.join(map(str, v['ship']))})" if v["ship"] else ""
        parts.append(f"{where}**Verdict: {v['verdict']}**{ship}: {v['reason']}")
    parts.append(markdown_table(headers, rows))
    parts.append("\n".join(f"- {result['metric'][i]}, {result['treatment'][i]}: {result.reason(i)}"
                           for i in range(len(result))))
    return "\n\n".join(parts) + "\n"

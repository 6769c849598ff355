"""A Result on a terminal (rich): the table with coloured decisions, the verdicts, then the grouped notes.

The CLI prints through :func:`print_result`; ``str(result)`` is the same output without colour.
Cells are never cut: a cell that does not fit folds (rich ``overflow="fold"``) instead of ending in
an ellipsis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from abstats.result.decision_style import DECISION_TERMINAL_STYLES
from abstats.result.notes import grouped_notes
from abstats.result.table import Detail, result_rows, several_experiments

if TYPE_CHECKING:
    from rich.console import Console

    from abstats.result.result import Result


def print_table(
    console: Console, headers: list[str], rows: list[list[str]], *, title: str | None = None,
    fit: bool = False,
) -> None:
    """A rich table whose cells fold instead of ending in an ellipsis; decisions in their colour.

    ``fit``: widen a console that is not a terminal to the table's natural width (``--wide`` piped to
    a file is read there, not in an 80-column window).
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False, collapse_padding=True,
                  show_edge=False)
    whole = _columns_kept_whole(headers, rows, console.width)
    for j, header in enumerate(headers):
        numeric = any(_looks_numeric(r[j]) for r in rows) and header not in ("metric", "comparison", "decision")
        table.add_column(header, justify="right" if numeric else "left", overflow="fold", no_wrap=j in whole)
    decision = headers.index("decision") if "decision" in headers else -1
    for row in rows:
        cells = [Text(c, style=DECISION_TERMINAL_STYLES.get(c, "")) if j == decision else Text(c)  # type: ignore[call-overload]
                 for j, c in enumerate(row)]
        table.add_row(*cells)
    if fit and not console.is_terminal:
        from rich.measure import Measurement

        natural = Measurement.get(console, console.options.update(max_width=10_000), table).maximum
        console.width = max(console.width, natural)
    console.print(table)


# columns that read badly broken, most important first: kept on one line while the others can give way
_WHOLE_FIRST = ("decision", "experiment", "metric", "effect", "comparison")
_NARROWEST = 8  # what a wrapping column keeps at least


def _columns_kept_whole(headers: list[str], rows: list[list[str]], width: int) -> set[int]:
    """Indices of the columns printed unbroken: greedily by :data:`_WHOLE_FIRST` while the rest still fit."""
    widths = [max([_width(h)] + [_width(r[j]) for r in rows]) + 2 for j, h in enumerate(headers)]
    kept: set[int] = set()
    for name in _WHOLE_FIRST:
        for j, header in enumerate(headers):
            if header.split(" ")[0] != name or j in kept:
                continue
            others = sum(min(widths[k], _NARROWEST) for k in range(len(headers)) if k not in kept and k != j)
            if sum(widths[k] for k in kept) + widths[j] + others <= width:
                kept.add(j)
    return kept


def _width(cell: str) -> int:
    return max(len(line) for line in cell.split("\n"))


def _looks_numeric(cell: str) -> bool:
    return bool(cell) and (cell[0].isdigit() or cell[0] in "+-[<") and cell != "-"


def verdict_lines(result: Result) -> list[str]:
    """'experiment: verdict (treatments): reason', one per experiment."""
    several = several_experiments(result)
    out = []
    for v in result.verdicts():
        ship = f" ({', '.join(map(str, v['ship']))})" if v["ship"] else ""
        where = f"{v['experiment']}: " if several else ""
        out.append(f"{where}{v['verdict']}{ship}: {v['reason']}")
    return out


def note_lines(result: Result, rows: int | None = None) -> list[tuple[str, str]]:
    """(style, line) of the grouped notes: experiment, then per metric its comparisons' reasons, then warnings."""
    several = several_experiments(result)
    lines: list[tuple[str, str]] = []
    for group in grouped_notes(result, rows):
        indent = "  " if several else ""
        if several:
            lines.append(("bold", f"{group.experiment}"))
        for metric in group.metrics:
            if len(metric.reasons) == 1:
                comparison, reason = metric.reasons[0]
                lines.append(("", f"{indent}- {metric.metric}, {comparison}: {reason}"))
                continue
            lines.append(("", f"{indent}- {metric.metric}"))
            lines += [("", f"{indent}  - {comparison}: {reason}") for comparison, reason in metric.reasons]
        lines += [("yellow", f"{indent}- warning [{w.code}] ({w.where}): {w.message}") for w in group.warnings]
    return lines


def print_result(result: Result, console: Console, *, detail: Detail = "terminal", title: str | None = None,
                 max_rows: int | None = None, fit: bool | None = None) -> None:
    """The table at ``detail``, then the verdicts and the grouped notes, decisions in their colour.

    ``fit`` (default: for the full table) widens a console that is not a terminal to the table's width.
    """
    shown = len(result) if max_rows is None else min(max_rows, len(result))
    headers, rows = result_rows(result, detail)
    print_table(console, headers, rows[:shown], title=title, fit=detail == "full" if fit is None else fit)
    if shown < len(result):
        console.print(f"... {len(result) - shown} more rows (to_frame() has them all)", highlight=False)
    console.print()
    from rich.text import Text

    soft = not console.is_terminal
    for line in verdict_lines(result):
        console.print(Text.assemble(("verdict", "bold"), " " + line), highlight=False, soft_wrap=soft)
    for style, line in note_lines(result, shown):
        console.print(line, style=style or None, highlight=False, soft_wrap=soft, markup=False)

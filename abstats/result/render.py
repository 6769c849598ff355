"""Text and HTML renderings of a Result for terminals and notebooks (compact by default, full on request).

Both show the same cells (:mod:`abstats.result.table`), decisions in their colour
(:mod:`abstats.result.decision_style`) and the notes grouped by experiment and metric.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

from abstats.result.cells import format_number
from abstats.result.decision_style import decision_colour
from abstats.result.notes import grouped_notes
from abstats.result.table import Detail, result_rows, several_experiments

if TYPE_CHECKING:
    from abstats.result.result import Result

__all__ = ["format_number", "header", "html_notes", "html_table", "render_html", "render_text", "summary_frame"]


def summary_frame(result: Result, detail: Detail = "compact") -> Any:
    """One formatted row per comparison (strings), for display only: the cells of :func:`result_rows`."""
    import pandas as pd

    headers, rows = result_rows(result, detail)
    return pd.DataFrame([[cell.replace("\n", " ") for cell in row] for row in rows], columns=headers)


def header(result: Result) -> str:
    """'abstats Result (method, schema 1.1), alpha=0.05, ...': what produced the numbers."""
    s = result.settings
    parts = [f"abstats Result ({result.method_object.label}, schema {result.schema_version})"]
    parts += [f"{key}={format_number(s[key], 'g') if isinstance(s[key], float) else s[key]}"
              for key in ("alpha", "ci_level", "alternative", "correction") if key in s]
    return ", ".join(parts)


def render_text(result: Result, max_rows: int = 50, detail: Detail = "compact") -> str:
    """The terminal rendering without colour; the table at its natural width, like a DataFrame's text.

    (The CLI folds cells to the terminal's width instead; a ``str`` is also logged and diffed.)
    """
    from io import StringIO

    from rich.console import Console

    from abstats.result.terminal import print_result

    buffer = StringIO()
    console = Console(file=buffer, width=80, color_system=None, force_terminal=False, highlight=False)
    console.print(header(result), highlight=False, soft_wrap=True, markup=False)
    print_result(result, console, detail=detail, max_rows=max_rows, fit=True)
    return buffer.getvalue().rstrip("\n")


def html_table(headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table of display cells; the decision cell in its colour; line breaks kept."""
    decision = headers.index("decision") if "decision" in headers else -1

    def cell(j: int, text: str) -> str:
        body = html.escape(text).replace("\n", "<br>")
        if j == decision:
            return f'<td class="decision" style="color:{decision_colour(text)};font-weight:600">{body}</td>'
        numeric = text[:1].isdigit() or text[:1] in "+-<" and text != "-"
        return f'<td style="text-align:{"right" if numeric else "left"}">{body}</td>'

    head = "".join(f'<th style="text-align:left">{html.escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(cell(j, c) for j, c in enumerate(row)) + "</tr>" for row in rows)
    return f'<table class="abstats-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def html_notes(result: Result, rows: int | None = None) -> str:
    """The grouped notes as HTML lists: per experiment, each metric's reasons, then each warning once."""
    several = several_experiments(result)
    parts = []
    for group in grouped_notes(result, rows):
        items = []
        for metric in group.metrics:
            reasons = "".join(f"<li>{html.escape(c)}: {html.escape(r)}</li>" for c, r in metric.reasons)
            items.append(f"<li><b>{html.escape(metric.metric)}</b><ul>{reasons}</ul></li>")
        items += [
            f'<li class="warning" style="color:#9a6700">warning [{html.escape(w.code)}] ({html.escape(w.where)}): '
            f"{html.escape(w.message)}</li>"
            for w in group.warnings
        ]
        title = f"<p><b>{html.escape(str(group.experiment))}</b></p>" if several else ""
        parts.append(f"{title}<ul>{''.join(items)}</ul>")
    return "".join(parts)


def html_verdicts(result: Result) -> str:
    """One line per experiment: the verdict in bold, the treatments that ship, the reason."""
    several = several_experiments(result)
    lines = []
    for v in result.verdicts():
        where = f"{html.escape(str(v['experiment']))}: " if several else ""
        ship = f" ({html.escape(', '.join(map(str, v['ship'])))})" if v["ship"] else ""
        lines.append(f'<p class="verdict">{where}<b>Verdict: {html.escape(v["verdict"])}</b>{ship}: '
                     f"{html.escape(v['reason'])}</p>")
    return "".join(lines)


def render_html(result: Result, max_rows: int = 50, detail: Detail = "compact") -> str:
    """The notebook rendering: header, verdicts, the table at ``detail``, then the grouped notes."""
    shown = min(len(result), max_rows)
    headers, rows = result_rows(result, detail)
    more = f"<p>... {len(result) - shown} more rows (to_frame() has them all)</p>" if shown < len(result) else ""
    return (
        f"<div><p><b>{html.escape(header(result))}</b></p>{html_verdicts(result)}"
        f"{html_table(headers, rows[:shown])}{more}{html_notes(result, shown)}</div>"
    )

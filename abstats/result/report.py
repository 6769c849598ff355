"""One self-contained HTML file of a Result: verdict, table, plots, notes and settings.

The file a CI job uploads as an artifact or a CRO tool links to: inline CSS, plots as inline SVG,
no script and no reference to anything on the network, so it opens the same offline, in a mail
client or years later. Every plot in :data:`REPORT_PLOTS` that applies to the Result is drawn; a new
plot joins the report by adding one :class:`ReportPlot` there.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from abstats.result.decision_style import decision_colour
from abstats.result.render import header, html_notes, html_table
from abstats.result.table import result_rows, several_experiments

if TYPE_CHECKING:
    from abstats.result.result import Result

MAX_TABLE_ROWS = 500
"""Rows shown in the report's tables; the JSON (``to_json``) has every row."""

MAX_PLOT_ROWS = 60
"""Comparisons up to which a per-row plot (the forest plot) is drawn: beyond, its labels cannot be read."""


@dataclass(frozen=True)
class ReportPlot:
    """A plot the report draws when it applies to the Result.

    Attributes
    ----------
    title
        Caption under the plot.
    applies
        Whether the plot can be drawn for this Result (method, metric kinds, size).
    draw
        Draws it; returns the matplotlib Figure (or an Axes of it).
    """

    title: str
    applies: Callable[[Result], bool]
    draw: Callable[[Result], Any]


def _has_relative_effects(result: Result) -> bool:
    rel = np.asarray(result["rel_effect"], dtype=float)
    return 0 < len(result) <= MAX_PLOT_ROWS and bool(np.isfinite(rel).any())


def _has_several_metrics(result: Result) -> bool:  # a funnel draws its stages' absolute effects itself
    return 0 < len(result) <= MAX_PLOT_ROWS and len(set(result["metric"].tolist())) > 1 and not _is_funnel(result)


def _is_funnel(result: Result) -> bool:
    return 0 < len(result) <= MAX_PLOT_ROWS and isinstance(result.settings.get("funnel"), Mapping)


def _has_posteriors(result: Result) -> bool:
    return 0 < len(result) <= MAX_PLOT_ROWS and result.method_object.effect_posterior is not None


REPORT_PLOTS: tuple[ReportPlot, ...] = (
    ReportPlot("Relative effect of each comparison with its interval, coloured by decision",
               _has_relative_effects, lambda result: result.plot("relative")),
    ReportPlot("Absolute effect per metric, each in its own units (rates in percentage points)",
               _has_several_metrics, lambda result: result.plot("absolute")),
    ReportPlot("Funnel of each variant: units reaching each stage, with their conversion",
               _is_funnel, lambda result: result.plot_funnel()),
    ReportPlot("Effect at each funnel stage with its interval, coloured by decision",
               _is_funnel, lambda result: result.plot_stage_effects()),
    ReportPlot("Posterior density of each comparison's relative effect",
               _has_posteriors, lambda result: result.plot_posteriors("relative")),
)
"""Every plot the report may show, in order."""

# a verdict in the colour of the decision it stands for (decision_style is the one palette)
_VERDICT_DECISION = {"ship": "stop_winner", "dont_ship": "stop_loser", "keep_running": "continue",
                     "investigate": "investigate"}

_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;margin:2rem auto;
max-width:72rem;padding:0 1rem;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
.meta{color:#57606a;font-size:.9rem}
.verdict{font-size:1.1rem;padding:.6rem .9rem;border-left:.35rem solid;background:#f6f8fa;margin:.5rem 0}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
th,td{padding:.3rem .6rem;border-bottom:1px solid #d0d7de;vertical-align:top}
th{background:#f6f8fa}td{font-variant-numeric:tabular-nums}
figure{margin:1rem 0}figcaption{color:#57606a;font-size:.9rem}
svg.abstats-plot{max-width:100%;height:auto}
details summary{cursor:pointer;color:#0969da}
.warning{color:#9a6700}
"""


def html_report(result: Result, *, title: str | None = None) -> str:
    """The report as one HTML document (a string); :func:`write_html_report` writes it to a file.

    Parameters
    ----------
    result
        Any Result.
    title
        Heading of the page; default ``"abstats report"``.
    """
    from abstats import __version__

    title = title or "abstats report"
    shown = min(len(result), MAX_TABLE_ROWS)
    headers, rows = result_rows(result, "compact")
    full_headers, full_rows = result_rows(result, "full")
    more = (f"<p class='meta'>{shown:,} of {len(result):,} comparisons shown; the JSON "
            "(<code>Result.to_json()</code>) has them all.</p>") if shown < len(result) else ""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p class='meta'>{html.escape(header(result))} · abstats {html.escape(__version__)} · {stamp}</p>",
        "<section id='verdict'><h2>Verdict</h2>" + _verdicts(result) + "</section>",
        "<section id='table'><h2>Comparisons</h2>" + html_table(headers, rows[:shown]) + more
        + "<details><summary>Every column</summary>" + html_table(full_headers, full_rows[:shown])
        + "</details></section>",
        _plots(result),
        "<section id='notes'><h2>Reasons and warnings</h2>" + html_notes(result, shown) + "</section>",
        "<section id='settings'><h2>Settings</h2>" + _settings(result) + "</section>",
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(section for section in sections if section)
        + "\n</body></html>\n"
    )


def write_html_report(result: Result, path: str | Path, *, title: str | None = None, field: str = "path") -> Path:
    """Write :func:`html_report` to ``path`` atomically; returns the path.

    Raises
    ------
    OutputError
        The folder does not exist or the file cannot be written (``field`` names the path in the message).
    """
    from abstats.atomic_file import writable_target, write_atomic

    target = writable_target(path, field=field)  # before the plots are drawn: a typo in the path fails at once
    write_atomic(target, html_report(result, title=title), field=field)
    return target


def _verdicts(result: Result) -> str:
    several = several_experiments(result)
    lines = []
    for v in result.verdicts()[:MAX_TABLE_ROWS]:
        colour = decision_colour(_VERDICT_DECISION.get(v["verdict"]))
        where = f"{html.escape(str(v['experiment']))}: " if several else ""
        ship = f" ({html.escape(', '.join(map(str, v['ship'])))})" if v["ship"] else ""
        lines.append(f"<p class='verdict' style='border-color:{colour}'>{where}"
                     f"<b style='color:{colour}'>{html.escape(v['verdict'])}</b>{ship}: {html.escape(v['reason'])}</p>")
    return "".join(lines) or "<p>No comparisons.</p>"


def _plots(result: Result) -> str:
    figures = []
    for number, plot in enumerate(REPORT_PLOTS, start=1):
        if not plot.applies(result):
            continue
        svg = figure_svg(plot.draw(result), prefix=f"plot{number}-")
        figures.append(f"<figure>{svg}<figcaption>{html.escape(plot.title)}</figcaption></figure>")
    if not figures:
        return ""
    return "<section id='plots'><h2>Plots</h2>" + "".join(figures) + "</section>"


_SVG_ID = re.compile(r'\bid="([^"]+)"')


def figure_svg(drawn: Any, *, prefix: str) -> str:
    """A matplotlib Figure (or Axes) as an inline ``<svg>`` element, then closed.

    Text is drawn as paths (no fonts needed), ids are prefixed so several plots share one page, and
    the XML prologue, DTD and namespace URLs are dropped: inline SVG in HTML needs none of them,
    and the report references nothing outside itself.
    """
    import io

    import matplotlib
    import matplotlib.pyplot as plt

    figure = drawn.figure  # an Axes' figure, or the Figure itself
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "abstats"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight",
                       metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    plt.close(figure)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    ids = set(_SVG_ID.findall(svg))
    svg = _SVG_ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
    svg = re.sub(r"#([\w.-]+)", lambda m: f"#{prefix}{m.group(1)}" if m.group(1) in ids else m.group(0), svg)
    svg = svg.replace("<svg ", "<svg class='abstats-plot' role='img' ", 1)
    return svg.replace("*{stroke-linejoin", "svg.abstats-plot *{stroke-linejoin", 1)


def _settings(result: Result) -> str:
    rows = [("method", f"{result.method} ({result.method_object.label})"), ("schema", result.schema_version)]
    rows += [(str(key), _setting_text(value)) for key, value in result.settings.items() if key != "method"]
    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in rows)
    return f"<table class='settings'>{body}</table>"


def _setting_text(value: Any) -> str:
    if isinstance(value, dict) and "per_row" in value:
        distinct = list(dict.fromkeys(map(str, value["per_row"])))
        return "per row: " + ", ".join(distinct)
    return str(value)

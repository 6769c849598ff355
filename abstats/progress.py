"""Progress display for long steps (MCMC sampling, planning simulations, event aggregation), on stderr.

Every long entry point takes ``progress: bool | None = None``: True shows it, False silences it,
None (the default) shows it only when someone is watching, i.e. when stderr is a terminal or the
code runs in a Jupyter kernel. CI logs and pipes stay clean. Drawn with rich (already a dependency);
live updates in Jupyter need ``ipywidgets`` (rich's requirement), without it a notebook gets the
final state of the bar.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from abstats.errors import ConfigError


def show_progress(progress: bool | None) -> bool:
    """Whether to draw progress: ``progress`` if given, else whether stderr is watched (a TTY or Jupyter).

    Parameters
    ----------
    progress
        True, False or None (automatic).

    Examples
    --------
    >>> show_progress(False), show_progress(True)
    (False, True)
    """
    if progress is None:
        return in_jupyter() or _stderr_is_terminal()
    if not isinstance(progress, bool):
        raise ConfigError("progress", progress, "True, False or None (shown when stderr is a terminal or Jupyter)")
    return progress


def in_jupyter() -> bool:
    """Whether this runs in a Jupyter kernel (a notebook, JupyterLab, VS Code's notebooks)."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and type(ipython).__name__ == "ZMQInteractiveShell"


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


class ProgressBar:
    """A progress bar (``total`` steps) or a spinner (``total=None``) for one step, as a context manager.

    Draws nothing unless :func:`show_progress` says so; ``advance`` is then a no-op.

    Parameters
    ----------
    description
        What is running ("aggregating events in duckdb").
    total
        Number of steps, or None for a spinner with the elapsed time.
    progress
        True, False or None (automatic), as in :func:`show_progress`.

    Examples
    --------
    >>> with ProgressBar("simulating", total=3, progress=False) as bar:
    ...     for _ in range(3):
    ...         bar.advance()
    """

    def __init__(self, description: str, *, total: float | None = None, progress: bool | None = None) -> None:
        self.description = description
        self.total = total
        self.enabled = show_progress(progress)
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            from rich import progress as rp

            columns: list[Any] = [rp.SpinnerColumn(), rp.TextColumn("{task.description}"), rp.BarColumn()]
            if self.total is not None:
                columns.append(rp.MofNCompleteColumn())
            columns.append(rp.TimeElapsedColumn())
            self._bar = rp.Progress(*columns, console=_console(), transient=False)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
        return self

    def advance(self, steps: float = 1) -> None:
        """Move the bar on by ``steps``."""
        if self._bar is not None:
            self._bar.advance(self._task, steps)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._bar is not None:
            if kind is None and self.total is not None:
                self._bar.update(self._task, completed=self.total)  # a step that stops early still ends full
            self._bar.stop()
            self._bar = None


def _console() -> Any:
    from importlib.util import find_spec

    from rich.console import Console

    if in_jupyter() and find_spec("ipywidgets") is None:  # rich draws live notebook output through ipywidgets
        return Console(file=sys.stderr, force_jupyter=False)
    return Console(stderr=True)

"""Errors as exit codes, Results on the terminal, and files written whole or not at all.

Kept free of numpy/pandas at import: every command module imports this one, and ``abstats --help``
must start fast.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from abstats.errors import AbstatsError, ConfigError

if TYPE_CHECKING:
    from rich.console import Console

    from abstats.result import Result

# Exit codes a pipeline can trust (documented in `abstats check --help` and the README).
EXIT_OK = 0
EXIT_RULE_FAILED = 1
EXIT_BAD_INPUT = 2


class _Flags:
    """Process-wide switches set by the root callback (`abstats --debug ...`)."""

    debug = False


FLAGS = _Flags()


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` as one line on stderr; the caller raises the returned Exit(2)."""
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    sys.stderr.flush()
    return typer.Exit(EXIT_BAD_INPUT)


@contextmanager
def abstats_errors() -> Iterator[None]:
    """Bad input becomes one line on stderr and exit code 2, never a traceback (unless ``--debug``).

    abstats' own warnings about the data (units seen in two variants...) are one ``warning:`` line each.
    """
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warning_line
            yield
    except (typer.Exit, typer.Abort, typer.TyperException):  # typer's own exits and usage errors pass through
        raise
    except AbstatsError as exc:
        if FLAGS.debug:
            raise
        raise fail(str(exc)) from None
    except Exception as exc:  # a bug, not bad input: still one line, and no verdict (exit 2)
        if FLAGS.debug:
            raise
        raise fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)") from None


def _warning_line(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: object = None,
    line: str | None = None,
) -> None:
    from abstats.errors import AbstatsWarning

    if issubclass(category, AbstatsWarning) and not FLAGS.debug:
        sys.stderr.write("warning: " + " ".join(str(message).split()) + "\n")
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def check_format(fmt: str, allowed: tuple[str, ...]) -> str:
    if fmt not in allowed:
        raise ConfigError("--format", fmt, "one of " + ", ".join(allowed))
    return fmt


def stdout_console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (:func:`abstats.atomic_file.write_atomic`); errors name ``--output``."""
    from abstats.atomic_file import write_atomic as write_file

    write_file(path, text, field="--output")


def print_result(result: Result, console: Console | None = None, *, wide: bool = False) -> None:
    """The compact (or ``wide``) table, then the verdicts and the notes grouped by experiment and metric."""
    from abstats.cli.tables import detail_of
    from abstats.result.terminal import print_result as print_on_terminal

    print_on_terminal(result, console or stdout_console(), detail=detail_of(wide), title=_title(result))


def _title(result: Result) -> str:
    s = result.settings
    parts = ["abstats", result.method_object.label]
    parts += [f"{key}={s[key]}" for key in ("alpha", "ci_level", "alternative", "correction") if key in s]
    return " · ".join(parts)

"""Errors as exit codes, Results on the terminal, and files written whole or not at all.

Kept free of numpy/pandas at import: every command module imports this one, and ``abstats --help``
must start fast.
"""

from __future__ import annotations

import os
import sys
import tempfile
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
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    A reader (or a crash) never sees half a file: the rename replaces the old file in one step.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError("--output", str(path), "a file in an existing folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ConfigError("--output", str(path), f"a writable file ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def print_result(result: Result, console: Console | None = None, *, wide: bool = False) -> None:
    """The compact (or ``wide``) table, then the verdicts and each row's reason and warnings."""
    from abstats.cli.tables import print_table, result_rows, verdict_lines

    console = console or stdout_console()
    headers, rows = result_rows(result, wide=wide)
    print_table(console, headers, rows, title=_title(result), fit=wide)
    console.print()
    for line in verdict_lines(result):
        console.print(f"[bold]verdict[/] {line}", highlight=False, soft_wrap=not console.is_terminal)
    for i in range(len(result)):
        console.print(f"- {result['metric'][i]}, {result['treatment'][i]}: {result.reason(i)}", highlight=False,
                      soft_wrap=not console.is_terminal)
        for w in result.warnings(i):
            console.print(f"  [yellow]warning[/] [{w['code']}] {w['message']}", highlight=False,
                          soft_wrap=not console.is_terminal)


def _title(result: Result) -> str:
    s = result.settings
    parts = ["abstats", result.method_object.label]
    parts += [f"{key}={s[key]}" for key in ("alpha", "ci_level", "alternative", "correction") if key in s]
    return " · ".join(parts)

"""Files written whole or not at all: a temporary file in the same folder, then one rename.

Kept free of numpy/pandas: the CLI imports it and ``abstats --help`` must start fast.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from abstats.errors import OutputError


def writable_target(path: str | Path, *, field: str = "path") -> Path:
    """``path`` as a Path, checked before any work is done: its folder exists and it is not a folder.

    Raises
    ------
    OutputError
        Naming ``field`` and the path.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise OutputError(field, str(path), "a file in an existing folder")
    if target.is_dir():
        raise OutputError(field, str(path), "a file name, not a folder")
    return target


def write_atomic(path: str | Path, text: str, *, field: str = "path") -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder and a rename.

    A reader (or a crash) never sees half a file: the rename replaces the old file in one step.

    Parameters
    ----------
    path
        The file to write; its folder must exist.
    text
        The whole content.
    field
        The name errors give the path (``"path"``, ``"--output"``).

    Raises
    ------
    OutputError
        The folder is missing, or the file cannot be written (permissions, a directory in the way...).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomic(folder / "a.txt", "hello")
    >>> (folder / "a.txt").read_text()
    'hello'
    """
    target = writable_target(path, field=field)
    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(field, str(path), f"a writable file ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); a report is an ordinary file (0644 under the usual umask)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(field, str(path), f"a writable file ({exc.strerror})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

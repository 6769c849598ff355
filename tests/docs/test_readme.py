"""The README's Python blocks run as written, top to bottom in one namespace, so they cannot rot.

Blocks fenced as ```python run; illustrations that need your own files or a running server are fenced ```py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCKS = re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.S | re.M)


def test_the_readme_has_python_examples():
    assert len(BLOCKS) >= 8


@pytest.mark.pymc  # one block fits the PyMC segment model
def test_every_python_block_runs_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    monkeypatch.chdir(README.parent)  # the examples name files relative to the repository
    matplotlib.use("Agg")
    namespace: dict[str, object] = {"__name__": "readme"}
    for i, block in enumerate(BLOCKS):
        try:
            exec(compile(block, f"README.md python block {i + 1}", "exec"), namespace)
        except Exception as exc:  # name the block, then show the original error
            raise AssertionError(f"README python block {i + 1} failed:\n{block}") from exc

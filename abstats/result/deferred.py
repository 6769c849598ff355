"""How a Result column is held when it is not a plain array: a broadcast constant (one value seen through a
zero stride), or a column built when first read: label codes decoded to strings, values the fast path leaves
for later (e.g. the two-arm SRM p-value).

At 1e5 rows an object array of labels (800 kB of pointers, each one a reference count to raise) costs as
much as a p-value column, and a column few readers look at can cost a fifth of a batch call. A method
may therefore hand the Result a *deferred* column: an object with ``materialise()`` (the array, identical
to the one an eager computation gives) and ``len()``. :class:`ResultColumns` builds it on first read and
keeps it, so the Result stays one frozen value to whoever reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import numpy as np


def is_broadcast(arr: np.ndarray) -> bool:
    """A non-empty column that is one value seen through a zero stride (:func:`abstats.result.result.constant`)."""
    return arr.ndim == 1 and len(arr) > 0 and arr.strides == (0,)


def broadcast(value: np.ndarray, n: int) -> np.ndarray:
    """The first element of ``value`` seen ``n`` times through a zero stride (read-only, no copy per row)."""
    return np.broadcast_to(value[:1], (n,))


class Deferred(Protocol):
    """A column built when first read; ``materialise()`` returns the same array every eager path gives."""

    def __len__(self) -> int: ...

    def materialise(self) -> np.ndarray: ...


def is_deferred(value: Any) -> bool:
    """Whether ``value`` is a :class:`Deferred` column (duck-typed: a protocol isinstance check reads every
    member, and a Result checks each of its columns)."""
    return not isinstance(value, np.ndarray) and hasattr(value, "materialise")


def materialised(value: Any) -> Any:
    """The array of a deferred column, or ``value`` itself."""
    return value.materialise() if is_deferred(value) else value


class CodedLabels:
    """A column of a few distinct strings (decisions, rule codes) as small integer codes into a table of
    labels; the object array of strings is built only when read.

    Parameters
    ----------
    codes
        int8 index into ``labels`` per row; handed over (the SRM gate overwrites rows of it in place).
    labels
        The strings the codes stand for.

    Examples
    --------
    >>> c = CodedLabels(np.array([0, 1, 0], dtype=np.int8), ("inconclusive", "stop_winner"))
    >>> c.materialise().tolist()
    ['inconclusive', 'stop_winner', 'inconclusive']
    >>> c.with_label(np.array([False, False, True]), "investigate").materialise().tolist()
    ['inconclusive', 'stop_winner', 'investigate']
    """

    __slots__ = ("codes", "labels")

    def __init__(self, codes: np.ndarray, labels: Sequence[str]) -> None:
        self.codes = codes
        self.labels = tuple(labels)

    def __len__(self) -> int:
        return len(self.codes)

    def materialise(self) -> np.ndarray:
        # the most common label filled in, the others assigned to their rows: less than half the time of
        # looking every row's label up (``table.take(codes)``) at 1e5 rows
        counts = np.bincount(self.codes, minlength=len(self.labels))
        common = int(counts.argmax()) if len(self.codes) else 0
        out = np.empty(len(self.codes), dtype=object)
        out[:] = self.labels[common] if self.labels else None
        for k in np.flatnonzero(counts).tolist():
            if k != common:
                out[self.codes == k] = self.labels[k]
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # any numpy consumer (np.asarray, concatenate, fancy assignment) reads the strings
        values = self.materialise()
        return values if dtype is None else values.astype(dtype)

    def with_label(self, rows: np.ndarray, label: str) -> CodedLabels:
        """The column with ``label`` in the rows of the mask ``rows`` (written into the codes in place)."""
        labels = self.labels if label in self.labels else (*self.labels, label)
        self.codes[rows] = labels.index(label)
        return CodedLabels(self.codes, labels)

    @classmethod
    def concat(cls, parts: Sequence[CodedLabels]) -> CodedLabels:
        """Rows of every part, in order, over one table of labels."""
        labels = tuple(dict.fromkeys(label for part in parts for label in part.labels))
        codes = [np.array([labels.index(label) for label in part.labels], dtype=np.int8).take(part.codes)
                 for part in parts]
        return cls(np.concatenate(codes) if codes else np.zeros(0, dtype=np.int8), labels)


class ResultColumns(Mapping[str, np.ndarray]):
    """A Result's columns: arrays, and deferred columns built on first read (then kept).

    Membership, iteration and length never build a column; reading one does.
    """

    __slots__ = ("_held", "_values")

    def __init__(self, columns: Mapping[str, Any]) -> None:
        self._values = dict(columns)
        self._held: dict[str, Any] = {}  # deferred columns since built: still read by their codes

    def __getitem__(self, name: str) -> np.ndarray:
        value = self._values[name]
        if is_deferred(value):
            self._held[name] = value
            value = self._values[name] = value.materialise()
        return value

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def raw(self, name: str) -> Any:
        """The column as held: a deferred column is not built, nor read as built (e.g. to read decisions by
        their codes after ``to_frame`` built their strings)."""
        return self._held.get(name, self._values[name])

    def __repr__(self) -> str:
        return f"ResultColumns({list(self._values)})"


class DeferredField:
    """A dataclass field holding an array or a deferred column; reading it gives the array (built once).

    The frozen Result's ``__init__`` stores through ``__set__``; user assignment is still refused by the
    frozen dataclass.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self._slot = f"_{name}_held"

    def __get__(self, obj: Any, owner: type | None = None) -> np.ndarray:
        if obj is None:  # no default value for the dataclass field
            raise AttributeError(self._slot)
        value = obj.__dict__[self._slot]
        if is_deferred(value):
            value = obj.__dict__[self._slot] = value.materialise()
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self._slot] = value

    def held(self, obj: Any) -> Any:
        """The value as held, not built."""
        return obj.__dict__[self._slot]


def label_codes(value: Any) -> tuple[np.ndarray, tuple[Any, ...]]:
    """A column of few distinct labels as (codes per row, labels), without building strings.

    Label codes as they are held; a broadcast constant as one label (the codes a zero-stride view);
    any other array factorized (labels in order of first appearance).
    """
    if isinstance(value, CodedLabels):
        return value.codes, value.labels
    arr = np.asarray(value)
    if is_broadcast(arr):
        return broadcast(np.zeros(1, dtype=np.int8), len(arr)), (arr[:1].tolist()[0],)
    few = _few_labels(arr) if arr.dtype == object else None
    if few is not None:
        return few
    import pandas as pd

    codes, uniques = pd.factorize(arr if arr.dtype == object else arr.astype(object), sort=False,
                                   use_na_sentinel=False)
    return codes, tuple(uniques.tolist())


def _few_labels(arr: np.ndarray, most: int = 16) -> tuple[np.ndarray, tuple[Any, ...]] | None:
    """Codes of an object column of at most ``most`` distinct labels (decisions read back as strings), by
    comparing with each label in turn: hashing a million objects (``pd.factorize``) takes ten times longer.
    None when there are more labels, or a value unequal to itself (NaN)."""
    codes = np.zeros(len(arr), dtype=np.int8)
    labels: list[Any] = []
    rows, values = np.arange(len(arr)), arr
    while len(values):
        if len(labels) == most:
            return None
        same = np.asarray(values == values[0], dtype=bool)
        if same.shape != values.shape or not same[0]:
            return None
        codes[rows[same]] = len(labels)
        labels.append(values[0])
        rows, values = rows[~same], values[~same]
    return codes, tuple(labels)

"""pydantic's ValidationError as one :class:`abstats.ConfigError`: file, field path, value, expectation."""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
from pydantic.fields import FieldInfo

from abstats.errors import ConfigError


class SpecError(ConfigError):
    """An invalid experiment spec (or spec data) value, located by file and field path.

    Parameters
    ----------
    field
        Dotted path of the field, lists indexed: ``metrics[2].margin``.
    value
        The value given.
    expected
        What would have been accepted.
    source
        The spec (or data) file, when there is one; it leads the message.

    Examples
    --------
    >>> raise SpecError("metrics[0].margin", -1, "a number > 0", source="exp.yaml")
    Traceback (most recent call last):
    abstats.spec.errors.SpecError: exp.yaml: metrics[0].margin = -1, expected a number > 0
    """

    def __init__(self, field: str, value: Any, expected: str, *, source: str | None = None) -> None:
        super().__init__(field, value, expected)
        self.source = source
        if source is not None:
            self.args = (f"{source}: {self.args[0]}",)


def spec_error(exc: ValidationError, source: str | None = None) -> SpecError:
    """The first error of ``exc`` as a :class:`SpecError` whose field is the path (``metrics[2].margin``).

    Parameters
    ----------
    exc
        pydantic's error from ``ExperimentSpec.model_validate``.
    source
        The file the spec came from, named first in the message.
    """
    from abstats.spec.model import ExperimentSpec

    errors = exc.errors(include_url=False)
    error = errors[0]
    if error["type"] == "missing":  # a misspelt key shows up as "missing" plus "extra": the typo helps more
        error = next((e for e in errors if e["type"] == "extra_forbidden" and e["loc"][:-1] == error["loc"][:-1]),
                     error)
    path, parent, union = _locate(ExperimentSpec, error["loc"])
    if union is not None and union[0] == path and union[1].description:
        # a value that fits no form of an either/or field: say which forms it takes
        return SpecError(path, error["input"], union[1].description, source=source)
    ctx = error.get("ctx") or {}
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        names = list(parent.model_fields) if parent is not None else []
        close = difflib.get_close_matches(key, names, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "known keys: " + ", ".join(names)
        return SpecError(path, error["input"], f"no such key ({hint})", source=source)
    if kind == "union_tag_invalid":  # an unknown metric kind: name the tag field, not the whole entry
        return SpecError(f"{path}.{ctx.get('discriminator', 'kind')}".replace("'", ""), ctx.get("tag"),
                         f"one of {ctx.get('expected_tags')}", source=source)
    if kind == "missing":
        return SpecError(path, None, "a value (required)", source=source)
    if "field" in ctx:  # raised by our own validators: the model's check names a field inside it
        field = str(ctx["field"])
        return SpecError(f"{path}.{field}" if path else field, ctx.get("value"),
                         str(ctx.get("expected", error["msg"])), source=source)
    return SpecError(path or "spec", error["input"], _expectation(error["msg"]), source=source)


def _expectation(message: str) -> str:
    """pydantic's "Input should be greater than 0" as "greater than 0"."""
    for prefix in ("Input should be ", "Value error, "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message[:1].lower() + message[1:]


def _locate(
    model: type[BaseModel], loc: tuple[int | str, ...]
) -> tuple[str, type[BaseModel] | None, tuple[str, FieldInfo] | None]:
    """The display path of ``loc``, the model class holding its last key, and the either/or field passed.

    pydantic's loc names union members and discriminator tags (``metrics.0.binary.margin``,
    ``control.name``); those are steps of validation, not of the document, so they are dropped.
    The last field whose value took one of several forms (``control``: a name or ``{column: NAME}``)
    is returned with its path; metric kinds are not such a field.
    """
    path = ""
    current: Any = model
    parent: type[BaseModel] | None = model
    field_info: FieldInfo | None = None
    union: tuple[str, FieldInfo] | None = None
    for step in loc:
        current = _unwrap(current)
        members = _members(current)
        if isinstance(step, str) and members:
            match = next((m for m in members if _tag(m, step)), None)
            if match is not None:
                if not _discriminated(members) and field_info is not None:
                    union = (path, field_info)
                current = match
                continue
        if isinstance(step, int):
            path += f"[{step}]"
            args = get_args(current)
            current = args[-1] if args else None
            continue
        if isinstance(current, type) and issubclass(current, BaseModel):
            parent = current
            field_info = current.model_fields.get(step)
            current = field_info.annotation if field_info is not None else None
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            current = None
        path += f".{step}" if path else str(step)
    if isinstance(_unwrap(current), type) and issubclass(_unwrap(current), BaseModel):
        parent = _unwrap(current)
    return path, parent, union


def _discriminated(members: list[Any]) -> bool:
    return all(isinstance(m, type) and issubclass(m, BaseModel) and "kind" in m.model_fields for m in members)


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``| None``."""
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    if _is_union(tp):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _members(tp: Any) -> list[Any]:
    return [a for a in get_args(tp) if a is not type(None)] if _is_union(tp) else []


def _tag(member: Any, step: str) -> bool:
    """Whether ``step`` is pydantic's name for union member ``member`` (a tag, a ``kind`` or a type name)."""
    if get_origin(member) is Annotated and any(isinstance(m, Tag) and m.tag == step for m in member.__metadata__):
        return True
    member = _unwrap(member)
    if isinstance(member, type) and issubclass(member, BaseModel):
        kind = member.model_fields.get("kind")
        if kind is not None and step in get_args(kind.annotation):
            return True
        return step == member.__name__
    name = getattr(member, "__name__", None)
    if name is not None and step == name:
        return True
    # parameterised generics: pydantic writes dict[str,float], list[dict[str,...]]
    return step.replace(" ", "") == str(member).replace(" ", "").replace("typing.", "")

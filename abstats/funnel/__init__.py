"""Funnels: an experiment analysed stage by stage (visit -> product view -> add to cart -> purchase).

:class:`Funnel` names the ordered stages (and, for raw events, the condition of each);
:meth:`Funnel.from_counts` and :meth:`Funnel.from_events` give the :class:`FunnelCounts` of every
variant; :meth:`FunnelCounts.analyze` compares every stage between variants with any registered
method and returns the one :class:`~abstats.Result`. Names load on first use: ``import abstats``
stays fast and the Result's text helpers (:mod:`abstats.funnel.reasons`) import nothing heavy.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from abstats.funnel.counts import FunnelCounts
    from abstats.funnel.stages import Funnel, Stage

_EXPORTS = {
    "Funnel": "abstats.funnel.stages",
    "Stage": "abstats.funnel.stages",
    "FunnelCounts": "abstats.funnel.counts",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'abstats.funnel' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = ["Funnel", "FunnelCounts", "Stage"]

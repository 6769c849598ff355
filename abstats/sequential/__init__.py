"""Sequential testing: group-sequential designs, mSPRT and confidence sequences, stopping decisions.

How multiple treatments / metrics compose with these methods:

- Group-sequential: Bonferroni, i.e. each comparison gets its own design at ``alpha / m``;
  the family-wise error over all looks and comparisons is then <= alpha (union bound).
  Holm-style recycling of alpha between sequential comparisons is not implemented.
- Always-valid (mSPRT, confidence sequences): an always-valid p-value is a valid p-value at
  any stopping time, so Bonferroni and Holm apply to the current look's always-valid p-values
  exactly as to fixed-horizon ones (Benjamini-Hochberg under PRDS; Benjamini-Yekutieli
  otherwise); Bonferroni-adjusted confidence sequences use ``alpha / m``.
"""

from abstats.sequential.boundaries import Boundaries
from abstats.sequential.confidence_sequences import (
    confidence_sequence,
    confidence_sequence_p_value,
    confidence_sequence_relative,
    cs_half_width,
)
from abstats.sequential.decision import always_valid_decision, group_sequential_decision
from abstats.sequential.design import DESIGN_KINDS, GroupSequentialDesign, inflation_factor
from abstats.sequential.msprt import (
    DEFAULT_TUNING_N,
    default_mixing_variance,
    msprt_confidence_interval,
    msprt_log_likelihood_ratio,
    msprt_p_value,
    optimal_rho_squared,
)
from abstats.sequential.spending import spend

__all__ = [
    "DEFAULT_TUNING_N",
    "DESIGN_KINDS",
    "Boundaries",
    "GroupSequentialDesign",
    "always_valid_decision",
    "confidence_sequence",
    "confidence_sequence_p_value",
    "confidence_sequence_relative",
    "cs_half_width",
    "default_mixing_variance",
    "group_sequential_decision",
    "inflation_factor",
    "msprt_confidence_interval",
    "msprt_log_likelihood_ratio",
    "msprt_p_value",
    "optimal_rho_squared",
    "spend",
]

"""Bundled example data: a three-arm checkout experiment, as aggregates per variant."""

from __future__ import annotations

from importlib import resources
from typing import Any

from abstats.metrics import BinaryMetric, MeanMetric, Metric, RatioMetric

CHECKOUT_METRICS: tuple[Metric, ...] = (
    BinaryMetric("conversion"),
    BinaryMetric("bounce_rate", higher_is_better=False, conversions_field="bounces"),
    MeanMetric(
        "revenue_per_visitor", sum_field="revenue_sum", sum_sq_field="revenue_sum_sq", nonzero_field="conversions"
    ),
    RatioMetric(
        "average_order_value",
        num_sum_field="revenue_sum",
        den_sum_field="orders_sum",
        num_sum_sq_field="revenue_sum_sq",
        den_sum_sq_field="orders_sum_sq",
        num_den_sum_field="revenue_orders_sum",
    ),
    RatioMetric(
        "ctr",
        num_sum_field="clicks_sum",
        den_sum_field="impressions_sum",
        num_sum_sq_field="clicks_sum_sq",
        den_sum_sq_field="impressions_sum_sq",
        num_den_sum_field="clicks_impressions_sum",
    ),
)


def checkout() -> tuple[Any, tuple[Metric, ...]]:
    """The example table (pandas) and its metric definitions; control variant is ``"control"``.

    Examples
    --------
    >>> table, metrics = checkout()
    >>> list(table["variant"])
    ['control', 'new_button', 'one_page']
    """
    import pandas as pd

    with resources.files("abstats.examples").joinpath("checkout.csv").open() as f:
        return pd.read_csv(f), CHECKOUT_METRICS

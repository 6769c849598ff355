"""Regenerate ``checkout.csv``: a simulated three-arm checkout test, aggregated per variant.

Run ``python -m abstats.examples.make_checkout_example``. The per-user draws are
seeded, so the file is reproducible; only the aggregates are shipped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ARMS = {  # variant: (users, conversion rate, bounce rate, mean order value, click rate per impression)
    "control": (20000, 0.050, 0.420, 62.0, 0.031),
    "new_button": (20150, 0.056, 0.405, 61.0, 0.034),
    "one_page": (19870, 0.049, 0.445, 66.0, 0.030),
}


def simulate(seed: int = 20261123) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for variant, (users, conv, bounce, aov, ctr) in ARMS.items():
        orders = rng.binomial(1, conv, users) * rng.geometric(0.85, users)
        revenue = np.where(orders > 0, rng.lognormal(np.log(aov) - 0.18, 0.6, users) * orders, 0.0)
        impressions = rng.poisson(8, users) + 1
        clicks = rng.binomial(impressions, ctr)
        rows.append(
            {
                "variant": variant,
                "n": users,
                "conversions": int((orders > 0).sum()),
                "bounces": int(rng.binomial(1, bounce, users).sum()),
                "revenue_sum": round(float(revenue.sum()), 4),
                "revenue_sum_sq": round(float((revenue**2).sum()), 4),
                "orders_sum": int(orders.sum()),
                "orders_sum_sq": int((orders**2).sum()),
                "revenue_orders_sum": round(float((revenue * orders).sum()), 4),
                "clicks_sum": int(clicks.sum()),
                "clicks_sum_sq": int((clicks**2).sum()),
                "impressions_sum": int(impressions.sum()),
                "impressions_sum_sq": int((impressions**2).sum()),
                "clicks_impressions_sum": int((clicks * impressions).sum()),
            }
        )
    return pd.DataFrame(rows)


if __name__ == "__main__":
    simulate().to_csv(Path(__file__).with_name("checkout.csv"), index=False)

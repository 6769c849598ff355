"""A raw-events example: a simulated three-arm shop experiment, one row per event, 14 days.

Run ``python -m abstats.examples.make_events --users 100000 --out events.parquet``. Users arrive over
14 days, see an exposure event, then browse (page views, product views), add to cart, buy (with
revenue) and see and click ads; a few look around before their exposure, and a handful are seen in two
variants (an assignment bug every real pipeline has). Draws are seeded per chunk of users, so a file
is reproducible and is written chunk by chunk in bounded memory (50 million rows fit in a laptop).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

if TYPE_CHECKING:
    from abstats.funnel import Funnel
    from abstats.metrics import Metric

SEED = 20261123
DAYS = 14
START = np.datetime64("2026-11-02T00:00:00", "us")
EVENTS = ("exposure", "page_view", "product_view", "add_to_cart", "purchase", "ad_impression", "ad_click")
VARIANTS = ("control", "recommendations", "one_click")
COUNTRIES = ("US", "DE", "GB", "FR", "IN")
COUNTRY_SHARE = (0.40, 0.18, 0.16, 0.12, 0.14)
DEVICES = ("mobile", "desktop", "tablet")
DEVICE_SHARE = (0.58, 0.35, 0.07)
# Per variant: (page views per session, purchase probability per cart, mean order value, click rate per impression)
ARMS = {
    "control": (4.0, 0.30, 58.0, 0.020),
    "recommendations": (4.3, 0.31, 60.0, 0.021),
    "one_click": (4.0, 0.34, 57.0, 0.020),
}
# About 12 events per user: 100,000 users make a bit over a million rows.
DEFAULT_USERS = 100_000
_CHUNK = 250_000
_US_PER_DAY = 86_400 * 1_000_000


def schema() -> pa.Schema:
    return pa.schema(
        [
            ("user_id", pa.int64()),
            ("ts", pa.timestamp("us")),
            ("event", pa.dictionary(pa.int8(), pa.string())),
            ("variant", pa.dictionary(pa.int8(), pa.string())),
            ("country", pa.dictionary(pa.int8(), pa.string())),
            ("device", pa.dictionary(pa.int8(), pa.string())),
            ("revenue", pa.float64()),
        ]
    )


def simulate_chunk(first_user: int, users: int, rng: np.random.Generator) -> pa.Table:
    """Events of ``users`` consecutive users starting at id ``first_user``, vectorised over all of them."""
    ids = np.arange(first_user, first_user + users, dtype=np.int64)
    arm = rng.integers(0, len(VARIANTS), users)
    country = rng.choice(len(COUNTRIES), users, p=COUNTRY_SHARE)
    device = rng.choice(len(DEVICES), users, p=DEVICE_SHARE)
    exposure_us = rng.integers(0, DAYS * _US_PER_DAY, users)
    views_per_session = np.array([ARMS[v][0] for v in VARIANTS])[arm]
    buy_prob = np.array([ARMS[v][1] for v in VARIANTS])[arm]
    order_value = np.array([ARMS[v][2] for v in VARIANTS])[arm]
    click_rate = np.array([ARMS[v][3] for v in VARIANTS])[arm]
    engagement = rng.gamma(2.0, 0.5, users)  # heavy and light users

    sessions = 1 + rng.poisson(0.8 * engagement)
    page_views = rng.poisson(sessions * views_per_session * 0.6) + sessions
    product_views = rng.binomial(page_views, 0.35)
    carts = rng.binomial(product_views, 0.12)
    purchases = rng.binomial(carts, buy_prob)
    impressions = rng.poisson(page_views * 0.9)
    clicks = rng.binomial(impressions, click_rate)
    early = rng.binomial(1, 0.15, users) * rng.poisson(2.0, users)  # page views before the exposure
    counts = np.stack(
        [np.ones(users, np.int64), page_views, product_views, carts, purchases, impressions, clicks, early]
    )
    kinds = np.array([0, 1, 2, 3, 4, 5, 6, 1], dtype=np.int8)

    per_kind = counts.sum(axis=1)
    user_row = np.concatenate([np.repeat(np.arange(users), c) for c in counts])
    event = np.repeat(kinds, per_kind)
    is_early = np.repeat(np.arange(len(kinds)) == len(kinds) - 1, per_kind)
    # After exposure: an exponential delay (most activity within days), clipped to the 14 days.
    horizon = DAYS * _US_PER_DAY - 1
    delay = (rng.exponential(1.5, len(event)) * _US_PER_DAY).astype(np.int64)
    delay[event == 0] = 0
    offset = np.where(is_early, -rng.integers(1, 3 * _US_PER_DAY, len(event)), delay)
    ts_us = np.clip(exposure_us[user_row] + offset, -3 * _US_PER_DAY, horizon)
    revenue = np.where(
        event == 4, np.round(rng.lognormal(np.log(order_value[user_row]) - 0.18, 0.6, len(event)), 2), np.nan
    )
    variant = arm[user_row].copy()
    # About one user in 2,000 also shows up in another variant.
    leaked = np.flatnonzero(rng.random(users) < 0.0005)
    leaked_rows = np.isin(user_row, leaked) & (rng.random(len(event)) < 0.3)
    variant[leaked_rows] = (variant[leaked_rows] + 1) % len(VARIANTS)

    order = np.lexsort((ts_us, user_row))
    return pa.table(
        {
            "user_id": pa.array(ids[user_row][order]),
            "ts": pa.array((START + ts_us[order].astype("timedelta64[us]")), pa.timestamp("us")),
            "event": pa.DictionaryArray.from_arrays(pa.array(event[order], pa.int8()), list(EVENTS)),
            "variant": pa.DictionaryArray.from_arrays(pa.array(variant[order].astype(np.int8)), list(VARIANTS)),
            "country": pa.DictionaryArray.from_arrays(
                pa.array(country[user_row][order].astype(np.int8)), list(COUNTRIES)
            ),
            "device": pa.DictionaryArray.from_arrays(pa.array(device[user_row][order].astype(np.int8)), list(DEVICES)),
            "revenue": pa.array(revenue[order], pa.float64(), from_pandas=True),
        },
        schema=schema(),
    )


def write_events(path: str | os.PathLike[str], users: int = DEFAULT_USERS, seed: int = SEED) -> Path:
    """Write the example as parquet, chunk by chunk, atomically (a half-written file is never seen).

    Parameters
    ----------
    path
        Target parquet file.
    users
        Number of users; rows are about 12 per user.
    seed
        Seed of the first chunk's generator (each chunk of users gets its own child seed).

    Examples
    --------
    >>> import tempfile, pyarrow.parquet as pq
    >>> out = write_events(tempfile.mkdtemp() + "/events.parquet", users=100)
    >>> pq.read_metadata(out).num_rows > 1000
    True
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    seeds = np.random.SeedSequence(seed).spawn((users + _CHUNK - 1) // _CHUNK)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".parquet.tmp")
    os.close(fd)
    try:
        with pq.ParquetWriter(tmp, schema(), compression="zstd") as writer:
            for i, child in enumerate(seeds):
                first = i * _CHUNK
                size = min(_CHUNK, users - first)
                writer.write_table(simulate_chunk(first, size, np.random.default_rng(child)), row_group_size=1_000_000)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the cache is an ordinary readable file
        os.replace(tmp, target)  # atomic: concurrent readers see the old file or the whole new one
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def cache_dir() -> Path:
    """``$ABSTATS_CACHE_DIR``, else ``$XDG_CACHE_HOME/abstats``, else ``~/.cache/abstats``."""
    explicit = os.environ.get("ABSTATS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(base) / "abstats"


def events_example(users: int = DEFAULT_USERS, seed: int = SEED) -> Path:
    """Path of the cached example parquet, generated on first use (a few seconds)."""
    path = cache_dir() / f"events-v1-{users}-{seed}.parquet"
    if not path.exists():
        write_events(path, users, seed)
    return path


def shop_metrics() -> dict[Metric, Any]:
    """The example's metrics: conversion, revenue per visitor, average order value, CTR per impression.

    Examples
    --------
    >>> [m.name for m in shop_metrics()]
    ['conversion', 'revenue_per_visitor', 'average_order_value', 'ctr']
    """
    from ibis import _

    from abstats.data.events import converted, count, total
    from abstats.metrics import BinaryMetric, MeanMetric, RatioMetric

    purchase = _.event == "purchase"
    return {
        BinaryMetric("conversion"): converted(purchase),
        MeanMetric("revenue_per_visitor"): total("revenue", where=purchase),
        RatioMetric("average_order_value"): (total("revenue", where=purchase), count(where=purchase)),
        RatioMetric("ctr"): (count(where=_.event == "ad_click"), count(where=_.event == "ad_impression")),
    }


def shop_funnel() -> Funnel:
    """The example's funnel: visit (a page view) -> product view -> add to cart -> purchase.

    Simple reach (``order="reach"``): the example draws each event's delay after exposure on its own,
    so a user's first purchase may come before its first add-to-cart; a strict-order funnel of this
    example would drop those users (real shops log carts before purchases).

    Examples
    --------
    >>> shop_funnel().names
    ('visit', 'product_view', 'add_to_cart', 'purchase')
    """
    from ibis import _

    from abstats.funnel import Funnel

    return Funnel({"visit": _.event == "page_view", "product_view": _.event == "product_view",
                   "add_to_cart": _.event == "add_to_cart", "purchase": _.event == "purchase"}, order="reach")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=DEFAULT_USERS, help="number of users (about 12 events each)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", default=None, help="parquet path (default: the cached example)")
    args = parser.parse_args()
    path = write_events(args.out, args.users, args.seed) if args.out else events_example(args.users, args.seed)
    print(f"{pq.read_metadata(path).num_rows:,} events -> {path}")


if __name__ == "__main__":
    main()

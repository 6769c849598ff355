"""Shared raw events for the data-layer tests: a small seeded shop experiment, as pandas and parquet."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from abstats.examples.make_events import simulate_chunk


@pytest.fixture(scope="session")
def events() -> pd.DataFrame:
    """About 60,000 events of 4,000 users, with plain string columns (as a warehouse would hold them)."""
    frame = simulate_chunk(0, 4000, np.random.default_rng(7)).to_pandas()
    for c in ("event", "variant", "country", "device"):
        frame[c] = frame[c].astype(str)
    # Six users also show up in another variant after their exposure (an assignment leak).
    leaked = frame["user_id"].isin([10, 20, 30, 40, 50, 60]) & frame["event"].eq("page_view")
    flip = {"control": "one_click", "one_click": "recommendations", "recommendations": "control"}
    frame.loc[leaked, "variant"] = frame.loc[leaked, "variant"].map(flip)
    return frame.reset_index(drop=True)


@pytest.fixture(scope="session")
def events_parquet(events: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("lake") / "events.parquet"
    events.to_parquet(path, index=False)
    return str(path)


@pytest.fixture(scope="session")
def spark():
    """One local Spark session for the whole run: 2 cores, few shuffle partitions, no UI, loopback only."""
    pyspark_sql = pytest.importorskip("pyspark.sql")
    session = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("abstats-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        # Test data is tiny: compiling whole-stage code and a fully optimising JIT cost more than they save.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

"""Bad event input: a named abstats error saying which column or path and what was expected."""

from __future__ import annotations

import pandas as pd
import pytest
from ibis import _

from abstats import BinaryMetric, ConfigError, InputError, MeanMetric, RatioMetric
from abstats.data import converted, count, cumulative_from_events, from_events, maximum, total

EVENTS = pd.DataFrame(
    {
        "user_id": [1, 1, 2, 3, 4, 4],
        "variant": ["A", "A", "A", "B", "B", "B"],
        "event": ["exposure", "buy", "exposure", "exposure", "exposure", "buy"],
        "revenue": [0.0, 10.0, 0.0, 0.0, 0.0, 7.0],
        "ts": pd.to_datetime(
            [
                "2026-01-01 10:00",
                "2026-01-01 11:00",
                "2026-01-02 00:00",
                "2026-01-02 00:00",
                "2026-01-03 00:00",
                "2026-01-03 12:00",
            ]
        ),
        "ts_text": ["2026-01-01"] * 6,
    }
)
CR = {BinaryMetric("cr"): converted(_.event == "buy")}


def call(events=EVENTS, metrics=CR, **kw):
    return from_events(events, metrics, **{"unit": "user_id", **kw})


@pytest.mark.parametrize(
    ("kw", "names"),
    [
        ({"unit": "uid"}, ["unit = 'uid'", "user_id, variant"]),
        ({"variant": "arm"}, ["variant = 'arm'"]),
        ({"segment": "country"}, ["segment = 'country'"]),
        ({"experiment": "exp"}, ["experiment = 'exp'"]),
        ({"timestamp": "time"}, ["timestamp = 'time'"]),
        (
            {"metrics": {MeanMetric("rev"): total("revenu")}},
            ["metric 'rev'", "'revenu'", "a column of the event table"],
        ),
    ],
)
def test_missing_column_is_named(kw, names):
    with pytest.raises(InputError) as err:
        call(**kw)
    for text in names:
        assert text in str(err.value)


@pytest.mark.parametrize(
    ("metrics", "names"),
    [
        ({MeanMetric("rev"): total("event")}, ["metric 'rev'", "column 'event' of type string", "numeric"]),
        ({BinaryMetric("cr"): converted(_.revenue)}, ["metric 'cr'", "float64", "boolean"]),
        ({MeanMetric("rev"): total("revenue", where=_.revenue)}, ["where", "boolean"]),
        ({MeanMetric("rev"): total(_.nope * 2)}, ["metric 'rev'", "nope", "expression over the event table"]),
        ({BinaryMetric("cr"): count()}, ["metric 'cr'", "per-unit value = 2", "0 or 1 per unit"]),
    ],
)
def test_metric_expression_of_the_wrong_type_is_named(metrics, names):
    with pytest.raises(InputError) as err:
        call(metrics=metrics)
    for text in names:
        assert text in str(err.value)


def test_an_expression_over_another_table_is_refused():
    import ibis

    other = ibis.memtable(pd.DataFrame({"revenue": [1.0]}))
    with pytest.raises(InputError, match="expression over the event table"):
        call(metrics={MeanMetric("rev"): total(other.revenue)})


def test_variant_column_with_one_value():
    with pytest.raises(InputError, match=r"variant = \"column 'variant' has only \['A'\]\".*at least two variants"):
        call(EVENTS.assign(variant="A"))


def test_timestamp_that_is_not_a_timestamp():
    with pytest.raises(InputError, match=r"timestamp = \"column 'ts_text' of type string\", expected a timestamp"):
        call(timestamp="ts_text")


def test_empty_after_exposure_filtering():
    with pytest.raises(InputError, match="no units left after exposure filtering"):
        call(timestamp="ts", exposure=_.event == "never")
    with pytest.raises(InputError, match="no units"):
        call(EVENTS.iloc[:0])


def test_exposure_needs_a_timestamp():
    with pytest.raises(ConfigError, match="exposure"):
        call(exposure=_.event == "exposure")


def test_path_that_does_not_exist(tmp_path):
    missing = tmp_path / "nope.parquet"
    with pytest.raises(InputError, match=rf"path = '{missing}', expected an existing parquet or CSV file"):
        call(str(missing))
    with pytest.raises(InputError, match="a glob that matches at least one"):
        call(str(tmp_path / "*.parquet"))
    with pytest.raises(InputError, match=r"a directory holding \*\.parquet files"):
        call(str(tmp_path))


def test_path_that_is_not_parquet_or_csv(tmp_path):
    wrong = tmp_path / "events.json"
    wrong.write_text("{}")
    with pytest.raises(InputError, match=r"events\.json', expected a file ending in \.parquet"):
        call(str(wrong))
    fake = tmp_path / "events.parquet"
    fake.write_text("not parquet at all")
    with pytest.raises(InputError, match="expected a readable parquet file"):
        call(str(fake))


def test_csv_and_parquet_paths_and_globs_are_read(tmp_path):
    EVENTS.to_csv(tmp_path / "events.csv", index=False)
    (tmp_path / "lake").mkdir()
    EVENTS.iloc[:3].to_parquet(tmp_path / "lake" / "part-0.parquet")
    EVENTS.iloc[3:].to_parquet(tmp_path / "lake" / "part-1.parquet")
    by_csv = call(str(tmp_path / "events.csv"))[0].stats
    by_glob = call(str(tmp_path / "lake" / "*.parquet"))[0].stats
    by_dir = call(str(tmp_path / "lake"))[0].stats
    for stats in (by_csv, by_glob, by_dir):
        assert stats.n.tolist() == [2.0, 2.0] and stats.conversions.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("metrics", "field"),
    [
        ({RatioMetric("aov"): total("revenue")}, "denominator"),
        ({MeanMetric("rev"): (total("revenue"), count())}, "metric 'rev'"),
        ({}, "metrics"),
        ([MeanMetric("rev")], "metrics"),
        ({MeanMetric("rev"): total("revenue"), BinaryMetric("rev"): converted(_.event == "buy")}, "metrics = 'rev'"),
    ],
)
def test_metric_definitions_are_checked(metrics, field):
    with pytest.raises(ConfigError, match=field):
        call(metrics=metrics)


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="multi_variant"):
        call(multi_variant="drop")
    with pytest.raises(ConfigError, match="grain"):
        cumulative_from_events(EVENTS, CR, unit="user_id", timestamp="ts", grain="fortnight")
    with pytest.raises(ConfigError, match="how"):
        from abstats.data import Aggregation

        Aggregation("median", "revenue")
    with pytest.raises(ConfigError, match="value"):
        maximum(None)  # type: ignore[arg-type]


def test_unsupported_source_type():
    with pytest.raises(InputError, match="events = 'list'"):
        call([1, 2, 3])

"""``Result.to_json`` in both orientations: the spliced text equals orjson's dump of ``to_dict``, both
shapes follow the published schema, and the column orientation holds the same cells as the rows."""

from __future__ import annotations

import dataclasses
import json
import math

import jsonschema
import numpy as np
import orjson
import pytest

import abstats
from abstats.errors import ConfigError
from abstats.result import json_text
from abstats.sequential import GroupSequentialDesign
from abstats.statistics import BinaryStats

SCHEMA = abstats.result.result_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
OPTIONS = {
    "frequentist": {},
    "bayesian": {},
    "msprt": {},
    "confidence_sequence": {},
    "group_sequential": {"design": GroupSequentialDesign("lan_demets_obrien_fleming", looks=3), "look": 2},
}


def _batch(method: str, **options: object) -> abstats.Result:
    """Experiments with labels JSON must escape, integer labels, an SRM, a zero arm and tiny samples."""
    table = {
        "experiment": ['quote "1"', 'quote "1"', "back\\slash", "back\\slash", 7, 7, "ünï", "ünï", "a,b", "a,b"],
        "variant": ["A", "B", "A", "B", "A", "B", "A", "B", "A", "B"],
        "n": [1000, 1000, 1000, 1300, 50, 0, 3, 4, 20_000, 20_100],
        "conversions": [100, 130, 100, 100, 5, 0, 0, 4, 1000, 1100],
    }
    return abstats.analyze(table, metric=abstats.BinaryMetric("conv"), control="A", experiment="experiment",
                           method=method,
                           **OPTIONS[method], **options)


def _dump(result: abstats.Result, orient: str) -> str:
    return orjson.dumps(result.to_dict(orient), option=orjson.OPT_NON_STR_KEYS).decode()


@pytest.mark.parametrize("method", sorted(OPTIONS))
@pytest.mark.parametrize("orient", ["rows", "columns"])
def test_text_is_the_dict_and_follows_the_schema(method, orient, monkeypatch):
    monkeypatch.setattr(json_text, "_CHUNK", 2)  # several spliced chunks, the last one short
    r = _batch(method)
    text = r.to_json(orient=orient)
    assert text == _dump(r, orient)
    payload = json.loads(text)
    VALIDATOR.validate(payload)
    assert ("comparisons" in payload) == (orient == "rows") and ("columns" in payload) == (orient == "columns")


@pytest.mark.parametrize("method", sorted(OPTIONS))
def test_columns_hold_the_cells_of_the_rows(method):
    r = _batch(method, alternative="greater") if method == "frequentist" else _batch(method)
    rows = json.loads(r.to_json())
    cols = json.loads(r.to_json(orient="columns"))
    assert rows["settings"] == cols["settings"] and rows["method"] == cols["method"]
    for i, record in enumerate(rows["comparisons"]):
        assert {name: values[i] for name, values in cols["columns"].items()} == record
    for i, verdict in enumerate(rows["verdicts"]):
        assert {name: values[i] for name, values in cols["verdicts"].items()} == verdict
    assert len(rows["comparisons"]) == len(r) == 5


def test_undefined_and_unbounded_cells_are_null_in_both_orientations():
    r = _batch("frequentist", alternative="greater")
    high = np.asarray(r["effect_ci_high"])
    assert np.isinf(high).any() and np.isnan(np.asarray(r["rel_effect"], dtype=float)).any()
    for orient in ("rows", "columns"):
        text = r.to_json(orient=orient)
        assert "NaN" not in text and "Infinity" not in text
    cols = json.loads(r.to_json(orient="columns"))["columns"]
    for name in ("effect_ci_high", "rel_effect", "p_value"):
        expected = [v if math.isfinite(v) else None for v in np.asarray(r[name], dtype=float).tolist()]
        assert cols[name] == expected, name


def test_schema_refuses_both_shapes_at_once():
    payload = json.loads(_batch("frequentist").to_json(orient="columns"))
    assert VALIDATOR.is_valid(payload)
    assert not VALIDATOR.is_valid({**payload, "comparisons": []})
    rows = json.loads(_batch("frequentist").to_json())
    assert not VALIDATOR.is_valid({**rows, "verdicts": json.loads(_batch("frequentist").to_json(
        orient="columns"))["verdicts"]})


def test_concatenated_settings_and_warnings_survive_the_columns():
    a = _batch("frequentist")
    b = _batch("frequentist", alpha=0.01)
    both = abstats.Result.concat([a, b])
    text = both.to_json(orient="columns")
    assert text == _dump(both, "columns") and both.to_json() == _dump(both, "rows")
    payload = json.loads(text)
    VALIDATOR.validate(payload)
    assert payload["settings"]["alpha"] == {"per_row": [0.05] * 5 + [0.01] * 5}
    assert any(payload["columns"]["warnings"]), "the zero arm and tiny samples carry warnings"


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("whole_table", [1 << 20, 64])
def test_large_batch_matches_the_dict(threads, whole_table, monkeypatch):
    """Chunks put together in the caller or in a worker thread; coded columns (reasons, decisions, the
    verdicts' texts) fused and written whole into each chunk, or, when their texts are too long for that,
    each chunk with only the texts it uses."""
    monkeypatch.setattr(json_text, "_CHUNK", 777)
    monkeypatch.setattr(json_text, "THREADS", threads)
    monkeypatch.setattr(json_text, "_WHOLE_TABLE", whole_table)
    rng = np.random.default_rng(5)
    n = rng.integers(20, 5_000, size=(3_000, 2))
    x = rng.binomial(n, 0.05)
    r = abstats.compare(BinaryStats.from_arrays(n[:, 0], x[:, 0]), BinaryStats.from_arrays(n[:, 1], x[:, 1]),
                        metric=abstats.BinaryMetric("conversion"))
    for orient in ("rows", "columns"):
        assert r.to_json(orient=orient) == _dump(r, orient)


def test_empty_result_in_both_orientations():
    empty = abstats.compare(BinaryStats.from_arrays(np.zeros(0, int), np.zeros(0, int)),
                            BinaryStats.from_arrays(np.zeros(0, int), np.zeros(0, int)),
                            metric=abstats.BinaryMetric("conversion"))
    for orient in ("rows", "columns"):
        payload = json.loads(empty.to_json(orient=orient))
        VALIDATOR.validate(payload)
        assert empty.to_json(orient=orient) == _dump(empty, orient)


def test_pretty_printed_columns_and_a_bad_orientation():
    r = _batch("frequentist")
    assert json.loads(r.to_json(indent=2, orient="columns")) == json.loads(r.to_json(orient="columns"))
    with pytest.raises(ConfigError, match="orient"):
        r.to_json(orient="records")
    with pytest.raises(ConfigError, match="orient"):
        r.to_dict("table")


def test_one_row_and_cells_that_differ_only_in_sign():
    """A one-row Result has no varying column (each cell is written once into the text); a column whose
    cells are 0.0 and -0.0 is not constant (orjson writes them differently)."""
    one = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
                          metric=abstats.BinaryMetric("conv"), control="A")
    for orient in ("rows", "columns"):
        assert one.to_json(orient=orient) == _dump(one, orient)
    r = _batch("frequentist")
    effect = np.zeros(len(r))
    effect[-1] = -0.0
    signed = dataclasses.replace(r, columns={**r.columns, "effect": effect})
    text = signed.to_json()
    assert text == _dump(signed, "rows")
    assert [row["effect"] for row in json.loads(text)["comparisons"]] == [0.0] * 4 + [-0.0]
    assert text.count('"effect":-0.0') == 1


def _scenarios() -> dict[str, abstats.Result]:
    """Results of other shapes: k arms, CUPED, ratio and revenue metrics, a Bayesian and a sequential
    method, guardrails and secondaries, labels that JSON escapes in metric and treatment names."""
    from abstats.statistics import MeanStats

    rng = np.random.default_rng(11)
    rows = 600
    n = rng.integers(0, 3_000, size=(rows, 3))
    n[:5, 1] = 0  # an empty arm (both empty: srm.py warns on 0/0, left as it is)
    x = rng.binomial(n, 0.08)
    arms = [BinaryStats.from_arrays(n[:, j], x[:, j]) for j in range(3)]
    out = {
        "bayesian": abstats.compare(arms[0], arms[1], metric=abstats.BinaryMetric("c"), method="bayesian"),
        "msprt": abstats.compare(arms[0], arms[1], metric=abstats.BinaryMetric("c"), method="msprt"),
    }
    mu = rng.normal(10, 1, size=(rows, 2))
    mean = [MeanStats.from_arrays(np.maximum(n[:, j], 2), mu[:, j] * np.maximum(n[:, j], 2),
                                  (mu[:, j] ** 2 + 4) * np.maximum(n[:, j], 2)) for j in range(2)]
    out["mean"] = abstats.compare(mean[0], mean[1], metric=abstats.MeanMetric("revenue"))
    guardrails = {"experiment": ["e1", "e1", "e1", "e2", "e2", "e2"], "variant": ["A", "B", "C"] * 2,
                  "n": [10_000, 10_000, 10_100] * 2, "conversions": [500, 620, 480, 500, 505, 499],
                  "sum": [5000.0, 5100.0, 4000.0] * 2, "sum_sq": [60_000.0, 61_000.0, 50_000.0] * 2}
    out["guardrails"] = abstats.analyze(
        guardrails, metric=[abstats.BinaryMetric("cr"), abstats.MeanMetric("rev", role="guardrail", margin=0.1)],
        control="A", experiment="experiment")
    out["k-arm"] = abstats.analyze(guardrails, metric=abstats.BinaryMetric('conv "é"\\'), control="A",
                                   experiment="experiment")
    out["no primary"] = abstats.analyze(guardrails, metric=abstats.BinaryMetric("cr", role="secondary"),
                                        control="A", experiment="experiment")
    out["concatenated"] = abstats.Result.concat([out["guardrails"], abstats.analyze(
        guardrails, metric=abstats.BinaryMetric("cr"), control="A", experiment="experiment", alpha=0.2)])
    return out


def test_other_shapes_write_the_dict(monkeypatch):
    monkeypatch.setattr(json_text, "_CHUNK", 97)
    for name, r in _scenarios().items():
        for orient in ("rows", "columns"):
            text = dataclasses.replace(r).to_json(orient=orient)
            assert text == _dump(r, orient), (name, orient)
            VALIDATOR.validate(json.loads(text))


def test_a_failure_while_putting_chunks_together_reaches_the_caller(monkeypatch):
    """An error in the worker thread is raised by ``to_json`` itself (no half-written text)."""
    monkeypatch.setattr(json_text, "_CHUNK", 50)
    monkeypatch.setattr(json_text, "THREADS", 2)
    r = _batch("frequentist")
    big = abstats.Result.concat([r] * 40)

    def broken(self, order, cut=0):
        raise MemoryError("no room for the chunk")

    monkeypatch.setattr(json_text._Pieces, "text", broken)
    with pytest.raises(MemoryError, match="no room"):
        big.to_json()


def test_fused_columns_keep_each_rows_texts():
    """Runs of constant texts and coded columns become one column of their combinations: by every
    combination when they are few, else by the combinations that occur; none when too long."""
    a = json_text._Coded(np.array([0, 1, 1, 0], dtype=np.int8), [b'"x"', b'"yy"'])
    b = json_text._Coded(np.array([2, 0, 2, 1]), [b"1", b"22", b"333"])
    fused = json_text._fused(['{"a":', a, ',"b":', b, "}"])
    assert len(fused) == 1 and isinstance(fused[0], json_text._Coded)
    rows = [fused[0].texts[k] for k in fused[0].codes.tolist()]
    assert rows == [b'{"a":"x","b":333}', b'{"a":"yy","b":1}', b'{"a":"yy","b":333}', b'{"a":"x","b":22}']
    many = json_text._Coded(np.arange(3000) % 1500, [str(i).encode() for i in range(1500)])
    fused = json_text._fused([json_text._Coded(np.arange(3000) % 2, [b"0", b"1"]), ",", many])
    assert len(fused) == 1 and len(fused[0].texts) == 1500  # the combinations that occur, not 3,000
    long = json_text._Coded(np.arange(3000), [b"x" * 400] * 3000)
    assert len(json_text._fused(["[", long, "]"])) == 3  # 1.2 MB of texts: left as they are


def test_chunks_the_worker_has_not_started_are_made_by_the_caller(monkeypatch):
    """A worker thread held up (here: one that never runs) does not hold the text up: the caller makes each
    chunk the worker has not started, and the text is the same."""
    from concurrent.futures import Future

    submitted = []

    class Stalled:
        def __init__(self, max_workers: int) -> None:
            pass

        def submit(self, fn, *args, **kwargs):
            submitted.append(fn)
            return Future()  # never started: cancel() succeeds

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(json_text, "ThreadPoolExecutor", Stalled)
    monkeypatch.setattr(json_text, "THREADS", 2)
    monkeypatch.setattr(json_text, "_CHUNK", 50)
    big = abstats.Result.concat([_batch("frequentist")] * 40)
    assert big.to_json() == _dump(big, "rows")
    assert len(submitted) == 8  # each text went to the worker first: 4 chunks of rows, 1 of verdicts, 3 joints

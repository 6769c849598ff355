"""Methods as registry objects: resolution, refusal of options that do not apply, and extension."""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import abstats
from abstats.frequentist import FrequentistSettings
from abstats.methods import Display, Method, MethodSettings, Scores, get_method, method_names, register, unregister
from abstats.sequential import GroupSequentialDesign
from abstats.statistics import BinaryStats
from abstats.vocabulary import ALTERNATIVES, CORRECTIONS, FAMILIES, HYPOTHESES, MARGIN_TYPES

PACKAGE = Path(abstats.__file__).parent
TABLE = {"variant": ["A", "B"], "n": [10_000, 10_000], "conversions": [500, 580]}
METRIC = abstats.BinaryMetric("cr")


@dataclass(frozen=True)
class SignSettings(MethodSettings):
    """A toy method's settings: declare a winner when the treatment is ahead by ``lead``."""

    method: ClassVar[str] = "sign_test_toy"
    lead: float = 0.0


def _score_sign(sets, settings: SignSettings) -> Scores:
    s = sets[0]
    effect = s.treatment.estimate() - s.control.estimate()
    columns = {**s.identity, "effect": effect,
               "decision": np.where(effect > settings.lead, "stop_winner", "continue").astype(object)}
    return Scores(columns, {}, np.full(len(s), "ahead"))


def test_a_new_method_registers_without_touching_any_other_module():
    toy = Method(
        name="sign_test_toy",
        label="toy sign rule",
        settings_type=SignSettings,
        score=_score_sign,
        rules={"ahead": lambda row, settings: f"treatment ahead by {row['effect']:+.3f} (lead {settings['lead']:g})"},
        display=Display(interval="ci", interval_label="CI", probability=None),
    )
    register(toy)
    try:
        r = abstats.analyze(TABLE, metric=METRIC, control="A", method="sign_test_toy", lead=0.001)
        assert r.method == "sign_test_toy" and r.decision.tolist() == ["stop_winner"]
        assert r.reasons == ["treatment ahead by +0.008 (lead 0.001)"]
        same = abstats.analyze(TABLE, metric=METRIC, control="A", method=SignSettings(lead=0.001))
        assert same.decision.tolist() == r.decision.tolist()
        assert "toy sign rule" in str(r)
        with pytest.raises(abstats.ConfigError, match="an option of method='sign_test_toy'"):
            abstats.analyze(TABLE, metric=METRIC, control="A", method="sign_test_toy", alpha=0.1)
    finally:
        unregister("sign_test_toy")
    assert "sign_test_toy" not in method_names()


def test_settings_object_or_name_give_the_same_result():
    by_name = abstats.analyze(TABLE, metric=METRIC, control="A", alpha=0.1, correction="none")
    settings = FrequentistSettings(alpha=0.1, correction="none")
    by_object = abstats.analyze(TABLE, metric=METRIC, control="A", method=settings)
    assert by_name.to_dict() == by_object.to_dict()
    with pytest.raises(abstats.ConfigError, match="no separate options"):
        abstats.analyze(TABLE, metric=METRIC, control="A", method=FrequentistSettings(), alpha=0.1)


@pytest.mark.parametrize(
    ("method", "options", "named"),
    [
        ("group_sequential", {"design": GroupSequentialDesign("pocock", looks=2), "look": 1, "alpha": 0.1},
         "the design carries alpha"),
        ("group_sequential", {"design": GroupSequentialDesign("pocock", looks=2), "look": 1,
                              "alternative": "greater"}, "the design carries the alternative"),
        ("bayesian", {"alpha": 0.05}, "no 'alpha' with method='bayesian'"),
        ("bayesian", {"correction": "holm"}, "not corrected for multiplicity"),
        ("msprt", {"look": 2}, "look at any time"),
        ("frequentist", {"prior_alpha": 2}, "an option of method='frequentist'"),
    ],
)
def test_options_that_do_not_apply_are_refused_naming_option_and_method(method, options, named):
    with pytest.raises(abstats.ConfigError, match=named):
        abstats.analyze(TABLE, metric=METRIC, control="A", method=method, **options)


@pytest.mark.parametrize(
    "options",
    [{"alpha": "0.05"}, {"alpha": True}, {"margin": "0.01"}, {"planned_n": "500"}, {"continuity_correction": "no"},
     {"alternative": "one-sided"}, {"correction": None}, {"margin_type": "percent", "margin": 0.1}],
)
def test_settings_are_validated_once_with_strict_types(options):
    with pytest.raises(abstats.ConfigError) as err:
        abstats.analyze(TABLE, metric=METRIC, control="A", **options)
    assert next(iter(options)) in str(err.value)


def test_coerced_values_are_kept():
    s = FrequentistSettings(alpha=np.float32(0.1), planned_n=np.int64(500))
    assert type(s.alpha) is float and type(s.planned_n) is float


def test_type_slips_in_metrics_and_designs_are_refused():
    with pytest.raises(abstats.ConfigError, match="higher_is_better"):
        abstats.BinaryMetric("bounce", higher_is_better="False")
    with pytest.raises(abstats.ConfigError, match="binding"):
        GroupSequentialDesign("lan_demets_obrien_fleming", looks=3, beta_spending="obrien_fleming", binding="no")
    with pytest.raises(abstats.ConfigError, match="metric"):
        abstats.analyze(TABLE, metric="binary", control="A")
    with pytest.raises(abstats.ConfigError, match="metric"):
        abstats.analyze(TABLE, metric=[], control="A")
    with pytest.raises(abstats.InputError, match="sufficient statistics"):
        abstats.compare(np.array([1000]), np.array([1000]), metric=METRIC)


def test_every_builtin_method_is_registered_with_its_display():
    assert set(method_names()) >= {"frequentist", "bayesian", "bayesian_hierarchical", "group_sequential", "msprt",
                                   "confidence_sequence"}
    assert get_method("bayesian").display.interval_columns("relative") == ("rel_cred_low", "rel_cred_high")
    with pytest.raises(abstats.ConfigError, match="one of 'frequentist'"):
        get_method("frequentists")


def test_one_vocabulary_in_the_result_schema():
    settings = abstats.result.result_schema()["properties"]["settings"]["properties"]
    assert tuple(settings["alternative"]["enum"]) == ALTERNATIVES
    assert tuple(settings["correction"]["enum"]) == CORRECTIONS
    assert tuple(settings["margin_type"]["enum"]) == MARGIN_TYPES
    assert tuple(settings["hypothesis"]["enum"]) == HYPOTHESES
    assert tuple(settings["family"]["enum"]) == FAMILIES


def _sources():
    return sorted(p for p in PACKAGE.rglob("*.py"))


def test_no_method_name_is_compared_outside_the_registry():
    """``method == "bayesian"`` and friends would bring back string dispatch scattered over modules."""
    names = {"frequentist", "bayesian", "bayesian_hierarchical", "group_sequential", "msprt", "confidence_sequence"}
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                parts = [node.left, *node.comparators]
                strings = {p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)}
                for p in parts:
                    if isinstance(p, (ast.Tuple, ast.List, ast.Set)):
                        strings |= {e.value for e in p.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
                if strings & names:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def _imports(path: Path) -> set[str]:
    """Modules imported at module level (imports inside functions are lazy by intent)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("abstats"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("abstats")}
    return found


def _module(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def test_no_import_cycles_and_no_method_imports_another_methods_engine():
    graph = {_module(p): _imports(p) for p in _sources()}
    methods = ("abstats.frequentist", "abstats.bayesian", "abstats.sequential")
    crossing = [
        (mod, dep) for mod, deps in graph.items() for dep in deps for own in methods for other in methods
        if own != other and mod.startswith(own) and dep.startswith(other)
    ]
    assert crossing == []
    # a module-level cycle (package __init__ files aside, which re-export) fails import order subtly
    visiting, done, cycles = set(), set(), []

    def visit(mod: str, stack: list[str]) -> None:
        if mod in done or mod not in graph:
            return
        if mod in visiting:
            cycles.append(stack[stack.index(mod):] + [mod])
            return
        visiting.add(mod)
        for dep in sorted(graph[mod]):
            if graph.get(dep) is not None and not (PACKAGE.parent / (dep.replace(".", "/") + "/__init__.py")).exists():
                visit(dep, [*stack, mod])
        visiting.discard(mod)
        done.add(mod)

    for mod in sorted(graph):
        visit(mod, [])
    assert cycles == []


def test_rows_keep_open_bounds_and_json_writes_null():
    r = abstats.analyze(TABLE, metric=METRIC, control="A", alternative="greater")
    row = next(r.rows())
    assert row["effect_ci_high"] == math.inf and row["rel_ci_high"] == math.inf
    assert r.to_dict()["comparisons"][0]["effect_ci_high"] is None
    low, high = r.effect_interval()
    assert high[0] == np.inf and low[0] < r.effect[0]


def test_every_frequentist_row_has_its_standard_error_and_reference_distribution():
    c = BinaryStats.from_arrays([1000, 2000], [100, 260])
    t = BinaryStats.from_arrays([1000, 2000], [130, 240])
    r = abstats.compare(c, t, metric=METRIC)
    p_c, p_t = c.estimate(), t.estimate()
    np.testing.assert_allclose(r["se"], np.sqrt(p_c * (1 - p_c) / c.n + p_t * (1 - p_t) / t.n), rtol=1e-14)
    assert np.isnan(r["df"]).all()  # normal reference
    means = {"variant": ["A", "B"], "n": [7, 7], "sum": [70.0, 84.0], "sum_sq": [740.0, 1080.0]}
    m = abstats.analyze(means, metric=abstats.MeanMetric("m"), control="A")
    assert m["test"][0] == "welch_t" and 0 < m["df"][0] < 12


def test_mean_intervals_and_p_value_share_one_reference_distribution():
    """At few degrees of freedom the relative interval must not exclude 0 while the absolute one includes it."""
    rng = np.random.default_rng(3)
    for _ in range(60):
        a, b = rng.normal(10, 2, 4), rng.normal(11.5, 2, 4)
        table = {"variant": ["A", "B"], "n": [4, 4], "sum": [a.sum(), b.sum()],
                 "sum_sq": [(a * a).sum(), (b * b).sum()]}
        r = abstats.analyze(table, metric=abstats.MeanMetric("m"), control="A", correction="none")
        p_significant = r.p_value[0] < 0.05
        assert p_significant == (r["effect_ci_low"][0] > 0 or r["effect_ci_high"][0] < 0)
        if not p_significant:
            # the log-ratio interval at the same t critical value is wider than the z one
            z = abstats.analyze(table, metric=abstats.MeanMetric("m"), control="A", correction="none",
                                distribution="normal")
            assert r["rel_ci_low"][0] < z["rel_ci_low"][0] and r["rel_ci_high"][0] > z["rel_ci_high"][0]


def test_every_public_name_is_exported_and_loads():
    assert sorted(abstats.__all__) == sorted([*abstats._EXPORTS, "__version__"])
    for name in abstats.__all__:
        assert getattr(abstats, name) is not None

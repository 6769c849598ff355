"""Every plot renders to PNG for each metric kind and method family, and says what it should.

Semantics checked beyond "no exception": titles and decision legends, one forest panel per metric in
the absolute view, marker colours equal to the decision palette, no green interval that contains 0,
posterior densities equal to independent scipy computations, boundaries drawn for group-sequential paths.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from ibis import _  # noqa: E402
from scipy import integrate, stats  # noqa: E402

import abstats  # noqa: E402
from abstats.data.events import converted, total  # noqa: E402
from abstats.errors import ConfigError  # noqa: E402
from abstats.planning import plot_power_curve  # noqa: E402
from abstats.result.decision_style import DECISION_COLOURS, NEUTRAL_COLOUR  # noqa: E402
from abstats.sequential import GroupSequentialDesign  # noqa: E402

KINDS = {
    "binary": abstats.BinaryMetric("signup"),
    "mean": abstats.MeanMetric("revenue"),
    "ratio": abstats.RatioMetric("ctr", numerator="clicks", denominator="views"),
    "quantile": abstats.QuantileMetric("load_p90", column="load_ms", quantile=0.9, higher_is_better=False),
}
METHODS = ("frequentist", "bayesian", "msprt", "group_sequential")


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 6000
    variant = rng.choice(["A", "B", "C"], n)
    lift = np.where(variant == "B", 1.25, np.where(variant == "C", 0.9, 1.0))
    views = rng.poisson(5, n) + 1
    return pd.DataFrame({
        "variant": variant,
        "signup": (rng.random(n) < 0.08 * lift).astype(float),
        "revenue": rng.gamma(2.0, 20.0 * lift),
        "clicks": rng.binomial(views, np.minimum(0.1 * lift, 1.0)).astype(float),
        "views": views.astype(float),
        "load_ms": rng.lognormal(6.0, 0.4, n) / lift,
    })


def _method(name: str) -> object:
    if name == "group_sequential":
        from abstats.sequential.settings import GroupSequentialSettings

        return GroupSequentialSettings(GroupSequentialDesign("obrien_fleming", looks=3), look=3)
    return name


@pytest.fixture(scope="module")
def results(units: pd.DataFrame) -> dict[tuple[str, str], abstats.Result]:
    out = {}
    for kind, metric in KINDS.items():
        for method in METHODS:
            out[kind, method] = abstats.analyze(abstats.from_units(units, metric), control="A", method=_method(method))
    return out


def _png(fig: object, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=50)  # type: ignore[attr-defined]
    assert path.stat().st_size > 5_000
    plt.close(fig)  # type: ignore[arg-type]


def _legend_texts(fig: object) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_forest_plot_renders_with_title_legend_and_decision_colours(results, kind, method, tmp_path) -> None:
    r = results[kind, method]
    for scale in ("relative", "absolute"):
        fig = r.plot(scale)
        assert fig._suptitle.get_text().startswith(f"{scale.capitalize()} effects")
        shown = {d.replace("_", " ") for d in r.decision.tolist()}
        assert shown <= set(_legend_texts(fig)) and "interval contains 0" in _legend_texts(fig)
        ax = fig.axes[0]
        markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
        assert [m.get_color() for m in markers] == [DECISION_COLOURS[d] for d in r.decision]
        low, high = r.effect_interval(scale)
        bars = [line for line in ax.get_lines() if line.get_marker() != "o" and len(line.get_xdata()) == 2
                and len(set(line.get_ydata())) == 1]
        for bar, lo, hi in zip(bars, low, high, strict=True):
            crosses = lo < 0 < hi
            assert (bar.get_linestyle() == "--") == crosses
            if crosses:  # an interval containing 0 is grey whatever the decision, never green
                assert bar.get_color() == NEUTRAL_COLOUR
        _png(fig, tmp_path, f"forest-{kind}-{method}-{scale}")


def test_absolute_forest_has_one_panel_per_metric_and_relative_one_panel(units, tmp_path) -> None:
    data = [abstats.from_units(units, m) for m in (KINDS["binary"], KINDS["mean"], KINDS["ratio"])]
    for method in ("frequentist", "bayesian"):
        r = abstats.analyze(data, control="A", method=method)
        absolute, relative = r.plot("absolute"), r.plot("relative")
        titles = [ax.get_title(loc="left") for ax in absolute.axes]
        assert titles == ["signup (binary)", "revenue (mean)", "ctr (ratio)"]
        assert len(relative.axes) == 1 and len(relative.axes[0].get_yticklabels()) == len(r)
        # each absolute panel spans its own metric's interval, not every metric's
        for ax, name in zip(absolute.axes, ("signup", "revenue", "ctr"), strict=True):
            rows = r["metric"] == name
            low, high = (np.asarray(v, dtype=float)[rows] for v in r.effect_interval("absolute"))
            span = ax.get_xlim()[1] - ax.get_xlim()[0]
            assert span < 3 * (high.max() - min(low.min(), 0.0)) + 1e-12
        assert any(" pp" in t.get_text() for t in absolute.axes[0].get_xticklabels())
        _png(absolute, tmp_path, f"forest-mixed-{method}")
        plt.close(relative)


def test_bayesian_interval_across_zero_is_never_green() -> None:
    # a small, uncertain lift that the expected-loss rule ships: its credible interval contains 0
    r = abstats.analyze({"variant": ["A", "B"], "n": [20_000, 20_000], "conversions": [1000, 1030]},
                        metric=abstats.BinaryMetric("cr"), control="A", method="bayesian", threshold=0.05)
    low, high = r.effect_interval("relative")
    assert r.decision[0] == "stop_winner" and low[0] < 0 < high[0]
    fig = r.plot()
    bar = next(line for line in fig.axes[0].get_lines() if line.get_marker() != "o" and len(line.get_xdata()) == 2
               and len(set(line.get_ydata())) == 1)
    assert bar.get_color() == NEUTRAL_COLOUR and bar.get_linestyle() == "--"
    marker = next(line for line in fig.axes[0].get_lines() if line.get_marker() == "o")
    assert marker.get_color() == DECISION_COLOURS["stop_winner"]  # the decision keeps its colour
    plt.close(fig)


@pytest.mark.parametrize("kind", list(KINDS))
def test_posterior_densities_render_for_bayesian_results_only(results, kind, tmp_path) -> None:
    r = results[kind, "bayesian"]
    for scale in ("relative", "absolute"):
        fig = r.plot_posteriors(scale)
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert len(visible) == len(r)
        assert set(_legend_texts(fig)) - {"interval contains 0"} == {d.replace("_", " ") for d in r.decision.tolist()}
        low, high = r.effect_interval(scale)
        for ax, d, lo, hi in zip(visible, r.decision, low, high, strict=True):
            assert ax.get_lines()[0].get_color() == DECISION_COLOURS[d]
            band = matplotlib.colors.to_hex(ax.collections[0].get_facecolor()[0])
            assert band == (NEUTRAL_COLOUR if lo < 0 < hi else DECISION_COLOURS[d])
        _png(fig, tmp_path, f"posterior-{kind}-{scale}")
    for method in ("frequentist", "msprt", "group_sequential"):
        with pytest.raises(ConfigError, match="closed-form posteriors"):
            results[kind, method].plot_posteriors()


def test_posterior_densities_equal_independent_computations(units) -> None:
    # binary: the density of T - C is the convolution of the two Beta posteriors (scipy quad)
    r = abstats.analyze({"variant": ["A", "B"], "n": [1000, 1000], "conversions": [100, 130]},
                        metric=abstats.BinaryMetric("cr"), control="A", method="bayesian", prior_alpha=2.0,
                        prior_beta=3.0)
    post = r.method_object.effect_posterior("absolute", r.columns, lambda i: r.settings)[0]
    a_t, b_t, a_c, b_c = 132.0, 873.0, 102.0, 903.0
    for d in (-0.01, 0.02, 0.03, 0.06):
        expected = integrate.quad(lambda c, d=d: stats.beta.pdf(c + d, a_t, b_t) * stats.beta.pdf(c, a_c, b_c),
                                  0, 1, points=[0.1], limit=200)[0]
        assert post.pdf(np.array([d]))[0] == pytest.approx(expected, rel=1e-6)
    rel = r.method_object.effect_posterior("relative", r.columns, lambda i: r.settings)[0]
    x = np.linspace(-0.6, 2.0, 4001)
    assert np.trapezoid(rel.pdf(x), x) == pytest.approx(1.0, abs=1e-6)
    # mean: N(t - c, s_t^2 / n_t + s_c^2 / n_c) from the raw units (numpy), the flat prior
    r = abstats.analyze(abstats.from_units(units, KINDS["mean"]), control="A", method="bayesian")
    post = r.method_object.effect_posterior("absolute", r.columns, lambda i: r.settings)
    for i, arm in enumerate(r["treatment"]):
        c, t = units.revenue[units.variant == "A"], units.revenue[units.variant == arm]
        sd = np.sqrt(c.var(ddof=1) / len(c) + t.var(ddof=1) / len(t))
        grid = t.mean() - c.mean() + sd * np.array([-2.0, 0.0, 1.5])
        np.testing.assert_allclose(post[i].pdf(grid), stats.norm.pdf(grid, t.mean() - c.mean(), sd), rtol=1e-9)


@pytest.fixture(scope="module")
def looks() -> list:
    rng = np.random.default_rng(3)
    n = 6000
    variant = rng.choice(["A", "B"], n)
    events = pd.DataFrame({
        "user": np.arange(n),
        "variant": variant,
        "day": pd.Timestamp("2026-03-02") + pd.to_timedelta(rng.integers(0, 5, n), "D"),
        "bought": rng.random(n) < np.where(variant == "B", 0.12, 0.09),
        "revenue": rng.gamma(2.0, 10.0, n),
    })
    metrics = {abstats.BinaryMetric("cr"): converted(_.bought), abstats.MeanMetric("revenue"): total("revenue")}
    return abstats.cumulative_from_events(events, metrics, unit="user", timestamp="day")


@pytest.mark.parametrize("method", ["group_sequential", "msprt", "frequentist", "bayesian"])
def test_cumulative_path_plots_effect_and_boundaries_over_time(looks, method, tmp_path) -> None:
    chosen = GroupSequentialDesign("obrien_fleming", looks=len(looks)) if method == "group_sequential" else method
    path = abstats.effect_path(looks, control="A", method=chosen)
    assert len(path.results) == len(looks) == 5
    frame = path.to_frame()
    assert frame["look_number"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    for scale in ("absolute", "relative"):
        fig = path.plot(scale)
        assert len([ax for ax in fig.axes if ax.get_visible()]) == 2 * 2  # effect + statistic per comparison
        effect_ax, statistic_ax = fig.axes[0], fig.axes[2]
        assert len(effect_ax.collections[0].get_paths()) >= 1  # the interval band
        labels = [t.get_text() for t in statistic_ax.get_legend().get_texts()] if statistic_ax.get_legend() else []
        if method == "group_sequential":
            assert "efficacy boundary" in labels
            bound = next(line for line in statistic_ax.get_lines() if line.get_label() == "efficacy boundary")
            np.testing.assert_allclose(bound.get_ydata(), [float(r["efficacy_boundary"][0]) for r in path.results])
        assert set(_legend_texts(fig)) >= {d.replace("_", " ") for r in path.results for d in r.decision}
        _png(fig, tmp_path, f"path-{method}-{scale}")


def test_cumulative_path_refuses_more_looks_than_the_design(looks) -> None:
    with pytest.raises(ConfigError, match="at most the design's 3 looks"):
        abstats.effect_path(looks, control="A", method=GroupSequentialDesign("pocock", looks=3))


@pytest.mark.parametrize("kind", ["binary", "mean", "ratio"])
def test_power_curve_returns_a_figure(units, kind, tmp_path) -> None:
    pilot = abstats.from_units(units[units.variant == "A"], KINDS["ratio"]).stats  # a ratio plans from a pre-period
    settings = {"binary": {"baseline": 0.05}, "mean": {"baseline": 40.0, "sd": 30.0},
                "ratio": {"pre_period": pilot}}[kind]
    fig = plot_power_curve(KINDS[kind], mde=np.linspace(0.02, 0.3, 15), n_per_arm=[5_000, 20_000], **settings)
    assert isinstance(fig, matplotlib.figure.Figure)
    ax = fig.axes[0]
    assert ax.get_title().startswith("power curve") and ax.get_legend() is not None
    _png(fig, tmp_path, f"power-{kind}")

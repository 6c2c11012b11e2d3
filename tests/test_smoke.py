from sim.run.api import simulate
from sim.run.registry import compose


def test_two_arms_run_and_produce_tables() -> None:
    cfg = compose(["strategy=[entitlement,benefit_led]", "population.size=200", "replications=1"])
    res = simulate(cfg)
    assert set(res.metrics["arm"]) == {"entitlement", "benefit_led"}
    assert (res.metrics["touches"] > 0).all()
    assert not res.by_touch.empty
    assert len(res.timeseries) == 2 * 120


def test_count_columns_are_integers_and_rates_are_floats() -> None:
    cfg = compose(["strategy=[entitlement]", "population.size=100", "replications=1"])
    metrics = simulate(cfg).metrics
    for col in ("prospects", "touches", "responses", "meetings", "opt_outs", "dials"):
        assert metrics[col].dtype == "int64", col
    for col in ("response_rate", "rep_hours", "median_days_to_response"):
        assert metrics[col].dtype == "float64", col

from sim.api import simulate
from sim.registry import compose


def test_two_arms_run_and_produce_tables() -> None:
    cfg = compose(["strategy=[entitlement,benefit_led]", "population.size=200", "replications=1"])
    res = simulate(cfg)
    assert set(res.metrics["arm"]) == {"entitlement", "benefit_led"}
    assert (res.metrics["touches"] > 0).all()
    assert not res.by_touch.empty
    assert len(res.timeseries) == 2 * 120

import pandas as pd

from sim.report.plots import by_touch_figure, responses_by_touch


def test_responses_by_touch_keeps_touch_numbers_one_based_and_averages_replicates() -> None:
    frame = pd.DataFrame(
        {
            "arm": ["a", "a", "a", "a"],
            "replicate": [0, 0, 1, 1],
            "touch_number": [1, 2, 1, 2],
            "channel": ["email"] * 4,
            "variant": ["-"] * 4,
            "touches": [10, 8, 10, 9],
            "responses": [2, 4, 4, 0],
            "negative_replies": [0] * 4,
            "opt_outs": [0] * 4,
        }
    )
    series = responses_by_touch(frame)["a"]
    assert list(series.index) == [1, 2]
    assert list(series) == [3.0, 2.0]
    assert by_touch_figure(frame).startswith(b"\x89PNG")


def test_dollar_signs_in_arm_names_are_text_not_math() -> None:
    # "$...$" was parsed as mathtext and failed at drawing time, after the simulation had run.
    from sim.report import plots
    from sim.run.api import simulate
    from sim.run.registry import compose

    cfg = compose(["strategy=[entitlement,benefit_led]", "population.size=60", "replications=2"])
    entitlement, benefit = cfg.strategy["entitlement"], cfg.strategy["benefit_led"]
    cfg.strategy = {"pay $^$ day": entitlement, "$5k $ deals": benefit}  # invalid as mathtext
    cfg.baseline = "pay $^$ day"
    res = simulate(cfg)
    figures = plots.job_figures(res.metrics, res.summary, res.by_touch, res.timeseries)
    assert figures and all(data.startswith(b"\x89PNG") for data in figures.values())

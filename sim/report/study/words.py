"""A study's answer in words: the metrics and the swept settings as a room says them.

Every sentence is computed from the tables (the paired confidence intervals of ``summary.csv``,
or the study table of a sweep); a report never shows a config key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.report import verdict
from sim.report.lead import lead_line
from sim.report.study.tables import row
from sim.run.verdicts import DIRECTION


@dataclass(frozen=True)
class Question:
    """What a study's question asks about, so its answer leads with it.

    Attributes:
        rank: The metric that picks the best arm (more is better, or fewer for opt-outs).
        lead: The metrics of the one-line answer, in the order a room reads them (the question's
            own metric first, then what it costs or gets).
        left: Say what the list has left at the horizon (prospects still to work, the meetings
            they are worth) after the answer: the question is about burning the market.
    """

    rank: str = "response_rate"
    lead: tuple[str, ...] = ("response_rate", "opt_out_rate")
    left: bool = False


#: Each study's question (docs/workshop.md, "What each study answers"). Rates are per prospect
#: enrolled; ``hook_volume`` compares lists of different sizes at fixed rep time, so it counts
#: meetings, and says what the volume cost: inbox placement, complaints, the mailboxes'
#: reputation and the prospects burned. ``stalker_mode`` asks which spacing makes prospects opt
#: out, so opt-outs and the burned list lead and meetings follow.
QUESTIONS: dict[str, Question] = {
    "entitlement_vs_value": Question(lead=("response_rate", "meeting_rate", "opt_out_rate")),
    "stalker_mode": Question(
        "opt_out_rate", ("opt_out_rate", "prospects_burned", "meeting_rate"), left=True
    ),
    "cool_down": Question(),
    "hook_volume": Question(
        "meetings",
        (
            "meetings",
            "inbox_placement_rate",
            "complaint_rate",
            "final_reputation",
            "prospects_burned",
        ),
        left=True,
    ),
    "interruption_load": Question(),
    "channel_match": Question(),
    "callback_entitlement": Question(),
}
#: What each study's answer ranks by (its question's ``rank``).
PRIMARY: dict[str, str] = {name: q.rank for name, q in QUESTIONS.items()}
WORDS: dict[str, tuple[str, str]] = {
    # metric: (noun for "the most ...", unit formatter kind)
    "response_rate": ("responses", "pct"),
    "meeting_rate": ("meetings", "pct"),
    "opt_out_rate": ("opt-outs", "pct"),
    "meetings": ("meetings", "count"),
    "responses": ("responses", "count"),
    "opt_outs": ("opt-outs", "count"),
    "rep_hours": ("rep hours", "hours"),
    "prospects_burned": ("prospects burned", "count"),
    "inbox_placement_rate": ("emails in the inbox", "pct"),
}
TITLES: dict[str, str] = {
    "response_rate": "replied",
    "meeting_rate": "booked a meeting",
    "opt_out_rate": "opted out",
    "prospects_burned": "prospects burned",
    "inbox_placement_rate": "emails in the inbox",
}


def unit(metric: str) -> str:
    """What a figure's axis counts: ``% of prospects``, ``% of emails`` or ``count``."""
    if metric == "inbox_placement_rate":
        return "% of emails"
    return "% of prospects" if WORDS[metric][1] == "pct" else "count"


def ordered(lead: Sequence[str], rest: Sequence[str], limit: int | None = None) -> tuple[str, ...]:
    """The question's metrics a table or figure can show (:data:`WORDS`) first, then ``rest``."""
    out = tuple(dict.fromkeys([m for m in lead if m in WORDS] + list(rest)))
    return out if limit is None else out[:limit]


#: Swept parameters as a room says them: a report never shows a config key.
PARAM_WORDS: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "a pause of",
    "strategy.hooks.list_multiplier": "a list of",
    "strategy.hooks.personalization": "personalization",
    "model.load.email": "an inbox of",
}
#: What a swept parameter is called in a sentence ("depends on the pause length").
PARAM_SETTING: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "the pause length",
    "strategy.hooks.list_multiplier": "the list size",
    "strategy.hooks.personalization": "the personalization",
    "model.load.email": "the inbox size",
}
#: How a swept value reads after its words ("a pause of 14 days", "a list of 8 x 400").
PARAM_UNITS: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "{v} days",
    "strategy.hooks.list_multiplier": "{v} x 400 prospects",
    "strategy.hooks.personalization": "{v}",
    "model.load.email": "{v} emails a day",
}
#: The axis title of a swept parameter in the sweep figure.
PARAM_AXIS: dict[str, str] = {
    "strategy.cool_down.cooldown.pause_days": "pause (days)",
    "strategy.hooks.list_multiplier": "list size (x 400 prospects)",
    "strategy.hooks.personalization": "personalization",
    "model.load.email": "competing emails a prospect gets a day",
}
#: How the leading challenger stands against the baseline, by :func:`verdict.clearly`'s verdict.
VERSUS: dict[str, str] = {
    "higher": "clearly ahead",
    "unclear": "not clearly different",
    "lower": "clearly behind",
    "unknown": "without an interval",
}


#: How a sweep's answer ends when no setting makes a clear difference (the answer leads with it).
NO_DIFFERENCE = "the model finds no difference here."


def quoted(labels: Mapping[str, str], arm: str) -> str:
    """An arm's label in quotation marks."""
    return f"“{labels.get(arm, arm)}”"


def param(name: str) -> str:
    """The words before a swept value (``a pause of``)."""
    return PARAM_WORDS.get(name, name.rsplit(".", 1)[-1].replace("_", " "))


def axis(name: str) -> str:
    """The axis title (or table heading) of a swept parameter."""
    return PARAM_AXIS.get(name, param(name))


def setting(name: str, value: object) -> str:
    """``a pause of 14 days``: a swept value in words."""
    unit = PARAM_UNITS.get(name, "{v}").format(v=value)
    return f"{param(name)} {unit}"


def value_text(params: Sequence[str], values: Sequence[object]) -> str:
    """The settings of one job in words, joined by commas."""
    return ", ".join(setting(p, v) for p, v in zip(params, values, strict=True))


def where(params: Sequence[str]) -> str:
    """What the swept parameters are called in a sentence (``the pause length``)."""
    return " and ".join(PARAM_SETTING.get(p, param(p)) for p in params)


def _values(params: Sequence[str], keys: Sequence[tuple[object, ...]]) -> str:
    """``a pause of 3, 7 and 14 days`` for one parameter; settings joined for several."""
    if len(params) == 1:
        shown = [str(k[0]) for k in keys]
        listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        return setting(params[0], listed)
    return "; ".join(value_text(params, k) for k in keys)


def best_arm(summary: pd.DataFrame, baseline: str, metric: str) -> str | None:
    """The challenger with the most of ``metric`` (the fewest, where fewer is better)."""
    sign = DIRECTION.get(metric, 1)
    others = [a for a in dict.fromkeys(summary["arm"]) if a != baseline]
    return max(others, key=lambda a: sign * float(row(summary, a, metric)["mean"]), default=None)


def answer_single(
    summary: pd.DataFrame,
    baseline: str,
    labels: Mapping[str, str],
    metric: str = "response_rate",
    lead: tuple[str, ...] = (),
) -> str:
    """The study's answer in plain words, from a job's ``summary.csv`` (paired CIs vs baseline).

    With ``lead``, the first sentence is the answer in one line: the best arm (by ``metric``)
    against the baseline on each metric of ``lead``, in order
    (:func:`sim.report.lead.lead_line`).
    With several challengers, how many did clearly better than the baseline and which did best;
    then the best against the baseline (:func:`sim.report.verdict.headline`: "clearly" only
    when the paired 95% interval excludes zero). The trade-offs are
    :func:`sim.report.verdict.trade_offs`.
    """
    noun, kind = WORDS[metric]
    best = best_arm(summary, baseline, metric)
    if best is None:
        first = row(summary, baseline, metric)
        return f"{quoted(labels, baseline)} got {verdict.fmt(float(first['mean']), kind)} {noun}."
    name = labels.get(best, best)
    line = lead_line(summary, best, name, summary, baseline, labels.get(baseline, baseline), lead)
    others = [a for a in dict.fromkeys(summary["arm"]) if a != baseline]
    count = ""
    if len(others) > 1:
        better = "lower" if DIRECTION.get(metric, 1) < 0 else "higher"
        more, most = ("fewer", "fewest") if better == "lower" else ("more", "most")
        clear = [
            a
            for a in others
            if verdict.clearly(
                *(float(row(summary, a, metric)[c]) for c in ("diff_ci_low", "diff_ci_high"))
            )
            == better
        ]
        count = (
            f"{len(clear)} of {len(others)} strategies got clearly {more} {noun} than "
            f"{quoted(labels, baseline)}; the {most} came from {quoted(labels, best)}. "
        )
    head = verdict.headline(summary, best, baseline, labels, metric)
    return " ".join(p for p in (line, count + head) if p)


def list_left(a: pd.DataFrame, arm: str, b: pd.DataFrame, base: str, days: float) -> str:
    """What the list has left at the horizon, the best arm's against the baseline's, in words.

    Empty when the tables have no such rows (a table from before the finite market).
    """
    try:
        x = {m: verdict.estimate(a, arm, m).mean for m in LEFT}
        y = {m: verdict.estimate(b, base, m).mean for m in LEFT}
    except KeyError:
        return ""
    return (
        f"What the list has left on day {days:g}: {x['prospects_reachable']:,.0f} prospects "
        f"still to work against {y['prospects_reachable']:,.0f}, worth "
        f"{x['expected_future_meetings']:.1f} meetings against "
        f"{y['expected_future_meetings']:.1f} from one more benefit-led email to each."
    )


#: The metrics of :func:`list_left`.
LEFT: tuple[str, ...] = ("prospects_reachable", "expected_future_meetings")


def _one_arm(table: pd.DataFrame, params: Sequence[str], metric: str) -> str:
    """The setting with the most of ``metric`` against the one with the least (one arm swept)."""
    noun, kind = WORDS[metric]
    mean, lo, hi = f"{metric}_mean", f"{metric}_ci_low", f"{metric}_ci_high"
    best = table.iloc[int(np.argmax(table[mean].to_numpy(float)))]
    worst = table.iloc[int(np.argmin(table[mean].to_numpy(float)))]
    apart = float(best[lo]) > float(worst[hi])
    fmt = verdict.fmt
    return (
        f"The most {noun} came with {value_text(params, [best[p] for p in params])}: "
        f"{fmt(float(best[mean]), kind)} (95% interval {fmt(float(best[lo]), kind)} to "
        f"{fmt(float(best[hi]), kind)}); the fewest with "
        f"{value_text(params, [worst[p] for p in params])}: {fmt(float(worst[mean]), kind)}"
        + ("; the intervals do not overlap." if apart else "; the intervals overlap.")
    )


def _leaders(
    table: pd.DataFrame, params: Sequence[str], metric: str
) -> dict[str, list[tuple[object, ...]]]:
    """The settings each arm leads at (the highest mean of ``metric``), in order of first lead."""
    mean = f"{metric}_mean"
    leaders: dict[str, list[tuple[object, ...]]] = {}
    for values, job in table.groupby(list(params), sort=True):
        key = values if isinstance(values, tuple) else (values,)
        lead = str(job["arm"].iloc[int(np.argmax(job[mean].to_numpy(float)))])
        leaders.setdefault(lead, []).append(key)
    return leaders


def _versus(table: pd.DataFrame, params: Sequence[str], focus: str, metric: str) -> str:
    """Where ``focus`` is clearly ahead of, not clearly different from, or behind the baseline."""
    groups: dict[str, list[tuple[object, ...]]] = {}
    for _, r in table[table["arm"] == focus].iterrows():
        v = verdict.clearly(float(r[f"{metric}_diff_ci_low"]), float(r[f"{metric}_diff_ci_high"]))
        groups.setdefault(v, []).append(tuple(r[p] for p in params))
    return "; ".join(
        f"{VERSUS[v]} with {_values(params, groups[v])}"
        for v in ("higher", "unclear", "lower", "unknown")
        if v in groups
    )


def answer_sweep(
    table: pd.DataFrame,
    params: Sequence[str],
    baseline: str,
    labels: Mapping[str, str],
    metric: str = "response_rate",
) -> str:
    """How the answer depends on the swept setting, in one sentence, from the study table.

    With one arm, the setting with the most of ``metric`` against the one with the least, and
    whether their 95% intervals overlap. With several, which arm leads at each setting, and
    where the leading challenger is clearly ahead of, not clearly different from, or clearly
    behind the baseline (paired 95% intervals of each job).
    """
    noun = WORDS[metric][0]
    arms = list(dict.fromkeys(table["arm"]))
    if len(arms) == 1:
        return _one_arm(table, params, metric)
    said = where(params)
    leaders = _leaders(table, params, metric)
    if len(leaders) == 1:
        focus = next(iter(leaders))
        head = f"{quoted(labels, focus)} got the most {noun} at every value of {said} tested"
    else:
        parts = [f"{quoted(labels, a)} with {_values(params, v)}" for a, v in leaders.items()]
        head = f"Which strategy gets the most {noun} depends on {said}: {'; '.join(parts)}"
    others = [a for a in arms if a != baseline]
    if not others:
        return head + "."
    # The clause against the baseline follows the challenger that leads most often (then the
    # one with the highest mean over the sweep), so a sweep the baseline mostly wins still says
    # how its challenger did.
    overall = table.groupby("arm")[f"{metric}_mean"].mean()
    focus = max(others, key=lambda a: (len(leaders.get(a, [])), float(overall[a])))
    if no_difference(table, focus, metric):
        # Who "leads" where no interval excludes zero is noise: say there is no difference.
        keys = [tuple(r[p] for p in params) for _, r in table[table["arm"] == focus].iterrows()]
        return (
            f"With {_values(params, keys)} alike, {quoted(labels, focus)} is not clearly "
            f"different from {quoted(labels, baseline)} in {noun}: {NO_DIFFERENCE}"
        )
    versus = _versus(table, params, focus, metric)
    return f"{head}. Against {quoted(labels, baseline)}, {quoted(labels, focus)} is {versus}."


def no_difference(table: pd.DataFrame, focus: str, metric: str) -> bool:
    """Whether ``focus`` is not clearly different from the baseline in every job of a sweep."""
    rows = table[table["arm"] == focus]
    return not rows.empty and all(
        verdict.clearly(float(r[f"{metric}_diff_ci_low"]), float(r[f"{metric}_diff_ci_high"]))
        == "unclear"
        for _, r in rows.iterrows()
    )

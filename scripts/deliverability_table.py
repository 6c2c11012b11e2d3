"""The calibration table of docs/model.md (2.17): a mailbox's long-run inbox placement.

Run ``.venv/bin/python scripts/deliverability_table.py``: one row per week a mailbox repeats
(emails a working day, complaint rate, bounce rate, personalization), at the default model, with
its steady reputation and inbox chance (:func:`sim.model.deliverability.steady_inbox`). The first
row is the normal cold-email day the defaults are set to: the cap of ``reps/default.yaml``, a
six-step sequence at medium personalization, the cold list's bounces, a complaint rate of 0.1 %
(what the default benefit-led cadence gets, ``complaint_rate`` in metrics.csv).
"""

from __future__ import annotations

from sim.model.deliverability import steady_inbox
from sim.run.registry import compose

TEXTS = 6  # a six-step sequence: six texts a day at most

#: (what, emails a working day, complaint rate, bounce rate, template share)
ROWS = (
    ("normal cold-email day (the cap, defaults)", 30, 0.001, 0.023, 0.5),
    ("complaints at 0.05 %", 30, 0.0005, 0.023, 0.5),
    ("complaints at 0.2 %", 30, 0.002, 0.023, 0.5),
    ("complaints at 0.3 % (Gmail and Yahoo's limit)", 30, 0.003, 0.023, 0.5),
    ("complaints at 0.5 %", 30, 0.005, 0.023, 0.5),
    ("bounces at 10 %", 30, 0.001, 0.10, 0.5),
    ("bounces at 20 %", 30, 0.001, 0.20, 0.5),
    ("templates (low personalization)", 30, 0.001, 0.023, 1.0),
    ("written for each prospect (high)", 30, 0.001, 0.023, 0.0),
    ("5 emails a day", 5, 0.001, 0.023, 0.5),
    ("50 emails a day (the safe volume)", 50, 0.001, 0.023, 0.5),
    ("100 emails a day", 100, 0.001, 0.023, 0.5),
    ("100 emails a day, templates", 100, 0.001, 0.023, 1.0),
)


def main() -> None:
    """Print the table as Markdown."""
    cfg = compose(["strategy=[entitlement]"]).model
    print("| a mailbox's week | emails a working day | reputation | inbox |")
    print("|---|---:|---:|---:|")
    for what, sent, complaints, bounces, template in ROWS:
        identical = template * max(sent - TEXTS, 0)
        r, p = steady_inbox(cfg, sent, complaints, bounces, identical)
        print(f"| {what} | {sent} | {r:.2f} | {100 * p:.0f} % |")


if __name__ == "__main__":
    main()

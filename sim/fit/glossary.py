"""The message kinds a mapping sends an export's template tags to, each with examples.

An export names its templates as a team does (``Intro - Pain Point``, ``Case Study``, ``Bump``);
the model knows seven kinds of message (:data:`sim.model.messages.MESSAGES`). This glossary is
what ``outreach-sim-fit --inspect`` writes above the ``messages:`` of its skeleton and what
docs/fitting.md shows: what each kind means and tags that usually are one. It is a reading
aid, not a rule: the team that wrote a template knows what it says.
"""

from __future__ import annotations

from typing import Final

#: Each message kind: what it means, and template tags that usually are one.
GLOSSARY: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "self_focused": (
        "about the seller: the company, the product, its features, a request for time",
        ("Intro - Company Overview", "Product Launch", "Quick Demo?"),
    ),
    "benefit_led": (
        "about what the prospect would gain: their problem, an outcome for them",
        ("Intro - Pain Point", "Value Prop", "ROI", "Save Time"),
    ),
    "resource": (
        "sharing something useful without asking: a guide, a case study, an article",
        ("Case Study", "Whitepaper", "Helpful Article", "Webinar Invite"),
    ),
    "deadline": (
        "a date or an offer that ends: pricing, a slot, an event",
        ("Offer Ends Friday", "Last Seats", "Quarter-End Pricing"),
    ),
    "lazy_question": (
        "a question that asks the prospect to do the work",
        ("Who Handles X?", "Right Person?", "Are You The Right Contact"),
    ),
    "check_in": (
        "a nudge with nothing new: bumping the thread, following up",
        ("Follow Up", "Bump", "Checking In", "Circle Back"),
    ),
    "breakup": (
        "the last touch, saying goodbye and closing the loop",
        ("Breakup", "Closing The Loop", "Last Attempt"),
    ),
}


def glossary_lines(prefix: str = "") -> list[str]:
    """The glossary as lines (``prefix``: ``"# "`` for a YAML comment)."""
    return [
        f"{prefix}{kind}: {meaning} (e.g. {', '.join(repr(e) for e in examples)})"
        for kind, (meaning, examples) in GLOSSARY.items()
    ]

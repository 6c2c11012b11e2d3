"""The studies and their notes: the human part of each study, shipped with the package.

A study's note, ``sim/report/study/notes/NAME.md``, holds its question, the seed passage it
illustrates and what to look at. The notes are package data, read with :mod:`importlib.resources`,
so an installed wheel reports a study from any folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

#: The studies, in the order a workshop would show them.
STUDIES: tuple[str, ...] = (
    "entitlement_vs_value",
    "stalker_mode",
    "cool_down",
    "hook_volume",
    "interruption_load",
    "channel_match",
    "callback_entitlement",
)
#: The folder of the notes (and of their index, ``README.md``), in the installed package.
NOTES: Traversable = resources.files("sim.report.study") / "notes"


class StudyError(ValueError):
    """A study name or note that is not usable: names the study and what is allowed."""


@dataclass(frozen=True)
class Note:
    """The human part of a study, parsed from ``notes/NAME.md``."""

    name: str
    title: str
    question: str
    passage: str  # the seed passage, quoted verbatim
    seed_file: str  # e.g. 003_9919a87040a35674.txt
    look_at: str

    @property
    def seed_title(self) -> str:
        """The seed text's title, as a room reads it (never its file name)."""
        return SEED_TITLES.get(self.seed_file[:3], "one of the seed texts")


#: Each seed text's title: its first line (004 has none: its first sentence), by its number.
SEED_TITLES = {
    "000": "Do You Deserve A Return Phone Call?",
    "001": "How can I get prospects to return my calls?",
    "002": "Is it because you believe that the fact that you made a cold call to a prospect you "
    "are entitled to a call back?",
    "003": "Why Nobody Is Returning Your Sales Calls",
    "004": "I originally ran this post about 15 months ago and thought it might be time to "
    "repeat a valuable lesson!",
}


def not_allowed(name: object) -> StudyError:
    """The error for a name that is not a study, listing the studies."""
    return StudyError(f"study={name!r} is not allowed: one of {', '.join(STUDIES)}")


def read_note(name: str, notes_dir: Traversable = NOTES) -> Note:
    """Parse ``notes/NAME.md``: its title, and its Question, Seed passage, What to look at.

    Raises:
        StudyError: the study has no note, or the note misses a section.
    """
    path = notes_dir / f"{name}.md"
    if name not in STUDIES or not path.is_file():
        raise not_allowed(name)
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", text, re.M)
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", text, re.M | re.S))
    needed = ("Question", "Seed passage", "What to look at")
    missing = [s for s in needed if s not in sections]
    if title is None or missing:
        raise StudyError(f"{path}: needs a '# title' and sections {', '.join(needed)}")
    seed_part = sections["Seed passage"]
    quote = " ".join(
        line[1:].strip() for line in seed_part.splitlines() if line.startswith(">")
    ).strip()
    seed_file = re.search(r"`(\d{3}_[0-9a-f]+\.txt)`", seed_part)
    return Note(
        name=name,
        title=title.group(1).strip(),
        question=" ".join(sections["Question"].split()),
        passage=quote,
        seed_file=seed_file.group(1) if seed_file else "",
        look_at=" ".join(sections["What to look at"].split()),
    )

"""The workshop page: pick a study, move a few plain controls, read the answer.

Built with Shiny for Python: one Python process serves the page and its assets from the
installed package (no CDN, so it works offline), and the controls talk to the server over a
websocket, so an answer is one short simulation away (:mod:`sim.workshop.live`). Why Shiny and
not Panel, Dash, Solara or Streamlit: docs/workshop.md.
"""

from __future__ import annotations

from typing import Any

from shiny import App, Inputs, Outputs, Session, reactive, render, ui

from sim.report.pages import markdown_html
from sim.report.study import read_note
from sim.workshop.guard import SameOrigin
from sim.workshop.inputs import RefusedError, check_study, check_worlds
from sim.workshop.live import Answer, answer_for, meetings_heading
from sim.workshop.scenarios import LIVE_WORLDS, SCENARIOS, Control, defaults

#: Large type for a projector; the table and journey stay readable from the back of a room.
CSS = """
html { font-size: 22px; }
body { line-height: 1.4; }
.bslib-sidebar-layout > .sidebar { width: 26rem; }
.answer { font-size: 1.3rem; background: #eef6ee; border-left: 8px solid #2ca02c;
  padding: .6rem 1rem; margin: .6rem 0; }
.tradeoffs { font-size: 1.1rem; background: #fff6e6; border-left: 8px solid #ff7f0e;
  padding: .6rem 1rem; }
.arms { border-collapse: collapse; margin: .6rem 0; font-size: .95rem; }
.arms th, .arms td { border: 1px solid #bbb; padding: .3rem .6rem; text-align: left;
  vertical-align: top; }
.arms th { background: #f0f0f0; }
.journeys { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.journeys section { flex: 1 1 20rem; }
.journeys ol { padding-left: 1.2rem; }
.howsize { color: #555; font-size: .85rem; }
.question { font-size: 1.15rem; }
.refused { font-size: 1.2rem; background: #fdecea; border-left: 8px solid #d62728;
  padding: .6rem 1rem; margin: .6rem 0; }
"""

#: Shiny's message handlers for file uploads: removed, since the page has no file input.
UPLOAD_MESSAGES = ("uploadInit", "uploadEnd")
#: What the page shows if an answer fails for any reason other than a refused value.
FAILED = (
    "This answer could not be computed; nothing is shown for it. Move a control or pick the "
    "study again."
)


def _choices() -> dict[str, str]:
    return {name: s.title for name, s in SCENARIOS.items()}


def _input_id(study: str, key: str) -> str:
    # One id per study and control, so a control never carries a value over to another study.
    return f"{study}__{key}"


def control_tag(study: str, control: Control, value: object) -> Any:
    """The Shiny input for ``control``, starting at ``value``."""
    iid = _input_id(study, control.key)
    if control.kind == "slider":
        tag = ui.input_slider(
            iid, control.label, control.low, control.high, float(str(value)), step=control.step
        )
    elif control.kind == "choice":
        tag = ui.input_radio_buttons(iid, control.label, dict(control.choices), selected=str(value))
    else:
        tag = ui.input_switch(iid, control.label, bool(value))
    return ui.div(tag, ui.p(control.help, class_="howsize") if control.help else None)


def answer_ui(study: str, answer: Answer) -> Any:
    """The answer laid out: headline, trade-offs, the table, one prospect's journey."""
    head = ui.tags.tr(
        *(
            ui.tags.th(h)
            for h in (
                "cadence",
                "replied",
                meetings_heading(study),
                "opted out",
                "rep hours",
                "rep hours per meeting",
            )
        )
    )
    body = [
        ui.tags.tr(
            ui.tags.th(r.label),
            *(
                ui.tags.td(v)
                for v in (r.replied, r.meetings, r.opted_out, r.rep_hours, r.hours_per_meeting)
            ),
        )
        for r in answer.rows
    ]
    stories = [
        ui.tags.section(ui.h4(s.label), ui.tags.ol(*(ui.tags.li(line) for line in s.lines)))
        for s in answer.stories
    ]
    return ui.TagList(
        ui.p(answer.headline, class_="answer", id="answer-text"),
        ui.p(answer.trade_offs, class_="tradeoffs", id="tradeoffs-text"),
        ui.tags.table(ui.tags.thead(head), ui.tags.tbody(*body), class_="arms", id="arms"),
        ui.p(
            (
                f"Shares of prospects, with 95% intervals across {answer.worlds} plausible "
                "worlds: the model's own uncertainty (parameter sets consistent with the "
                "published figures) and the simulation's noise. Simulated live: "
                if answer.worlds
                else "Shares of prospects, with 95% intervals over the repeats: the simulation's "
                "own noise only, the model's parameters taken as known (switch on \"across "
                "plausible worlds\" for the model's own uncertainty). Simulated live: "
            )
            + f"{answer.size}.",
            class_="howsize",
            id="interval-note",
        ),
        ui.h3("One prospect's journey, the same person with each cadence"),
        ui.p(answer.how_picked, class_="howsize", id="how-picked"),
        ui.div(*stories, class_="journeys", id="journeys"),
    )


def page_ui() -> Any:
    """The page: the study, its controls and the answer."""
    return ui.page_sidebar(
        ui.sidebar(
            ui.input_select("study", "Study", _choices(), selected=next(iter(SCENARIOS))),
            ui.output_ui("controls"),
            ui.input_switch("worlds", f"Across {LIVE_WORLDS} plausible worlds (slower)", False),
            ui.p(
                "Each answer is a fresh simulation, small enough to take a second or two; across "
                "the plausible worlds it takes several times longer.",
                class_="howsize",
            ),
            width="26rem",
        ),
        ui.tags.style(CSS),
        ui.output_ui("question"),
        ui.output_ui("result"),
        title="Outreach workshop",
        window_title="Outreach workshop",
        lang="en",
    )


def server(input: Inputs, output: Outputs, session: Session) -> None:
    """The page's server: every value it receives is checked before anything runs."""
    # The page has no file input: Shiny's upload messages are not served (guard.py refuses
    # the upload route too).
    for handler in UPLOAD_MESSAGES:
        session.set_message_handler(handler, None)

    def study_or_none() -> str | None:
        try:
            return check_study(input.study())
        except RefusedError:
            return None

    @render.ui
    def controls() -> Any:
        study = study_or_none()
        if study is None:
            return None
        start = defaults(study)
        return ui.TagList(*(control_tag(study, c, start[c.key]) for c in SCENARIOS[study].controls))

    @render.ui
    def question() -> Any:
        study = study_or_none()
        if study is None:
            return None
        note = read_note(study)
        return ui.TagList(
            ui.h2(note.title),
            ui.div(ui.HTML(str(markdown_html(note.question))), class_="question"),
        )

    @reactive.calc
    def values() -> dict[str, object]:
        study = check_study(input.study())
        out: dict[str, object] = {}
        for c in SCENARIOS[study].controls:
            iid = _input_id(study, c.key)
            if iid not in input:
                # The controls of a newly picked study are not on the page yet.
                return defaults(study)
            out[c.key] = input[iid]()
        return out

    @render.ui
    def result() -> Any:
        try:
            worlds = LIVE_WORLDS if check_worlds(input.worlds()) else 0
            study = check_study(input.study())
            return answer_ui(study, answer_for(study, values(), worlds))
        except RefusedError as refused:
            # One plain sentence, and no run (answer_for checks before it simulates).
            return ui.p(str(refused), class_="refused", id="refused-text")


def make_app() -> App:
    """The Shiny app (UI and server), guarded (:mod:`sim.workshop.guard`)."""
    app = App(page_ui(), server)
    # Anything else that goes wrong shows this sentence, never a raw Python error.
    app.sanitize_errors = True
    app.sanitize_error_msg = FAILED
    # Only this machine's own page may talk to the server (guard.py).
    app.starlette_app.add_middleware(SameOrigin)
    return app


app = make_app()

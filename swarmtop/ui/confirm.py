"""A y/N question (htop's F9 prompt): `y` answers yes; `n`, `esc` or anything else, no."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from swarmtop.ui.lines import TextLines


class Confirm(ModalScreen[bool]):
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape,q", "answer(False)", "No")]

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > TextLines {
        width: auto; max-width: 90; height: auto; border: round $error;
        background: $surface; padding: 0 1;
    }
    """

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        q = self.question.copy()
        q.append("  [y/N]", style="bold")
        yield TextLines(q, id="confirm")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        if key not in ("y", "n", "escape", "q"):
            self.dismiss(False)  # anything else is no, as in htop

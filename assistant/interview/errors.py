"""Why a staff link or a staff submission is refused: the exceptions the staff routes turn into pages."""

from __future__ import annotations


class LinkError(Exception):
    """An interview link that cannot be used: ``status`` 404 (unknown) or 410 (expired, withdrawn)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class AnswerError(ValueError):
    """A staff submission that cannot be stored as it is; the message says what to change.

    ``draft``: the text to put back in the answer box when it is not what was sent (control
    characters removed); None means the text as sent.
    """

    def __init__(self, message: str, draft: str | None = None) -> None:
        super().__init__(message)
        self.draft = draft


class StaleAnswer(AnswerError):
    """An answer sent from a page that showed an earlier question (another tab or device moved on).

    Nothing is stored: the person is shown the current question with their text kept in the box.
    """

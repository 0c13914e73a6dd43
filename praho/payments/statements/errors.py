"""The one error a statement upload can end in.

It is a ValueError so a caller that validates input (a form, an API view) can show it as it
shows any other bad value: the message is already translated and names the problem, the entry
and the value, because the person reading it has the bank's file open and must find the line.
"""

from __future__ import annotations


class StatementError(ValueError):
    """A statement file PRAHO will not take; `str(error)` is the translated reason."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

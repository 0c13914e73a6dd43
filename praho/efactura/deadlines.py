"""When ANAF must have an issued invoice or credit note: 5 working days after its issue date.

Working days are Monday to Friday except Romania's public holidays (praho.core.workdays). A date
near the calendar's end gives its last day (9999-12-31) as the deadline, not an OverflowError.
"""

from __future__ import annotations

from datetime import date

from praho.core.workdays import add_working_days

WORKING_DAYS_TO_SUBMIT = 5


def deadline_for(issue_date: date) -> date:
    """The last day for ANAF to have the document issued on `issue_date`: the 5th working day
    after it (issued on Monday 2026-03-09: Monday 2026-03-16)."""
    return add_working_days(issue_date, WORKING_DAYS_TO_SUBMIT)

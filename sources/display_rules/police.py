"""Police: convictions from the last 5 years and suspect records from the last year; victims never.

At most the 3 most recent safeguarding offences are shown (most recent first); every other offence only as a yes/no
flag. An offence without a date cannot be placed in a window, so it is not counted.
"""

from __future__ import annotations

import datetime

from sources.display_rules.dates import years_before
from sources.model import (
    InvolvementStatus,
    Offence,
    OffenceInvolvement,
    OffenceRecord,
    PoliceFacts,
    PoliceInvolvement,
    Service,
    SourceRef,
)
from sources.services.police.rules import PoliceRules

INVOLVED = (
    "Known to police: convictions from the last {convictions} and suspect records from the last {suspects}; "
    "at most {shown} safeguarding offences shown"
)
NOT_KNOWN = "No convictions in the last {convictions} or suspect records in the last {suspects} found"
VICTIM = "victim"
OPEN_OUTCOMES = frozenset({"charged", "under investigation"})


def police_window(rules: PoliceRules, offence: OffenceRecord, today: datetime.date) -> bool:
    """Whether an offence may be shown: a conviction within the conviction window, any other offender or suspect
    record within the suspect window. Victim records never."""
    if offence.role == VICTIM or offence.offence_date is None:
        return False
    years = rules.conviction_window_years if offence.convicted else rules.suspect_window_years
    return offence.offence_date >= years_before(today, years)


def police_involvements(
    rules: PoliceRules, facts: PoliceFacts, source: SourceRef, today: datetime.date
) -> tuple[PoliceInvolvement, ...]:
    shown = [offence for offence in facts.offences if police_window(rules, offence, today)]
    if not shown:
        return ()
    safeguarding = sorted(
        (offence for offence in shown if offence.category is not None),
        key=lambda offence: offence.offence_date or datetime.date.min,
        reverse=True,
    )[: rules.max_safeguarding_offences]
    return (
        PoliceInvolvement(
            service=Service.POLICE,
            status=(
                InvolvementStatus.CURRENT
                if any(offence.outcome in OPEN_OUTCOMES for offence in shown)
                else InvolvementStatus.HISTORIC
            ),
            organisation=facts.police_area,
            practitioner=facts.contact,
            source=source,
            police_area=facts.police_area,
            safeguarding_offences=tuple(
                Offence(
                    date=offence.offence_date,
                    category=offence.category,
                    involvement=OffenceInvolvement.CONVICTED if offence.convicted else OffenceInvolvement.SUSPECTED,
                )
                for offence in safeguarding
                if offence.category is not None
            ),
            has_non_safeguarding_records=any(offence.category is None for offence in shown),
        ),
    )


def police_messages(rules: PoliceRules) -> tuple[str, str]:
    values = {
        "convictions": _years(rules.conviction_window_years),
        "suspects": _years(rules.suspect_window_years),
        "shown": rules.max_safeguarding_offences,
    }
    return INVOLVED.format(**values), NOT_KNOWN.format(**values)


def _years(count: int) -> str:
    """'year' or '5 years', as in 'the last year', 'the last 5 years'."""
    return "year" if count == 1 else f"{count} years"

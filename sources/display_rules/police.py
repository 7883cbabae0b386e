"""Police: convictions from the last 5 years and suspect records from the last year; victims never.

At most the 3 most recent safeguarding offences are shown (most recent first); every other offence only as a yes/no
flag. An offence without a date cannot be placed in a window, so it is not counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from sources.display_rules.dates import years_before
from sources.model import (
    Involvement,
    InvolvementStatus,
    Offence,
    OffenceInvolvement,
    OffenceRecord,
    PoliceFacts,
    PoliceInvolvement,
    PoliceOutcome,
    Service,
    SourceRef,
)
from sources.services.police.rules import PoliceRules

# What was found, at the level of service flags (the offences themselves are details, behind "Show details").
INVOLVED_OPEN = "Known to {force}: a matter still open (charged, or under investigation) in the last {suspects}"
INVOLVED_CLOSED = (
    "Known to {force}: a conviction in the last {convictions} or a suspect record in the last {suspects}; "
    "nothing still open"
)
A_FORCE = "the police"
NOT_KNOWN = "No convictions in the last {convictions} or suspect records in the last {suspects} found"
VICTIM = "victim"
# The extract's outcome words, in the police's terms.
OUTCOMES = {
    "convicted": PoliceOutcome.CONVICTED,
    "cautioned": PoliceOutcome.CAUTIONED,
    "caution": PoliceOutcome.CAUTIONED,
    "charged": PoliceOutcome.CHARGED,
    "under investigation": PoliceOutcome.UNDER_INVESTIGATION,
    "no further action": PoliceOutcome.NO_FURTHER_ACTION,
    "nfa": PoliceOutcome.NO_FURTHER_ACTION,
}
OPEN_OUTCOMES = frozenset({PoliceOutcome.CHARGED, PoliceOutcome.UNDER_INVESTIGATION})


def police_outcome(native: str) -> PoliceOutcome | None:
    """The extract's outcome text as a `PoliceOutcome` (None when the extract left it empty)."""
    words = " ".join(native.lower().split())
    if not words:
        return None
    return OUTCOMES.get(words, PoliceOutcome.OTHER)


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
                if any(police_outcome(offence.outcome) in OPEN_OUTCOMES for offence in shown)
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
                    outcome=police_outcome(offence.outcome),
                )
                for offence in safeguarding
                if offence.category is not None
            ),
            has_non_safeguarding_records=any(offence.category is None for offence in shown),
        ),
    )


def police_messages(rules: PoliceRules) -> tuple[Callable[[Sequence[Involvement]], str], str]:
    """What an involved check says (from what was found) and what a check that found nothing says."""
    values = {"convictions": _years(rules.conviction_window_years), "suspects": _years(rules.suspect_window_years)}

    def involved(found: Sequence[Involvement]) -> str:
        said = []
        for involvement in found:
            template = INVOLVED_OPEN if involvement.status is InvolvementStatus.CURRENT else INVOLVED_CLOSED
            said.append(template.format(force=involvement.organisation or A_FORCE, **values))
        return "; ".join(dict.fromkeys(said))

    return involved, NOT_KNOWN.format(**values)


def _years(count: int) -> str:
    """'year' or '5 years', as in 'the last year', 'the last 5 years'."""
    return "year" if count == 1 else f"{count} years"

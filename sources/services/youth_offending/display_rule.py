"""Youth offending: open interventions, and interventions closed within the window (2 years), for ages 10 to 17.

One involvement per record: current while an intervention is open; its case worker is the practitioner contact
(of the open intervention started last, else of the intervention closed last). Details: the interventions shown,
open ones first, then closed ones most recently ended first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from sources.display_rules.dates import months_before
from sources.model import CaseStatus, Involvement, InvolvementStatus, Service, SourceRef
from sources.services.youth_offending.model import (
    YotIntervention,
    YouthIntervention,
    YouthOffendingFacts,
    YouthOffendingInvolvement,
)
from sources.services.youth_offending.rules import YouthOffendingRules

INVOLVED_OPEN = "Open to {team}: an intervention still running"
INVOLVED_CLOSED = "Known to {team}: an intervention that ended in the last {window}, none open now"
A_TEAM = "the youth offending team"
NOT_KNOWN = "No open youth offending intervention, and none closed in the last {window}, found"
OPEN = "open"


def _is_open(intervention: YotIntervention, today: datetime.date) -> bool:
    if intervention.status.lower() == OPEN:
        return intervention.end_date is None or intervention.end_date >= today
    return False


def shown_interventions(
    rules: YouthOffendingRules, facts: YouthOffendingFacts, today: datetime.date
) -> list[YotIntervention]:
    """Open interventions, and closed ones that ended within the window; open first, then latest ended first."""
    since = months_before(today, 12 * rules.closed_within_years)
    open_ones = [i for i in facts.interventions if _is_open(i, today)]
    closed = [
        i for i in facts.interventions if not _is_open(i, today) and i.end_date is not None and i.end_date >= since
    ]
    open_ones.sort(key=lambda i: i.start_date or datetime.date.min, reverse=True)
    closed.sort(key=lambda i: i.end_date or datetime.date.min, reverse=True)
    return open_ones + closed


def youth_offending_involvements(
    rules: YouthOffendingRules, facts: YouthOffendingFacts, source: SourceRef, today: datetime.date
) -> tuple[YouthOffendingInvolvement, ...]:
    shown = shown_interventions(rules, facts, today)
    if not shown:
        return ()
    open_ones = [i for i in shown if _is_open(i, today)]
    lead = open_ones[0] if open_ones else shown[0]
    return (
        YouthOffendingInvolvement(
            service=Service.YOUTH_OFFENDING,
            status=InvolvementStatus.CURRENT if open_ones else InvolvementStatus.HISTORIC,
            organisation=facts.team,
            practitioner=lead.case_worker,
            start_date=lead.start_date,
            end_date=None if open_ones else lead.end_date,
            last_contact=facts.last_contact,
            source=source,
            interventions=tuple(
                YouthIntervention(
                    kind=i.kind,
                    status=CaseStatus.OPEN if _is_open(i, today) else CaseStatus.CLOSED,
                    start_date=i.start_date,
                    end_date=i.end_date,
                )
                for i in shown
            ),
        ),
    )


def youth_offending_messages(
    rules: YouthOffendingRules,
) -> tuple[Callable[[Sequence[Involvement]], str], str]:
    """What an involved check says (from what was found: open or ended, and the team) and what a check that found
    nothing says."""
    years = rules.closed_within_years
    window = "year" if years == 1 else f"{years} years"

    def involved(found: Sequence[Involvement]) -> str:
        said = [
            (INVOLVED_OPEN if i.status is InvolvementStatus.CURRENT else INVOLVED_CLOSED).format(
                team=i.organisation or A_TEAM, window=window
            )
            for i in found
        ]
        return "; ".join(dict.fromkeys(said))

    return involved, NOT_KNOWN.format(window=window)

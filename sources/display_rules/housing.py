"""Housing: current tenants' notices, evictions and arrears; anyone named as an anti-social behaviour perpetrator.

Notices seeking possession and eviction proceedings count when served or started within the window (12 months);
rent arrears only when strictly over the threshold (6 weeks). Anti-social behaviour cases count only where the
person is the perpetrator (never a victim or witness) and the case opened on or after the cut-off (2014), whether
or not the person is a tenant.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence

from sources.display_rules.dates import months_before
from sources.model import (
    AsbCase,
    CaseStatus,
    DatedCase,
    HousingFacts,
    HousingInvolvement,
    Involvement,
    InvolvementStatus,
    Service,
    SourceRef,
)
from sources.services.housing.rules import HousingRules

# What was found: a current tenancy or an open anti-social behaviour case (which of them is a detail), or a case
# now closed.
INVOLVED_CURRENT = (
    "Known to {provider} now: a current tenant, or named as a perpetrator in an open anti-social behaviour case"
)
INVOLVED_PAST = "Known to {provider}: named as a perpetrator of anti-social behaviour since {since}, case now closed"
A_PROVIDER = "the housing provider"
NOT_KNOWN = (
    "No current rent arrears over {weeks} weeks; not a current tenant; "
    "not named as a perpetrator of anti-social behaviour since {since}"
)
PERPETRATOR = "perpetrator"


def housing_window(rules: HousingRules, today: datetime.date) -> datetime.date:
    """The earliest date a notice seeking possession or an eviction is shown from."""
    return months_before(today, rules.notice_window_months)


def is_current_tenant(facts: HousingFacts, today: datetime.date) -> bool:
    if not facts.is_tenant:
        return False
    if facts.tenancy_current is not None:
        return facts.tenancy_current
    return facts.tenancy_end is None or facts.tenancy_end > today


def perpetrator_cases(rules: HousingRules, facts: HousingFacts) -> list[AsbCase]:
    return [
        case
        for case in facts.asb_cases
        if case.role == PERPETRATOR and case.opened is not None and case.opened >= rules.asb_perpetrator_since
    ]


def case_status(cases: Sequence[AsbCase | DatedCase]) -> CaseStatus:
    """OPEN if any case is open, CLOSED if all are closed, NONE without cases."""
    if not cases:
        return CaseStatus.NONE
    return CaseStatus.OPEN if any(case.closed is None for case in cases) else CaseStatus.CLOSED


def housing_involvements(
    rules: HousingRules, facts: HousingFacts, source: SourceRef, today: datetime.date
) -> tuple[HousingInvolvement, ...]:
    tenant = is_current_tenant(facts, today)
    asb = perpetrator_cases(rules, facts)
    if not tenant and not asb:
        return ()
    asb_status = case_status(asb)
    if not tenant:
        return (
            HousingInvolvement(
                service=Service.HOUSING,
                status=InvolvementStatus.CURRENT if asb_status is CaseStatus.OPEN else InvolvementStatus.HISTORIC,
                organisation=facts.provider,
                source=source,
                anti_social_behaviour=asb_status,
            ),
        )
    since = housing_window(rules, today)
    notices = [case for case in facts.notices_seeking_possession if case.opened and case.opened >= since]
    evictions = [case for case in facts.evictions if case.opened and case.opened >= since]
    in_arrears = facts.arrears_weeks is not None and facts.arrears_weeks > rules.arrears_over_weeks
    return (
        HousingInvolvement(
            service=Service.HOUSING,
            status=InvolvementStatus.CURRENT,
            organisation=facts.provider,
            practitioner=facts.housing_officer,
            start_date=facts.tenancy_start,
            source=source,
            tenancy_start=facts.tenancy_start,
            anti_social_behaviour=asb_status,
            eviction=case_status(evictions),
            notice_seeking_possession=case_status(notices),
            rent_arrears=CaseStatus.OPEN if in_arrears else CaseStatus.NONE,
        ),
    )


def housing_messages(rules: HousingRules) -> tuple[Callable[[Sequence[Involvement]], str], str]:
    """What an involved check says (from what was found) and what a check that found nothing says."""
    weeks = f"{rules.arrears_over_weeks:g}"
    since = str(rules.asb_perpetrator_since.year)

    def involved(found: Sequence[Involvement]) -> str:
        said = [
            (INVOLVED_CURRENT if i.status is InvolvementStatus.CURRENT else INVOLVED_PAST).format(
                provider=i.organisation or A_PROVIDER, since=since
            )
            for i in found
        ]
        return "; ".join(dict.fromkeys(said))

    return involved, NOT_KNOWN.format(weeks=weeks, since=since)

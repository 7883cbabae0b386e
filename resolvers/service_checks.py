"""`serviceChecks` and `links`: ask each service's source about one person, link, apply the display rules.

Every service the authority knows appears in the answer: checked, or why not (not connected, not permitted,
unavailable, not applicable). Only the services the query asks for, and the principal may see flags of, are asked
of their sources; a service's details and linkage fields are withheld per service by the schema's access guard.

The age rule comes first: a person whose date of birth puts them outside a service's age range is NOT_APPLICABLE
there without that source being asked, so the answer is the same whether the source is up or down, and a source is
not searched for people whose records could never be shown (nearly half of all housing searches, measured).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Sequence
from dataclasses import dataclass

import linkage
from auth.field_classes import FieldClass
from auth.policy import Denied
from resolvers import loaders
from resolvers.context import RequestContext
from resolvers.views import IndividualView, ServiceCheckView, SourceLinkView
from sources import display_rules
from sources.adapter import SourceAdapter, SourceUnavailable
from sources.model import SERVICES, CheckOutcome, RuleResult, Service, SourceRecord

NOT_CONNECTED = "Not checked: {authority} has no connection to {service} records yet."
UNAVAILABLE = "Not checked: {system} did not answer ({reason}). Try again later, or ask the service directly."

Linked = list[tuple[SourceRecord, linkage.MatchEvidence]]


def wanted_services(services: Sequence[Service] | None) -> list[Service]:
    """The services asked for, each once, in the schema's order."""
    if services is None:
        return list(SERVICES)
    asked = set(services)
    return [s for s in SERVICES if s in asked]


SHOWN = frozenset({CheckOutcome.INVOLVED, CheckOutcome.NOT_KNOWN, CheckOutcome.NOT_APPLICABLE})


@dataclass(frozen=True)
class ChecksAhead:
    """What a query asks of each person beneath a field, read off its document before that field's children run
    (`schema/lookahead.py`): `serviceChecks` of these services (`services` None: every service), and `links`."""

    checks: bool
    services: frozenset[Service] | None
    links: bool

    @property
    def anything(self) -> bool:
        return self.checks or self.links


async def service_checks(
    ctx: RequestContext,
    person: IndividualView,
    services: Sequence[Service] | None,
    detail_types: frozenset[str] = frozenset(),
) -> list[ServiceCheckView]:
    """Every asked service's check on the person. `detail_types` names the involvement types (by class name) whose
    details the query selects: returning one of those with its details granted is recorded as details viewed."""
    runtime = ctx.runtime
    today = runtime.today()
    wanted = wanted_services(services)
    refused, results, to_ask = _decided(ctx, person, wanted, today)
    for service, answer in zip(to_ask, await _linked_records(ctx, person, to_ask), strict=True):
        if isinstance(answer, SourceUnavailable):
            results[service] = answer
        else:
            results[service] = display_rules.apply(runtime.display_rules, service, person.date_of_birth, answer, today)
    checks = []
    for service in wanted:
        adapter = runtime.adapters.get(service)
        if adapter is None:
            checks.append(_not_connected(runtime.authority_name, service))
        elif service in refused:
            checks.append(_simple(service, CheckOutcome.NOT_PERMITTED, refused[service].message, adapter))
        else:
            result = results[service]
            if isinstance(result, SourceUnavailable):
                explanation = UNAVAILABLE.format(system=result.system, reason=result.reason)
                checks.append(_simple(service, CheckOutcome.UNAVAILABLE, explanation, adapter))
            else:
                # Possible matches are linkage evidence: mentioned only to those who may see the links.
                shows_links = ctx.access.allows(FieldClass.LINKAGE, service)
                checks.append(
                    ServiceCheckView(
                        service=service,
                        outcome=result.outcome,
                        involvements=result.involvements,
                        as_of=adapter.info.as_of,
                        coverage=adapter.info.coverage,
                        explanation=result.explanation if shows_links else result.rule_explanation,
                    )
                )
    _record(ctx, person, checks, detail_types)
    return checks


def prefetch(ctx: RequestContext, people: Sequence[IndividualView], ahead: ChecksAhead) -> None:
    """Start, without waiting, the source look-ups that `service_checks` and `links` will make for these people
    when the query reaches them: the same services, the same keys, in the request's DataLoaders, so that the
    look-ups go out now, batched together, and the resolvers later find them under way or answered.

    A household's recorded members are known as soon as the CMS answers for their relationships, while the
    residents at the child's address are still being asked for: their checks need not wait for those answers
    (`resolvers/household.py`). Nothing is shown or recorded here; a failure is kept for the resolver that
    awaits the look-up, which absorbs it as it would have anyway.
    """
    if not ahead.anything:
        return
    today = ctx.runtime.today()
    wanted = wanted_services(None if ahead.services is None else list(ahead.services)) if ahead.checks else []
    linkable = _linkable(ctx) if ahead.links else []
    keys: dict[Service, list[linkage.Demographics]] = {}
    for person in people:
        for service in dict.fromkeys([*_decided(ctx, person, wanted, today)[2], *linkable]):
            keys.setdefault(service, []).append(person.demographics)
    for service, demographics in keys.items():
        loaders.start(ctx.loaders.candidates(service), demographics)


def _decided(
    ctx: RequestContext, person: IndividualView, wanted: Sequence[Service], today: datetime.date
) -> tuple[dict[Service, Denied], dict[Service, RuleResult | SourceUnavailable], list[Service]]:
    """Of the wanted services: those the principal may not see flags of (with why), those whose age rule already
    answers for the person, and those whose sources are to be asked."""
    refused = {s: d for s in wanted if isinstance(d := ctx.access.decide(FieldClass.FLAG, s), Denied)}
    connected = [s for s in wanted if s in ctx.runtime.adapters and s not in refused]
    results = _out_of_age(ctx, person, connected, today)
    return refused, results, [s for s in connected if s not in results]


def _linkable(ctx: RequestContext) -> list[Service]:
    """The connected services whose links the principal may see (their flags and their linkage)."""
    allows = ctx.access.allows
    return [s for s in ctx.runtime.adapters if allows(FieldClass.FLAG, s) and allows(FieldClass.LINKAGE, s)]


def _out_of_age(
    ctx: RequestContext, person: IndividualView, services: list[Service], today: datetime.date
) -> dict[Service, RuleResult | SourceUnavailable]:
    """The services whose age rule already answers for the person (NOT_APPLICABLE), before any source is asked."""
    rules = ctx.runtime.display_rules
    decided: dict[Service, RuleResult | SourceUnavailable] = {}
    for service in services:
        result = display_rules.not_applicable(rules, service, person.date_of_birth, today)
        if result is not None:
            decided[service] = result
    return decided


def _record(
    ctx: RequestContext, person: IndividualView, checks: list[ServiceCheckView], detail_types: frozenset[str]
) -> None:
    """What the audit trail records: the services whose outcome was shown, and each service whose details were."""
    ctx.audit.viewed_service_flags(person.id, [c.service for c in checks if c.outcome in SHOWN])
    if not detail_types:  # the query selects no involvement's details
        return
    for check in checks:
        details = ctx.access.allows(FieldClass.DETAIL, check.service)
        if details and any(type(i).__name__ in detail_types for i in check.involvements or ()):
            ctx.audit.viewed_service_details(person.id, check.service)


async def links(ctx: RequestContext, person: IndividualView) -> list[SourceLinkView]:
    """Every source record linked to the person, possible matches included, with the evidence for each.

    The age rule does not apply here: linkage is evidence the worker may need (a record under a wrong date of birth,
    a person whose age is in doubt), not a display rule, so links are looked up even where the service check says
    NOT_APPLICABLE. Both go through the request's DataLoader, so selecting both asks each source once.
    """
    services = _linkable(ctx)
    found: list[SourceLinkView] = []
    for service, answer in zip(services, await _linked_records(ctx, person, services), strict=True):
        if isinstance(answer, SourceUnavailable):
            continue
        found.extend(
            SourceLinkView(service=service, system=r.system, record_id=r.record_id, match=evidence)
            for r, evidence in answer
        )
    found.sort(key=lambda link: -link.match.score)
    # A link tells which services hold a record of the person: recorded as those services' flags viewed.
    ctx.audit.viewed_service_flags(person.id, list(dict.fromkeys(link.service for link in found)))
    return found


async def _linked_records(
    ctx: RequestContext, person: IndividualView, services: list[Service]
) -> list[Linked | SourceUnavailable]:
    answers = await loaders.settled([ctx.loaders.candidates(s).load(person.demographics) for s in services])
    linked: list[Linked | SourceUnavailable] = []
    for service, answer in zip(services, answers, strict=True):
        adapter = ctx.runtime.adapters[service]
        if isinstance(answer, BaseException):
            linked.append(ctx.failures.absorb(service, adapter.info.system, answer))
        else:
            candidates = [(record.person, record) for record in answer]
            linked.append(linkage.best_links(person.demographics, candidates, ctx.runtime.thresholds))
    return linked


@functools.lru_cache(maxsize=1024)  # the same view for every person: one per authority and service
def _not_connected(authority: str, service: Service) -> ServiceCheckView:
    return ServiceCheckView(
        service=service,
        outcome=CheckOutcome.NOT_CONNECTED,
        involvements=None,
        as_of=None,
        coverage=None,
        explanation=NOT_CONNECTED.format(authority=authority, service=service.label),
    )


def _simple(service: Service, outcome: CheckOutcome, explanation: str, adapter: SourceAdapter) -> ServiceCheckView:
    return ServiceCheckView(
        service=service,
        outcome=outcome,
        involvements=None,
        as_of=adapter.info.as_of,
        coverage=adapter.info.coverage,
        explanation=explanation.format(service=service.label),
    )

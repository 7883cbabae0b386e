"""`serviceChecks` and `links`: ask each service's source about one person, link, apply the display rules.

Every service the authority knows appears in the answer: checked, or why not (not connected, not permitted,
unavailable). Only the services the query asks for are asked of their sources.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import linkage
from resolvers.context import RequestContext
from resolvers.views import IndividualView, ServiceCheckView, SourceLinkView
from sources import display_rules
from sources.adapter import SourceAdapter, SourceUnavailable
from sources.model import CheckOutcome, Service, SourceRecord

NOT_CONNECTED = "Not checked: {authority} has no connection to {service} records yet."
NOT_PERMITTED = "Not permitted: your role does not allow checking {service} records."
UNAVAILABLE = "Not checked: {system} did not answer ({reason}). Try again later, or ask the service directly."

Linked = list[tuple[SourceRecord, linkage.MatchEvidence]]


def wanted_services(services: Sequence[Service] | None) -> list[Service]:
    """The services asked for, each once, in the schema's order."""
    if services is None:
        return list(Service)
    asked = set(services)
    return [s for s in Service if s in asked]


async def service_checks(
    ctx: RequestContext, person: IndividualView, services: Sequence[Service] | None
) -> list[ServiceCheckView]:
    runtime = ctx.runtime
    wanted = wanted_services(services)
    ctx.audit.viewed_service_checks(person.id, wanted)
    to_ask = [s for s in wanted if s in runtime.adapters and runtime.policy.may_check_service(ctx.principal, s)]
    answers = dict(zip(to_ask, await _linked_records(ctx, person, to_ask), strict=True))
    today = runtime.today()
    checks = []
    for service in wanted:
        adapter = runtime.adapters.get(service)
        if adapter is None:
            checks.append(_not_connected(runtime.authority_name, service))
        elif service not in answers:
            checks.append(_simple(service, CheckOutcome.NOT_PERMITTED, NOT_PERMITTED, adapter))
        else:
            answer = answers[service]
            if isinstance(answer, SourceUnavailable):
                explanation = UNAVAILABLE.format(system=answer.system, reason=answer.reason)
                checks.append(_simple(service, CheckOutcome.UNAVAILABLE, explanation, adapter))
            else:
                result = display_rules.apply(runtime.display_rules, service, person.date_of_birth, answer, today)
                checks.append(
                    ServiceCheckView(
                        service=service,
                        outcome=result.outcome,
                        involvements=result.involvements,
                        as_of=adapter.info.as_of,
                        coverage=adapter.info.coverage,
                        explanation=result.explanation,
                    )
                )
    return checks


async def links(ctx: RequestContext, person: IndividualView) -> list[SourceLinkView]:
    """Every source record linked to the person, possible matches included, with the evidence for each."""
    runtime = ctx.runtime
    services = [s for s in runtime.adapters if runtime.policy.may_check_service(ctx.principal, s)]
    ctx.audit.viewed_service_checks(person.id, services)
    found: list[SourceLinkView] = []
    for service, answer in zip(services, await _linked_records(ctx, person, services), strict=True):
        if isinstance(answer, SourceUnavailable):
            continue
        found.extend(
            SourceLinkView(service=service, system=r.system, record_id=r.record_id, match=evidence)
            for r, evidence in answer
        )
    found.sort(key=lambda link: -link.match.score)
    return found


async def _linked_records(
    ctx: RequestContext, person: IndividualView, services: list[Service]
) -> list[Linked | SourceUnavailable]:
    answers = await asyncio.gather(
        *(ctx.loaders.candidates(s).load(person.demographics) for s in services), return_exceptions=True
    )
    linked: list[Linked | SourceUnavailable] = []
    for service, answer in zip(services, answers, strict=True):
        adapter = ctx.runtime.adapters[service]
        if isinstance(answer, BaseException):
            linked.append(ctx.failures.absorb(service, adapter.info.system, answer))
        else:
            candidates = [(record.person, record) for record in answer]
            linked.append(linkage.best_links(person.demographics, candidates, ctx.runtime.thresholds))
    return linked


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

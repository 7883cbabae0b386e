"""What one service brings to the gateway, in one object: `ServiceDefinition`.

Each service lives in its own folder under `sources/services/` and exports one `DEFINITION` from its package. The
shared code (settings, adapters, display rules, schema, household, sandbox, demo config, CLI) knows services only
through the `ServiceRegistry` built from those definitions (`sources/registry.py`); an authority's configuration
then chooses which of them are connected (`[[sources]]`), and may load further service packages of its own
(`[services] modules`). docs/adding-a-source.md walks through adding one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import aiohttp

from sources.adapter import SourceAdapter
from sources.model import Involvement, Service, SourceRef
from sources.observe import UpstreamObserver

if TYPE_CHECKING:
    from aiohttp import web

    from sandbox.faults import FaultSettings
    from sandbox.population import Population
    from sources.settings import SourceSettings

AdapterBuilder = Callable[["SourceSettings", aiohttp.ClientSession, UpstreamObserver | None], SourceAdapter]
# A display-rules setting's parser: (full key for messages, raw TOML value) -> typed value, raising
# `InvalidDisplayRules` naming the key (sources/display_rules/config.py has the common ones).
RuleParser = Callable[[str, object], object]


@dataclass(frozen=True, kw_only=True)
class SourceKind:
    """One way of reaching a service's system, chosen by a source's `kind` (e.g. "housing_rest")."""

    name: str
    needs: Literal["url", "path"]  # the setting that locates the system: an HTTP base URL, or a file/DSN
    build: AdapterBuilder


@dataclass(frozen=True, kw_only=True)
class RulesSpec:
    """A service's display-rule settings: Stockport's defaults, and how `[display_rules.<key>]` overrides them.

    `defaults` is a frozen dataclass; each key of `parsers` is one of its fields. `check` sees the overridden
    section and raises `InvalidDisplayRules` (naming `path`, the table's full key) when fields disagree.
    """

    defaults: Any
    parsers: Mapping[str, RuleParser]
    check: Callable[[str, Any], None] | None = None


@dataclass(frozen=True, kw_only=True)
class DisplayPolicy:
    """A service's display rule, given its rules section (an instance of `RulesSpec.defaults`' class).

    `ages`: the ages (completed years, both ends inclusive, None for no upper limit) the records are shown for;
    `involvements`: what one certain or probable record shows (its facts checked to be `facts_type`);
    `messages`: what an involved check says, from the involvements found (it says what was found), and what a
    check that found nothing says.
    """

    facts_type: type
    ages: Callable[[Any], tuple[int, int | None]]
    involvements: Callable[[Any, Any, SourceRef, datetime.date], tuple[Involvement, ...]]
    messages: Callable[[Any], tuple[Callable[[Sequence[Involvement]], str], str]]


@dataclass(frozen=True, kw_only=True)
class SandboxSystem:
    """The service's simulated system in the sandbox: an aiohttp app (`create_app`) or a file (`write_file`).

    `demo_source` is the `[[sources]]` table a demo or test configuration gets for it: (the running sandbox's
    URL or file of this system, timeout in seconds) -> table.
    """

    create_app: Callable[[Population, FaultSettings, int], web.Application] | None = None
    write_file: Callable[[Population, Path], Path] | None = None
    file_kind: Literal["csv", "sqlite"] | None = None
    demo_source: Callable[[str, float], dict[str, Any]]


@dataclass(frozen=True, kw_only=True)
class ServiceDefinition:
    """Everything the gateway needs to know about one service, registered in one place.

    `key` names the service in configuration and tooling: its `[display_rules.<key>]` table, its sandbox system,
    `family-context demo --fault <key>=down`. `involvement_type` is the GraphQL type (implementing
    `ServiceInvolvement`) of what `policy.involvements` returns; `residence_basis` says how the service knows
    that the people it places at an address live there ("same tenancy"), when it is not just "same address".
    `sandbox` is imported only when a sandbox starts (a callable, so that serving never imports the sandbox).
    """

    service: Service
    key: str
    kinds: tuple[SourceKind, ...]
    rules: RulesSpec
    policy: DisplayPolicy
    involvement_type: Callable[[], type]
    residence_basis: str | None = None
    sandbox: Callable[[], SandboxSystem] | None = field(default=None, compare=False)

    def kind(self, name: str) -> SourceKind | None:
        return next((k for k in self.kinds if k.name == name), None)

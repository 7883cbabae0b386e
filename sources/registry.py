"""The registry of services: the one place the shared code learns which services exist and how each is wired.

Every package under `sources/services/` is a service whose `service` module exports `DEFINITION` (a
`ServiceDefinition`); they are found by listing that folder, so adding a folder adds a service. An authority's
configuration may name further modules (`[services] modules = ["council_plugins.early_help.service"]`):
`load_registry` adds their definitions. Which registered services are connected is the configuration's
`[[sources]]`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator, Sequence

import aiohttp

from sources.adapter import SourceAdapter
from sources.cms import CmsAdapter
from sources.definition import ServiceDefinition
from sources.model import Service
from sources.observe import UpstreamObserver
from sources.settings import CMS_KIND, SourceSettings


class RegistryError(ValueError):
    """A service package that cannot be loaded, or two definitions for one service; the message names it."""


class ServiceRegistry:
    """The services the gateway can connect, in the schema's order of `Service`."""

    def __init__(self, definitions: Sequence[ServiceDefinition]) -> None:
        by_service: dict[Service, ServiceDefinition] = {}
        keys: set[str] = set()
        for definition in definitions:
            if definition.service in by_service or definition.key in keys:
                raise RegistryError(f"service {definition.service.value} ({definition.key}) is defined twice")
            by_service[definition.service] = definition
            keys.add(definition.key)
        self._by_service = {s: by_service[s] for s in Service if s in by_service}

    def __iter__(self) -> Iterator[ServiceDefinition]:
        return iter(self._by_service.values())

    def __contains__(self, service: object) -> bool:
        return service in self._by_service

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ServiceRegistry) and self._by_service == other._by_service

    def __hash__(self) -> int:
        return hash(tuple(self._by_service))

    def get(self, service: Service) -> ServiceDefinition | None:
        return self._by_service.get(service)

    def definition(self, service: Service) -> ServiceDefinition:
        """The definition of `service`; `ValueError` when no service package defines it."""
        found = self._by_service.get(service)
        if found is None:
            raise ValueError(f"no display rules for {service.value}: no service package defines it")
        return found

    def by_key(self, key: str) -> ServiceDefinition | None:
        return next((d for d in self if d.key == key), None)

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(self._by_service)

    def kind_names(self) -> tuple[str, ...]:
        return tuple(k.name for d in self for k in d.kinds)

    def involvement_types(self) -> list[type]:
        return [d.involvement_type() for d in self]


SERVICES_PACKAGE = "sources.services"


@functools.cache
def builtin_registry() -> ServiceRegistry:
    """Every service packaged with the gateway: each folder of `sources/services/`."""
    package = importlib.import_module(SERVICES_PACKAGE)
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.ispkg)
    return ServiceRegistry([_definition_of(f"{SERVICES_PACKAGE}.{name}.service") for name in names])


@functools.cache
def load_registry(modules: tuple[str, ...] = ()) -> ServiceRegistry:
    """The built-in services plus those of `modules` (packages or modules exporting `DEFINITION`)."""
    if not modules:
        return builtin_registry()
    return ServiceRegistry([*builtin_registry(), *(_definition_of(name) for name in modules)])


def _definition_of(module_name: str) -> ServiceDefinition:
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RegistryError(f"service module {module_name!r} cannot be imported ({type(exc).__name__})") from exc
    definition = getattr(module, "DEFINITION", None)
    if not isinstance(definition, ServiceDefinition):
        raise RegistryError(f"service module {module_name!r} has no DEFINITION (a ServiceDefinition)")
    return definition


def build_adapter(
    settings: SourceSettings,
    session: aiohttp.ClientSession,
    observer: UpstreamObserver | None = None,
    *,
    registry: ServiceRegistry | None = None,
) -> SourceAdapter:
    """The adapter for one configured service source, on the gateway's shared session.

    Raises `ValueError` (naming the system, never personal data) for the CMS kind or inconsistent settings.
    """
    services = registry if registry is not None else builtin_registry()
    definition = services.get(settings.service) if settings.service is not None else None
    kind = definition.kind(settings.kind) if definition is not None else None
    if kind is None:
        raise ValueError(f"source {settings.system!r}: kind {settings.kind!r} is not a service source")
    return kind.build(settings, session, observer)


def build_cms_adapter(
    settings: SourceSettings, session: aiohttp.ClientSession, observer: UpstreamObserver | None = None
) -> CmsAdapter:
    """The children's case-management system adapter (kind `cms_rest`)."""
    if settings.kind != CMS_KIND:
        raise ValueError(f"source {settings.system!r}: kind {settings.kind!r} is not a CMS source")
    return CmsAdapter(settings, session, observer=observer)

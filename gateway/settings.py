"""One authority's configuration: a TOML file read once at start-up.

A bad file fails at start-up with a `ConfigError` naming the key (`sources[2].timeout_s must be a positive
number`), never half-way through a request. Secrets never live in the file: they come from the environment.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import json
import re
import tomllib
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from auth.field_classes import PER_SERVICE, FieldClass
from auth.principal import Purpose, Role
from auth.settings import (
    ALLOWED_ALGORITHMS,
    CLAIM_PRESETS,
    DEFAULT_ALGORITHMS,
    DEFAULT_ROLE_CLASSES,
    DEMO_AUDIENCE,
    DEMO_ISSUER,
    AccessSettings,
    AuthSettings,
    ClaimNames,
    DevelopmentIdentity,
    Narrowing,
    TokenSettings,
)
from gateway.audit import settings as audit_settings
from gateway.audit.settings import AuditSettings
from sources.digits import whole_number
from sources.model import Coverage, Service
from sources.registry import RegistryError, ServiceRegistry, builtin_registry, load_registry
from sources.settings import CMS_KIND, SourceSettings

AccessMode = Literal["search_any", "case_linked"]
E = TypeVar("E", bound=enum.Enum)


class ConfigError(ValueError):
    """The authority configuration is invalid; the message names the key."""


# What every command prints (to stderr) when the configuration is refused: the key and why, never a value's content.
BAD_CONFIGURATION = "family-context: bad configuration: {error}"


@dataclass(frozen=True, kw_only=True)
class SurfaceSettings:
    """What the gateway exposes besides answers. Production (`auth.mode = "oidc"`) defaults every switch off;
    the demo and development modes default them on. Each can be set in the file."""

    introspection: bool = True  # [graphql] introspection
    suggestions: bool = True  # [graphql] suggestions: "Did you mean ...?" in validation errors
    graphiql: bool = True  # [graphiql] enabled
    metrics: bool = True  # [operations] metrics: /metrics
    readiness_detail: bool = True  # [operations] readiness_detail: each source's health in /readyz
    operations_listen: tuple[str, int] | None = None  # [operations] listen: serve /metrics, /readyz there instead
    cors_origins: tuple[str, ...] = ()  # [http] cors_origins: browser origins allowed to call /graphql


@dataclass(frozen=True, kw_only=True)
class Limits:
    """Bounds that keep one request from costing the council's systems (or the gateway) too much."""

    max_children: int = 500
    max_query_depth: int = 12
    max_aliases: int = 50
    max_tokens: int = 4000
    max_body_bytes: int = 64 * 1024
    max_service_filter: int = 20
    max_variable_depth: int = 20  # nesting of lists and objects in a request's variables
    # What one request may cost (schema/cost.py: roughly the values it can bring back and the upstream work
    # behind them), counted before anything runs: the family-context query for one child costs about 9,300 (5%),
    # `children` with 500 ids, their households and everyone's checks about 144,000; seven of those do not fit.
    max_cost: int = 200_000
    # Per principal, per minute, across the process (or every process sharing `rate_limit_redis_url`).
    rate_requests_per_minute: int = 600
    rate_cost_per_minute: int = 2_000_000  # ten requests at the budget (max_cost)
    rate_limit_redis_url: str | None = None  # redis://host:port/db without a password (REDIS_PASSWORD env)
    request_timeout_s: float = 5.0  # every request's deadline: what is not resolved by then is UNAVAILABLE
    max_concurrent_requests: int = 64  # per process; more wait in the queue
    max_queued_requests: int = 128  # per process; beyond, 503 with Retry-After at once


@dataclass(frozen=True, kw_only=True)
class FederationSettings:
    """`[federation]`: the gateway as a subgraph. With `neighbour_field`, it also serves `/graphql/neighbour`, the
    subgraph through which a router adds this authority's checks to another authority's people under that field
    name (`schema/neighbour.py`, docs/federation.md)."""

    neighbour_field: str | None = None


@dataclass(frozen=True, kw_only=True)
class PersistedOperationsSettings:
    """`[persisted_operations]`: an allow-list of operations, by the sha256 of their text (`gateway/persisted.py`).

    `file` is an Apollo persisted query manifest (JSON: `{"format": "apollo-persisted-query-manifest", "version": 1,
    "operations": [{"id": SHA256, "name": ..., "type": "query", "body": ...}]}`), read and checked at start-up.
    With `require`, any other operation is refused; without, the listed ones can be sent by hash alone."""

    file: Path | None = None
    require: bool = False
    operations: Mapping[str, str] = field(default_factory=dict)  # sha256 (hex) -> the operation's text


@dataclass(frozen=True, kw_only=True)
class TracingSettings:
    """`[tracing]`: OpenTelemetry spans exported over OTLP/HTTP; off (no exporter) unless `otlp_endpoint` is set."""

    otlp_endpoint: str | None = None  # e.g. http://otel-collector:4318/v1/traces
    service_name: str = "family-context"


@dataclass(frozen=True, kw_only=True)
class ClientSettings:
    """`[clients]`: how callers' self-declared names (`apollographql-client-name`) are labelled in metrics."""

    # The first this many distinct names get their own metrics label; any later one is counted as "other".
    max_metric_labels: int = 20


@dataclass(frozen=True, kw_only=True)
class OidcClientSettings:
    """`[app.oidc]`: how the social worker's page signs people in with the authority's identity provider
    (authorisation-code flow with PKCE). The client secret is never in the file: `client_secret_env` names the
    environment variable that holds it (none for a public client)."""

    issuer: str  # discovery at {issuer}/.well-known/openid-configuration
    client_id: str
    redirect_uri: str  # the page's public address of /app/auth/callback, as registered with the provider
    client_secret_env: str | None = None
    scopes: tuple[str, ...] = ("openid", "profile", "email")
    timeout_s: float = 5.0


@dataclass(frozen=True, kw_only=True)
class AppSettings:
    """`[app]`: the social worker's page under /app (off unless enabled). Its sign-in follows `[auth]`: the demo
    lists the demo roles; "oidc" needs `[app.oidc]`."""

    enabled: bool = False
    session_idle_minutes: int = 30  # a session unused this long is signed out
    session_max_hours: int = 10  # and none lives longer than this, used or not
    secure_cookie: bool = True  # the session cookie is Secure (false only for a plain-http development address)
    oidc: OidcClientSettings | None = None


@dataclass(frozen=True, kw_only=True)
class AuthoritySettings:
    name: str
    access_mode: AccessMode
    cms: SourceSettings
    sources: tuple[SourceSettings, ...]
    auth: AuthSettings = field(default_factory=AuthSettings)
    access: AccessSettings = field(default_factory=AccessSettings)
    surface: SurfaceSettings = field(default_factory=SurfaceSettings)
    limits: Limits = field(default_factory=Limits)
    display_rules: Mapping[str, Any] = field(default_factory=dict)
    linkage: Mapping[str, Any] = field(default_factory=dict)
    audit: AuditSettings = field(default_factory=AuditSettings)
    federation: FederationSettings = field(default_factory=FederationSettings)
    persisted_operations: PersistedOperationsSettings = field(default_factory=PersistedOperationsSettings)
    tracing: TracingSettings = field(default_factory=TracingSettings)
    clients: ClientSettings = field(default_factory=ClientSettings)
    # Off only to measure what batching saves (benchmarks): every look-up then makes its own upstream call.
    batching: bool = True
    app: AppSettings = field(default_factory=AppSettings)
    # The services this gateway knows (built in, plus `[services] modules`); `sources` says which are connected.
    services: ServiceRegistry = field(default_factory=builtin_registry)

    def source_for(self, service: Service) -> SourceSettings | None:
        return next((s for s in self.sources if s.service is service), None)


def load_authority(path: str | Path) -> AuthoritySettings:
    """Read and validate an authority's TOML file."""
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file is not valid TOML: {exc}") from exc
    return parse_authority(raw)


TOP_LEVEL = {
    "authority",
    "auth",
    "access",
    "graphql",
    "graphiql",
    "operations",
    "http",
    "limits",
    "cms",
    "sources",
    "display_rules",
    "linkage",
    "tuning",
    "audit",
    "federation",
    "persisted_operations",
    "tracing",
    "clients",
    "app",
    "services",
}


def parse_authority(raw: Mapping[str, Any]) -> AuthoritySettings:
    reader = _Reader(raw, "")
    reader.only(TOP_LEVEL)
    authority = reader.table("authority")
    authority.only({"name", "access_mode"})
    access_mode = authority.choice("access_mode", ("search_any", "case_linked"), default="search_any")
    registry = _services(reader.optional_table("services"))
    sources = tuple(
        _source(_Reader(item, f"sources[{i}]"), registry) for i, item in enumerate(reader.array_of_tables("sources"))
    )
    services = [s.service for s in sources]
    for service in services:
        if services.count(service) > 1:
            raise ConfigError(f"sources: service {service.value if service else None} is configured twice")
    tuning = reader.optional_table("tuning")
    tuning.only({"batching"})
    auth = _auth(reader.optional_table("auth"))
    return AuthoritySettings(
        name=authority.string("name"),
        access_mode=access_mode,  # type: ignore[arg-type]
        cms=_source(reader.table("cms"), None),
        sources=sources,
        auth=auth,
        access=_access(reader.optional_table("access")),
        surface=_surface(reader, production=auth.production),
        limits=_limits(reader.optional_table("limits")),
        display_rules=reader.optional_mapping("display_rules"),
        linkage=reader.optional_mapping("linkage"),
        audit=_audit(reader.optional_table("audit")),
        federation=_federation(reader.optional_table("federation")),
        persisted_operations=_persisted_operations(reader.optional_table("persisted_operations")),
        tracing=_tracing(reader.optional_table("tracing")),
        clients=_clients(reader.optional_table("clients")),
        batching=tuning.boolean("batching", default=True),
        app=_app(reader.optional_table("app"), auth),
        services=registry,
    )


def _app(r: _Reader, auth: AuthSettings) -> AppSettings:
    """`[app]` and `[app.oidc]`: checked against `[auth]`, since the page signs people in the way the API does."""
    r.only({"enabled", "session_idle_minutes", "session_max_hours", "secure_cookie", "oidc"})
    defaults = AppSettings()
    enabled = r.boolean("enabled", default=False)
    oidc_table = r.optional_table("oidc")
    oidc_table.only({"issuer", "client_id", "redirect_uri", "client_secret_env", "scopes", "timeout_s"})
    oidc: OidcClientSettings | None = None
    if oidc_table.raw:
        issuer = oidc_table.string("issuer").rstrip("/")
        redirect_uri = oidc_table.string("redirect_uri")
        for key, url in (("issuer", issuer), ("redirect_uri", redirect_uri)):
            if not url.startswith(("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")):
                raise ConfigError(f"{oidc_table.where(key)} must be an https:// address (plain http only on loopback)")
        if not redirect_uri.endswith("/app/auth/callback"):
            raise ConfigError(f"{oidc_table.where('redirect_uri')} must end with /app/auth/callback")
        secret_env = oidc_table.optional_string("client_secret_env")
        if secret_env is not None and not audit_settings.ENV_NAME.fullmatch(secret_env):
            raise ConfigError(f"{oidc_table.where('client_secret_env')} must be an environment variable name")
        scopes = tuple(oidc_table.string_list("scopes", default=["openid", "profile", "email"]))
        if "openid" not in scopes:
            raise ConfigError(f"{oidc_table.where('scopes')} must include openid")
        oidc = OidcClientSettings(
            issuer=issuer,
            client_id=oidc_table.string("client_id"),
            redirect_uri=redirect_uri,
            client_secret_env=secret_env,
            scopes=scopes,
            timeout_s=oidc_table.positive_number("timeout_s", default=5.0),
        )
    if enabled and auth.mode == "oidc" and oidc is None:
        raise ConfigError(f"{r.where('oidc')} is required when [app] is enabled and auth.mode is oidc")
    if enabled and auth.mode not in ("oidc", "demo"):
        raise ConfigError(f"{r.where('enabled')}: the page signs people in with auth.mode oidc or demo only")
    return AppSettings(
        enabled=enabled,
        session_idle_minutes=r.positive_int("session_idle_minutes", default=defaults.session_idle_minutes),
        session_max_hours=r.positive_int("session_max_hours", default=defaults.session_max_hours),
        secure_cookie=r.boolean("secure_cookie", default=defaults.secure_cookie),
        oidc=oidc,
    )


def _services(r: _Reader) -> ServiceRegistry:
    """`[services] modules`: further service modules to load (each exports `DEFINITION`, like the folders of
    `sources/services/`), by Python module name. Configuration is trusted like code: it names what is imported."""
    r.only({"modules"})
    modules = r.string_list("modules", default=[])
    try:
        return load_registry(tuple(modules))
    except RegistryError as exc:
        raise ConfigError(f"{r.where('modules')}: {exc}") from exc


def _source(r: _Reader, registry: ServiceRegistry | None) -> SourceSettings:
    """One `[[sources]]` table (a service's, checked against `registry`), or `[cms]` (`registry` None)."""
    r.only(
        {
            "service",
            "system",
            "kind",
            "organisation",
            "url",
            "path",
            "timeout_s",
            "max_batch_size",
            "max_concurrency",
            "max_concurrency_per_request",
            "retries",
            "refresh_s",
            "coverage",
        }
    )
    service: Service | None = None
    needs = "url"
    if registry is None:
        kind = r.choice("kind", (CMS_KIND,))
    else:
        service = Service(r.choice("service", tuple(s.value for s in registry.services)))
        definition = registry.definition(service)
        kind = r.choice("kind", tuple(k.name for k in definition.kinds))
        needs = next(k.needs for k in definition.kinds if k.name == kind)
    url = r.optional_string("url")
    path = r.optional_string("path")
    if needs == "url" and not url:
        raise ConfigError(f"{r.where('url')} is required for a {kind} source")
    if needs == "path" and not path:
        raise ConfigError(f"{r.where('path')} is required for a {kind} source")
    coverage_table = r.optional_table("coverage")
    coverage_table.only({"start", "end", "area", "explanation"})
    coverage = (
        Coverage(
            start=coverage_table.optional_date("start"),
            end=coverage_table.optional_date("end"),
            area=coverage_table.optional_string("area"),
            explanation=coverage_table.optional_string("explanation"),
        )
        if coverage_table.raw
        else None
    )
    return SourceSettings(
        service=service,
        system=r.string("system"),
        kind=kind,
        organisation=r.optional_string("organisation"),
        url=url,
        path=path,
        timeout_s=r.positive_number("timeout_s", default=2.0),
        max_batch_size=r.positive_int("max_batch_size", default=50),
        max_concurrency=r.positive_int("max_concurrency", default=8),
        max_concurrency_per_request=(
            r.positive_int("max_concurrency_per_request", default=1) if "max_concurrency_per_request" in r.raw else None
        ),
        retries=r.non_negative_int("retries", default=1),
        refresh_s=r.positive_number("refresh_s", default=300.0),
        coverage=coverage,
    )


def _auth(r: _Reader) -> AuthSettings:
    r.only(
        {
            "mode",
            "issuer",
            "audience",
            "jwks_url",
            "jwks_file",
            "algorithms",
            "clock_skew_s",
            "claims",
            "roles",
            "jwks_min_refresh_s",
            "jwks_max_age_s",
            "jwks_timeout_s",
            "key_file",
            "development",
        }
    )
    if not r.raw:
        return AuthSettings()
    mode = r.choice("mode", ("oidc", "demo", "development"))
    if mode == "development":
        dev = r.optional_table("development")
        dev.only({"user_id", "name", "roles", "team", "email"})
        return AuthSettings(
            mode="development",
            development=DevelopmentIdentity(
                user_id=dev.optional_string("user_id") or "developer",
                name=dev.optional_string("name") or "Developer",
                roles=tuple(dev.member(Role, v, "roles") for v in dev.string_list("roles", default=["SOCIAL_WORKER"])),
                team=dev.optional_string("team"),
                email=dev.optional_string("email"),
            ),
        )
    if mode == "demo":
        key_file = Path(r.string("key_file"))
        return AuthSettings(
            mode="demo",
            demo_key_file=key_file,
            tokens=TokenSettings(
                issuer=DEMO_ISSUER,
                audiences=(DEMO_AUDIENCE,),
                jwks_file=Path(r.string("jwks_file")),
                claims=ClaimNames(team="team"),
            ),
        )
    jwks_url = r.optional_string("jwks_url")
    jwks_file = r.optional_string("jwks_file")
    if bool(jwks_url) == bool(jwks_file):
        raise ConfigError(f"{r.where('jwks_url')} or {r.where('jwks_file')} is required (exactly one)")
    if jwks_url and not jwks_url.startswith(("https://", "http://127.0.0.1", "http://localhost", "http://[::1]")):
        raise ConfigError(f"{r.where('jwks_url')} must be an https:// address (plain http only on loopback)")
    audience = r.raw.get("audience")
    audiences = [audience] if isinstance(audience, str) else r.string_list("audience", default=[])
    if not audiences or not all(audiences):
        raise ConfigError(f"{r.where('audience')} is required: the audience (or list) the issuer puts in tokens")
    algorithms = r.string_list("algorithms", default=list(DEFAULT_ALGORITHMS))
    for algorithm in algorithms:
        if algorithm not in ALLOWED_ALGORITHMS:
            raise ConfigError(
                f"{r.where('algorithms')}: {algorithm!r} is not allowed (allowed: "
                f"{', '.join(ALLOWED_ALGORITHMS)}; never none or HS*)"
            )
    defaults = TokenSettings(issuer="-", audiences=("-",))
    return AuthSettings(
        mode="oidc",
        tokens=TokenSettings(
            issuer=r.string("issuer"),
            audiences=tuple(audiences),
            jwks_url=jwks_url,
            jwks_file=Path(jwks_file) if jwks_file else None,
            algorithms=tuple(algorithms),
            clock_skew_s=r.non_negative_number("clock_skew_s", default=defaults.clock_skew_s),
            claims=_claims(r.optional_table("claims")),
            role_map=_role_map(r.optional_table("roles")),
            jwks_min_refresh_s=r.non_negative_number("jwks_min_refresh_s", default=defaults.jwks_min_refresh_s),
            jwks_max_age_s=r.positive_number("jwks_max_age_s", default=defaults.jwks_max_age_s),
            jwks_timeout_s=r.positive_number("jwks_timeout_s", default=defaults.jwks_timeout_s),
        ),
    )


def _claims(r: _Reader) -> ClaimNames:
    """`[auth.claims]`: a `preset` ("entra", "keycloak", "generic") with any claim name overridden."""
    names = {"user_id", "name", "roles", "team", "email", "client_id"}
    r.only({"preset", *names})
    preset = r.choice("preset", tuple(CLAIM_PRESETS), default="generic")
    base = CLAIM_PRESETS[preset]
    changes = {n: r.string(n) for n in sorted(names) if n in r.raw}
    return dataclasses.replace(base, **changes)


def _role_map(r: _Reader) -> dict[str, Role]:
    """`[auth.roles]`: each gateway role and the token role values (app roles, groups) that grant it."""
    r.only(set(Role.__members__))
    mapped: dict[str, Role] = {}
    for role_name in r.raw:
        for value in r.string_list(role_name, default=[]):
            if value in mapped and mapped[value] is not Role[role_name]:
                raise ConfigError(f"{r.where(role_name)}: {value!r} already maps to {mapped[value].value}")
            mapped[value] = Role[role_name]
    return mapped


def _access(r: _Reader) -> AccessSettings:
    r.only({"roles", "purpose_required_for", "services", "case_link_exempt_roles", "break_glass_min_chars"})
    defaults = AccessSettings()
    roles = r.optional_table("roles")
    roles.only(set(Role.__members__))
    role_classes = dict(DEFAULT_ROLE_CLASSES)
    for role_name in roles.raw:
        role_classes[Role[role_name]] = frozenset(
            roles.member(FieldClass, v, role_name) for v in roles.string_list(role_name, default=[])
        )
    purpose_required = frozenset(
        r.member(FieldClass, v, "purpose_required_for")
        for v in r.string_list("purpose_required_for", default=[c.value for c in defaults.purpose_required_for])
    )
    services = r.optional_table("services")
    services.only(set(Service.__members__))
    narrowing: dict[tuple[Service, FieldClass], Narrowing] = {}
    for service_name in services.raw:
        per_service = services.optional_table(service_name)
        per_service.only({c.value for c in PER_SERVICE})
        for class_name in per_service.raw:
            rule = per_service.optional_table(class_name)
            rule.only({"roles", "purposes"})
            narrowing[(Service[service_name], FieldClass(class_name))] = Narrowing(
                roles=frozenset(rule.member(Role, v, "roles") for v in rule.string_list("roles", default=[]))
                if "roles" in rule.raw
                else None,
                purposes=frozenset(
                    rule.member(Purpose, v, "purposes") for v in rule.string_list("purposes", default=[])
                )
                if "purposes" in rule.raw
                else None,
            )
    return AccessSettings(
        role_classes=role_classes,
        purpose_required_for=purpose_required,
        narrowing=narrowing,
        case_link_exempt_roles=frozenset(
            r.member(Role, v, "case_link_exempt_roles")
            for v in r.string_list(
                "case_link_exempt_roles", default=[role.value for role in defaults.case_link_exempt_roles]
            )
        ),
        break_glass_min_chars=r.positive_int("break_glass_min_chars", default=defaults.break_glass_min_chars),
    )


def _surface(reader: _Reader, *, production: bool) -> SurfaceSettings:
    on = not production  # the demo and development modes show everything; production shows nothing extra
    graphql = reader.optional_table("graphql")
    graphql.only({"introspection", "suggestions"})
    graphiql = reader.optional_table("graphiql")
    graphiql.only({"enabled"})
    operations = reader.optional_table("operations")
    operations.only({"metrics", "readiness_detail", "listen"})
    http = reader.optional_table("http")
    http.only({"cors_origins"})
    origins = http.string_list("cors_origins", default=[])
    for origin in origins:
        if origin == "*" or not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
            raise ConfigError(f"{http.where('cors_origins')}: {origin!r} is not an origin like https://app.example")
    return SurfaceSettings(
        introspection=graphql.boolean("introspection", default=on),
        suggestions=graphql.boolean("suggestions", default=on),
        graphiql=graphiql.boolean("enabled", default=on),
        metrics=operations.boolean("metrics", default=on),
        readiness_detail=operations.boolean("readiness_detail", default=on),
        operations_listen=operations.listen_address("listen"),
        cors_origins=tuple(origins),
    )


GRAPHQL_NAME = re.compile(r"^[a-z][A-Za-z0-9]{0,63}$")


def _federation(r: _Reader) -> FederationSettings:
    r.only({"neighbour_field"})
    name = r.optional_string("neighbour_field")
    if name is not None and not GRAPHQL_NAME.match(name):
        raise ConfigError(f"{r.where('neighbour_field')} must be a GraphQL field name like inStockport")
    return FederationSettings(neighbour_field=name)


SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def _persisted_operations(r: _Reader) -> PersistedOperationsSettings:
    r.only({"file", "require"})
    require = r.boolean("require", default=False)
    name = r.optional_string("file")
    if name is None:
        if require:
            raise ConfigError(f"{r.where('require')} needs {r.where('file')}: the list of allowed operations")
        return PersistedOperationsSettings()
    path = Path(name)
    where = r.where("file")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{where}: file not found: {path}") from None
    except (OSError, UnicodeError, ValueError) as error:
        raise ConfigError(f"{where}: not a readable JSON file: {type(error).__name__}") from None
    if not isinstance(raw, dict) or raw.get("format") != "apollo-persisted-query-manifest":
        raise ConfigError(
            f'{where}: expected an Apollo persisted query manifest ("format": "apollo-persisted-query-manifest")'
        )
    entries = raw.get("operations")
    if not isinstance(entries, list):
        raise ConfigError(f"{where}: operations must be a list")
    operations: dict[str, str] = {}
    for i, entry in enumerate(entries):
        at = f"{where}: operations[{i}]"
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("body"), str)
            or not isinstance(entry.get("id"), str)
        ):
            raise ConfigError(f"{at} needs a string id and body")
        digest = hashlib.sha256(entry["body"].encode("utf-8")).hexdigest()
        if entry["id"].lower() != digest:
            raise ConfigError(f"{at}.id is not the sha256 of its body")
        if entry.get("type", "query") != "query":
            raise ConfigError(f"{at}.type: only queries are served")
        operations[digest] = entry["body"]
    return PersistedOperationsSettings(file=path, require=require, operations=operations)


def _tracing(r: _Reader) -> TracingSettings:
    r.only({"otlp_endpoint", "service_name"})
    endpoint = r.optional_string("otlp_endpoint")
    if endpoint is not None:
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ConfigError(
                f"{r.where('otlp_endpoint')} must be an http(s) URL, e.g. http://collector:4318/v1/traces"
            )
    return TracingSettings(otlp_endpoint=endpoint, service_name=r.optional_string("service_name") or "family-context")


def _clients(r: _Reader) -> ClientSettings:
    r.only({"max_metric_labels"})
    return ClientSettings(max_metric_labels=r.non_negative_int("max_metric_labels", default=20))


def _audit(r: _Reader) -> AuditSettings:
    """`[audit]`: the store's backend and location, and where the MAC key comes from (never this file)."""
    if "key" in r.raw:
        raise ConfigError(audit_settings.KEY_IN_FILE.format(where=r.where("key")))
    r.only({"backend", "path", "dsn", "password_env", "key_env", "key_file", "table_prefix", "timeout_s", "pool_size"})
    defaults = AuditSettings()
    backend = r.choice("backend", audit_settings.BACKENDS, default=defaults.backend)
    if "key_env" in r.raw and "key_file" in r.raw:
        raise ConfigError(
            audit_settings.KEY_SOURCES_BOTH.format(key_env=r.where("key_env"), key_file=r.where("key_file"))
        )
    env_names: dict[str, str] = {}
    for name in ("key_env", "password_env"):
        value = r.optional_string(name) or getattr(defaults, name)
        if not audit_settings.ENV_NAME.fullmatch(value):
            raise ConfigError(audit_settings.BAD_ENV_NAME.format(where=r.where(name)))
        env_names[name] = value
    prefix = r.optional_string("table_prefix") or defaults.table_prefix
    prefix_match = audit_settings.TABLE_PREFIX.fullmatch(prefix)
    if prefix_match is None:
        raise ConfigError(audit_settings.BAD_TABLE_PREFIX.format(where=r.where("table_prefix")))
    if backend == "sqlite" and prefix_match.group(1):
        raise ConfigError(audit_settings.SQLITE_SCHEMA.format(where=r.where("table_prefix")))
    dsn = r.optional_string("dsn")
    if backend == "postgres":
        if not dsn:
            raise ConfigError(audit_settings.DSN_REQUIRED.format(where=r.where("dsn")))
        _check_dsn(dsn, r.where("dsn"))
    key_file = r.optional_string("key_file")
    return AuditSettings(
        backend=backend,  # type: ignore[arg-type]
        path=Path(r.optional_string("path") or defaults.path),
        dsn=dsn,
        password_env=env_names["password_env"],
        key_env=env_names["key_env"],
        key_file=Path(key_file) if key_file else None,
        table_prefix=prefix,
        timeout_s=r.positive_number("timeout_s", default=defaults.timeout_s),
        pool_size=r.positive_int("pool_size", default=defaults.pool_size),
    )


def _check_dsn(dsn: str, where: str) -> None:
    """A postgresql:// address without a password (the password comes from the environment)."""
    try:
        parts = urllib.parse.urlsplit(dsn)
        password = parts.password
    except ValueError as exc:
        raise ConfigError(audit_settings.DSN_NOT_POSTGRES.format(where=where)) from exc
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(audit_settings.DSN_NOT_POSTGRES.format(where=where))
    query = urllib.parse.parse_qs(parts.query)
    if password is not None or "password" in query:
        raise ConfigError(audit_settings.DSN_HAS_PASSWORD.format(where=where))


def _limits(r: _Reader) -> Limits:
    defaults = Limits()
    whole_numbers = {
        "max_children",
        "max_query_depth",
        "max_aliases",
        "max_tokens",
        "max_body_bytes",
        "max_service_filter",
        "max_variable_depth",
        "max_cost",
        "rate_requests_per_minute",
        "rate_cost_per_minute",
        "max_concurrent_requests",
        "max_queued_requests",
    }
    r.only(whole_numbers | {"request_timeout_s", "rate_limit_redis_url"})
    redis_url = r.optional_string("rate_limit_redis_url")
    if redis_url is not None and (not redis_url.startswith(("redis://", "rediss://")) or "@" in redis_url):
        raise ConfigError(
            f"{r.where('rate_limit_redis_url')} must be a redis:// or rediss:// address without a password "
            "(the password comes from REDIS_PASSWORD)"
        )
    return Limits(
        **{n: r.positive_int(n, default=getattr(defaults, n)) for n in sorted(whole_numbers)},
        request_timeout_s=r.positive_number("request_timeout_s", default=defaults.request_timeout_s),
        rate_limit_redis_url=redis_url,
    )


class _Reader:
    """Typed access to one TOML table, with errors that name the full key."""

    def __init__(self, raw: object, prefix: str) -> None:
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{prefix or 'config'} must be a table")
        self.raw: Mapping[str, Any] = raw
        self.prefix = prefix

    def where(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def only(self, allowed: set[str]) -> None:
        for key in self.raw:
            if key not in allowed:
                raise ConfigError(f"{self.where(key)} is not a known setting")

    def table(self, key: str) -> _Reader:
        if key not in self.raw:
            raise ConfigError(f"{self.where(key)} is required")
        return _Reader(self.raw[key], self.where(key))

    def optional_table(self, key: str) -> _Reader:
        return _Reader(self.raw.get(key, {}), self.where(key))

    def optional_mapping(self, key: str) -> Mapping[str, Any]:
        return self.optional_table(key).raw

    def array_of_tables(self, key: str) -> list[object]:
        value = self.raw.get(key, [])
        if not isinstance(value, list):
            raise ConfigError(f"{self.where(key)} must be an array of tables ([[{key}]])")
        return value

    def string(self, key: str) -> str:
        value = self.optional_string(key)
        if not value:
            raise ConfigError(f"{self.where(key)} is required and must be a non-empty string")
        return value

    def optional_string(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{self.where(key)} must be a string")
        return value

    def string_list(self, key: str, *, default: list[str]) -> list[str]:
        value = self.raw.get(key, default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{self.where(key)} must be a list of strings")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.raw.get(key, default)
        if value not in allowed:
            raise ConfigError(f"{self.where(key)} must be one of: {', '.join(allowed)}")
        return str(value)

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            raise ConfigError(f"{self.where(key)} must be true or false")
        return value

    def member(self, enum_type: type[E], value: str, key: str) -> E:
        """`value` as a member of `enum_type` (by name or value), or a ConfigError naming the key."""
        for member in enum_type:
            if value in (member.name, member.value):
                return member
        allowed = ", ".join(str(m.value) for m in enum_type)
        raise ConfigError(f"{self.where(key)}: {value!r} is not one of {allowed}")

    def listen_address(self, key: str) -> tuple[str, int] | None:
        value = self.optional_string(key)
        if value is None:
            return None
        host, sep, port = value.rpartition(":")
        number = whole_number(port, max_digits=5)
        if not sep or not host or number is None or not 0 < number < 65536:
            raise ConfigError(f"{self.where(key)} must be HOST:PORT, e.g. 127.0.0.1:9100")
        return host.strip("[]"), number

    def non_negative_number(self, key: str, *, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{self.where(key)} must be a number, 0 or more")
        return float(value)

    def positive_number(self, key: str, *, default: float) -> float:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{self.where(key)} must be a positive number")
        return float(value)

    def positive_int(self, key: str, *, default: int) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{self.where(key)} must be a positive integer")
        return value

    def non_negative_int(self, key: str, *, default: int) -> int:
        value = self.raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{self.where(key)} must be a whole number, 0 or more")
        return value

    def optional_date(self, key: str) -> datetime.date | None:
        value = self.raw.get(key)
        if value is None:
            return None
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise ConfigError(f"{self.where(key)} must be a date (YYYY-MM-DD, unquoted)")
        return value

"""`family-context`: serve an authority's gateway, check its configuration (and probe its sources), run the demo,
mint a demo token, print the schema, check, export and prune the audit trail, or train a linkage model on the
authority's own records."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from auth.principal import Role
from gateway.audit.commands import add_commands as add_audit_commands
from gateway.logs import configure_logging
from linkage.spark import DEFAULT_MASTER as DEFAULT_SPARK_MASTER

if TYPE_CHECKING:
    from gateway.gc_tuning import GcMode
    from gateway.server import HttpParser, LoopKind

FAULT_CHOICES = ("down", "slow", "garbage")

DEVELOPMENT_OFF_LOOPBACK = (
    'family-context: refusing to serve auth.mode = "development" on {host}: every request would run as the '
    "configured identity, unauthenticated. Serve it on a loopback address (127.0.0.1, ::1, localhost), or "
    'configure real sign-in (auth.mode = "oidc").'
)
SAME_ADDRESS = "family-context: operations.listen must differ from the gateway's own address ({host}:{port})."
TOKEN_NEEDS_DEMO = (
    'family-context: tokens can be minted only for a demo configuration (auth.mode = "demo", as written by '
    "`family-context demo`); in production the identity provider issues them."
)
TOKEN_KEY_MISSING = "family-context: the demo's signing key {path} is missing or unusable; run the demo once first."
TOKEN_EXPLANATION = (
    "A demo token for {role} {user}, valid {ttl} s. Send it as 'Authorization: Bearer <token>' "
    "(with an X-Purpose header, e.g. ASSESSMENT):"
)
STARTUP_FAILED = "family-context: the gateway did not start (see the log above)."
DEFAULT_TOKEN_TTL_S = 3600
LOOPBACK_NAMES = ("localhost",)


def service_choices() -> tuple[str, ...]:
    """The systems the demo's sandbox runs: the CMS and each registered service's simulation (by its key)."""
    from sources.registry import builtin_registry

    return ("cms", *(d.key for d in builtin_registry() if d.sandbox is not None))


def fault(text: str) -> tuple[str, str]:
    service, sep, mode = text.partition("=")
    service, mode = service.strip().lower(), mode.strip().lower()
    if not sep or service not in service_choices() or mode not in FAULT_CHOICES:
        raise argparse.ArgumentTypeError(
            f"expected SERVICE=MODE with SERVICE one of {', '.join(service_choices())} "
            f"and MODE one of {', '.join(FAULT_CHOICES)}; got {text!r}"
        )
    return service, mode


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number; got {text!r}")
    return value


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: reachable from this machine only."""
    if host.strip().lower().rstrip(".") in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="family-context", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the gateway for one authority")
    serve.add_argument("--config", required=True, help="the authority's TOML file")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="INFO")
    serve.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="worker processes sharing the port (default 1); each has its own connections, caches and metrics",
    )
    serve.add_argument(
        "--gc",
        choices=("tuned", "default"),
        default="tuned",
        help="the garbage collector: tuned for serving and frozen after start-up (default), or Python's defaults",
    )
    serve.add_argument(
        "--http", choices=("auto", "httptools", "h11"), default="auto", help="HTTP parser (auto: httptools if any)"
    )
    serve.add_argument(
        "--loop", choices=("auto", "uvloop", "asyncio"), default="auto", help="event loop (auto: uvloop if installed)"
    )

    demo = sub.add_parser("demo", help="start the simulated source systems and a gateway with GraphiQL")
    demo.add_argument("--port", type=int, default=8000, help="the gateway's port (default 8000)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--workdir", default=".demo", help="where the data files and authority.toml go")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--households", type=int, default=2000)
    demo.add_argument("--latency", type=int, default=0, metavar="MS", help="added to every simulated HTTP request")
    demo.add_argument(
        "--fault",
        type=fault,
        action="append",
        default=[],
        metavar="SERVICE=down|slow|garbage",
        help=f"break one simulated system; SERVICE is one of {', '.join(service_choices())}",
    )
    demo.add_argument("--log-level", default="INFO")

    token = sub.add_parser("token", help='print a token for the demo gateway (auth.mode = "demo" only)')
    token.add_argument("--config", required=True, help="the demo's authority.toml (e.g. .demo/authority.toml)")
    token.add_argument("--role", required=True, choices=[r.value for r in Role])
    token.add_argument("--user", help="the user id (sub claim); default demo-<role>")
    token.add_argument("--name")
    token.add_argument("--team", help="the team: in a case_linked authority, the children of this team are reached")
    token.add_argument("--email")
    token.add_argument("--ttl", type=positive_int, default=DEFAULT_TOKEN_TTL_S, metavar="SECONDS")

    schema_command = sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    schema_command.add_argument(
        "--federation", action="store_true", help="print the Apollo Federation v2 subgraph SDL a router composes"
    )
    schema_command.add_argument(
        "--neighbour-field",
        metavar="NAME",
        help="with --federation: the SDL of /graphql/neighbour for [federation] neighbour_field = NAME",
    )

    check = sub.add_parser(
        "check-config",
        help="validate an authority's configuration without starting (exit 1 naming the bad key); with --probe, "
        "ask each source whether it answers (exit 1 if any does not)",
    )
    check.add_argument("config", metavar="FILE", help="the authority's TOML file")
    check.add_argument("--probe", action="store_true", help="ask each source once, within its timeout_s")

    audit = sub.add_parser("audit", help="verify, export or prune the audit trail")
    add_audit_commands(audit)

    linkage_command = sub.add_parser("linkage", help="train a linkage model on the authority's records (Splink)")
    linkage_sub = linkage_command.add_subparsers(dest="linkage_command", required=True)
    train = linkage_sub.add_parser(
        "train",
        help="read every source's records through its adapter, fit a Splink model, write MODEL.json beside its "
        "term frequencies and match-weights chart (needs the train extra: pip install 'family-context[train]')",
    )
    train.add_argument("--config", required=True, help="the authority's TOML file")
    train.add_argument("--out", required=True, metavar="MODEL.json", help="where to write the model")
    train.add_argument(
        "--backend",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="Splink's SQL engine: duckdb (embedded) or spark (needs the spark extra and Java 17+)",
    )
    train.add_argument(
        "--spark-master",
        default=DEFAULT_SPARK_MASTER,
        metavar="URL",
        help=f"with --backend spark: where Spark runs (default {DEFAULT_SPARK_MASTER}, this machine's cores)",
    )
    train.add_argument("--max-pairs", type=float, default=5e6, help="random pairs for estimating u (default 5e6)")
    train.add_argument("--seed", type=int, default=1, help="seed of the random sampling")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "schema":
        from schema.export import neighbour_sdl, sdl, subgraph_sdl

        if args.neighbour_field and not args.federation:
            print("--neighbour-field needs --federation", file=sys.stderr)
            return 2
        if args.federation:
            sys.stdout.write(neighbour_sdl(args.neighbour_field) if args.neighbour_field else subgraph_sdl())
        else:
            sys.stdout.write(sdl())
        return 0
    if args.command == "check-config":
        from gateway.config_check import run as run_check_config

        return run_check_config(args.config, probe_sources=args.probe)
    if args.command == "audit":
        from gateway.audit.commands import run as run_audit_command

        return run_audit_command(args)
    if args.command == "linkage":
        from gateway.linkage_train import run_train  # imports Splink only when training starts

        return run_train(
            args.config,
            args.out,
            backend=args.backend,
            spark_master=args.spark_master,
            max_pairs=args.max_pairs,
            seed=args.seed,
        )
    if args.command == "token":
        return token(
            args.config,
            role=Role(args.role),
            user=args.user,
            name=args.name,
            team=args.team,
            email=args.email,
            ttl_s=args.ttl,
        )
    configure_logging(args.log_level)
    if args.command == "serve":
        return serve(
            args.config,
            args.host,
            args.port,
            args.log_level,
            workers=args.workers,
            gc_mode=args.gc,
            parser=args.http,
            loop=args.loop,
        )
    from gateway.demo import run_demo  # imports the sandbox: only the demo needs it

    return run_demo(
        host=args.host,
        port=args.port,
        workdir=args.workdir,
        seed=args.seed,
        households=args.households,
        latency_ms=args.latency,
        faults=dict(args.fault),
        log_level=args.log_level,
    )


WORKERS_AND_OPERATIONS = (
    "family-context: operations.listen needs --workers 1: each worker keeps its own metrics and readiness, and "
    "one operations address cannot answer for several processes."
)


def serve(
    config: str,
    host: str,
    port: int,
    log_level: str,
    *,
    workers: int = 1,
    gc_mode: GcMode = "tuned",
    parser: HttpParser = "auto",
    loop: LoopKind = "auto",
) -> int:
    from gateway.app import create_app, operations_app_of
    from gateway.gc_tuning import prepare
    from gateway.server import Listener, loop_factory, serve_until_stopped
    from gateway.settings import BAD_CONFIGURATION, ConfigError, load_authority

    try:
        settings = load_authority(config)
        if settings.auth.mode == "development" and not is_loopback(host):
            print(DEVELOPMENT_OFF_LOOPBACK.format(host=host), file=sys.stderr)
            return 2
        if settings.surface.operations_listen == (host, port):
            print(SAME_ADDRESS.format(host=host, port=port), file=sys.stderr)
            return 2
        if workers > 1 and settings.surface.operations_listen is not None:
            print(WORKERS_AND_OPERATIONS, file=sys.stderr)
            return 2
        if workers > 1:
            return _serve_workers(config, host, port, log_level, workers, gc_mode, parser, loop)
        app = create_app(settings)
    except ConfigError as exc:
        print(BAD_CONFIGURATION.format(error=exc), file=sys.stderr)
        return 2
    listeners = [Listener(prepare(gc_mode, app), host, port)]
    operations = operations_app_of(app)
    if operations is not None and settings.surface.operations_listen is not None:
        listeners.append(Listener(operations, *settings.surface.operations_listen))
    started = True
    # uvicorn re-raises Ctrl+C once it has shut down cleanly.
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        started = runner.run(serve_until_stopped(listeners, log_level=log_level, parser=parser))
    if not started:
        print(STARTUP_FAILED, file=sys.stderr)
        return 1
    return 0


def _serve_workers(
    config: str,
    host: str,
    port: int,
    log_level: str,
    workers: int,
    gc_mode: GcMode,
    parser: HttpParser,
    loop: LoopKind,
) -> int:
    """`workers` processes on the port, each on a socket of its own (`gateway/supervisor.py`; `gateway/workers.py`
    makes each one's app)."""
    from gateway.server import serve_workers
    from gateway.workers import ENV_CONFIG, ENV_GC, ENV_LOG_LEVEL, FACTORY

    os.environ[ENV_CONFIG] = str(Path(config).resolve())
    os.environ[ENV_LOG_LEVEL] = log_level
    os.environ[ENV_GC] = gc_mode
    try:
        started = serve_workers(
            FACTORY, host=host, port=port, workers=workers, log_level=log_level, parser=parser, loop=loop
        )
    except OSError as error:  # the address is in use, say
        print(f"family-context: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return 1
    if not started:
        print(STARTUP_FAILED, file=sys.stderr)
        return 1
    return 0


def token(
    config: str,
    *,
    role: Role,
    user: str | None,
    name: str | None,
    team: str | None,
    email: str | None,
    ttl_s: int,
) -> int:
    """Print a token for the demo gateway: an explanation on stderr, the token alone on the last line of stdout."""
    from auth.demo_issuer import mint_token
    from gateway.settings import BAD_CONFIGURATION, ConfigError, load_authority

    try:
        settings = load_authority(config)
    except ConfigError as exc:
        print(BAD_CONFIGURATION.format(error=exc), file=sys.stderr)
        return 2
    key_file = settings.auth.demo_key_file
    if settings.auth.mode != "demo" or key_file is None:
        print(TOKEN_NEEDS_DEMO, file=sys.stderr)
        return 2
    user_id = user or f"demo-{role.value.lower().replace('_', '-')}"
    try:
        minted = mint_token(Path(key_file), role=role, user_id=user_id, name=name, team=team, email=email, ttl_s=ttl_s)
    except ValueError:
        print(TOKEN_KEY_MISSING.format(path=key_file), file=sys.stderr)
        return 2
    print(TOKEN_EXPLANATION.format(role=role.value, user=user_id, ttl=ttl_s), file=sys.stderr)
    print(minted)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

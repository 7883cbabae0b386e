"""`family-context`: serve an authority's gateway, run the demo, or print the schema."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gateway.logs import configure_logging

SERVICE_CHOICES = ("cms", "adult_social_care", "police", "housing", "school")
FAULT_CHOICES = ("down", "slow", "garbage")


def fault(text: str) -> tuple[str, str]:
    service, sep, mode = text.partition("=")
    service, mode = service.strip().lower(), mode.strip().lower()
    if not sep or service not in SERVICE_CHOICES or mode not in FAULT_CHOICES:
        raise argparse.ArgumentTypeError(
            f"expected SERVICE=MODE with SERVICE one of {', '.join(SERVICE_CHOICES)} "
            f"and MODE one of {', '.join(FAULT_CHOICES)}; got {text!r}"
        )
    return service, mode


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="family-context", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the gateway for one authority")
    serve.add_argument("--config", required=True, help="the authority's TOML file")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="INFO")

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
        help=f"break one simulated system; SERVICE is one of {', '.join(SERVICE_CHOICES)}",
    )
    demo.add_argument("--log-level", default="INFO")

    sub.add_parser("schema", help="print the GraphQL schema (SDL)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "schema":
        from schema.export import sdl

        sys.stdout.write(sdl())
        return 0
    configure_logging(args.log_level)
    if args.command == "serve":
        return serve(args.config, args.host, args.port, args.log_level)
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


def serve(config: str, host: str, port: int, log_level: str) -> int:
    import uvicorn

    from gateway.app import create_app
    from gateway.settings import ConfigError, load_authority

    try:
        app = create_app(load_authority(config))
    except ConfigError as exc:
        print(f"family-context: bad configuration: {exc}", file=sys.stderr)
        return 2
    # uvicorn's access log prints paths with query strings; the gateway logs its own, without them.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level=log_level.lower())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Simulated source systems and the synthetic population behind them (demo, tests and benchmarks only).

The gateway never imports this package. Start everything with `sandbox.runner.start_sandbox`; the wire contract
the systems serve is `sandbox/README.md`.
"""

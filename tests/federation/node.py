"""Node for the federation tests: skipped with the reason when absent, a failure when FC_REQUIRE_NODE=1 (CI)."""

from __future__ import annotations

import os

import pytest

from gateway.federation_demo import NodeUnavailable, ensure_packages


def require_node() -> None:
    """Install federation/'s pinned packages (npm ci) if needed; skip (or fail in CI) without Node."""
    try:
        ensure_packages()
    except NodeUnavailable as reason:
        if os.environ.get("FC_REQUIRE_NODE") == "1":
            pytest.fail(f"FC_REQUIRE_NODE=1 but {reason}")
        pytest.skip(f"federation tests need Node: {reason}")

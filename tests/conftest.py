"""Test-wide settings."""

from __future__ import annotations

import os

from hypothesis import settings

# Property tests explore new examples on every developer run; CI replays a fixed set, so that a submission never
# fails on an example no one has seen. A failure found locally is kept in .hypothesis/ and replayed first.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("dev")
settings.load_profile("ci" if os.environ.get("CI") else "dev")

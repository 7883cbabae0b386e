"""One mapper per service: a native record in, a common-model value out. Each owns its system's quirks."""

from sources.mappers.native import MalformedRecord

__all__ = ["MalformedRecord"]

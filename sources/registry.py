"""The one place that maps a configured source's kind to its adapter class."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

from sources.adapter import SourceAdapter
from sources.adult_social_care import AdultSocialCareAdapter
from sources.cms import CmsAdapter
from sources.housing import HousingAdapter
from sources.observe import UpstreamObserver
from sources.police import PoliceCsvAdapter
from sources.school import SchoolSqlAdapter
from sources.settings import AdapterKind, SourceSettings

Builder = Callable[[SourceSettings, aiohttp.ClientSession, UpstreamObserver | None], SourceAdapter]

SERVICE_ADAPTERS: dict[AdapterKind, Builder] = {
    "adult_social_care_rest": lambda s, session, observer: AdultSocialCareAdapter(s, session, observer=observer),
    "housing_rest": lambda s, session, observer: HousingAdapter(s, session, observer=observer),
    "police_csv": lambda s, session, observer: PoliceCsvAdapter(s, observer=observer),
    "school_sql": lambda s, session, observer: SchoolSqlAdapter(s, observer=observer),
}


def build_adapter(
    settings: SourceSettings, session: aiohttp.ClientSession, observer: UpstreamObserver | None = None
) -> SourceAdapter:
    """The adapter for one configured service source, on the gateway's shared session.

    Raises `ValueError` (naming the system, never personal data) for the CMS kind or inconsistent settings.
    """
    builder = SERVICE_ADAPTERS.get(settings.kind)
    if builder is None:
        raise ValueError(f"source {settings.system!r}: kind {settings.kind!r} is not a service source")
    return builder(settings, session, observer)


def build_cms_adapter(
    settings: SourceSettings, session: aiohttp.ClientSession, observer: UpstreamObserver | None = None
) -> CmsAdapter:
    """The children's case-management system adapter (kind `cms_rest`)."""
    if settings.kind != "cms_rest":
        raise ValueError(f"source {settings.system!r}: kind {settings.kind!r} is not a CMS source")
    return CmsAdapter(settings, session, observer=observer)

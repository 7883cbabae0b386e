"""Adult social care over REST (Care First-like): a case system answering `sources.case_rest`'s batch calls on
`/api/clients` (see sandbox/README.md)."""

from __future__ import annotations

import aiohttp

from sources.case_rest import CaseApi, CaseRestAdapter
from sources.model import Service
from sources.observe import UpstreamObserver
from sources.services.adult_social_care.mapper import client_record
from sources.settings import SourceSettings

API = CaseApi(
    service=Service.ADULT_SOCIAL_CARE,
    kind="adult_social_care_rest",
    path="/api/clients",
    operation="clients",
    records_key="clients",
    record=client_record,
)


class AdultSocialCareAdapter(CaseRestAdapter):
    """`POST /api/clients/match`, `/api/clients/at-addresses`, `/api/clients/batch`."""

    def __init__(
        self, settings: SourceSettings, session: aiohttp.ClientSession, *, observer: UpstreamObserver | None = None
    ) -> None:
        super().__init__(API, settings, session, observer=observer)

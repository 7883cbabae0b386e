"""Youth offending over REST (a YOT case management system): a case system answering `sources.case_rest`'s batch
calls on `/api/young-people` (README.md beside this file); batches of at most the source's `max_batch_size`, 50 in
the simulation.
"""

from __future__ import annotations

import aiohttp

from sources.case_rest import CaseApi, CaseRestAdapter
from sources.model import Service
from sources.observe import UpstreamObserver
from sources.services.youth_offending.mapper import young_person_record
from sources.settings import SourceSettings

KIND = "youth_offending_rest"
API = CaseApi(
    service=Service.YOUTH_OFFENDING,
    kind=KIND,
    path="/api/young-people",
    operation="young_people",
    records_key="youngPeople",
    record=young_person_record,
)


class YouthOffendingAdapter(CaseRestAdapter):
    """`POST /api/young-people/match`, `/api/young-people/at-addresses`, `/api/young-people/batch`."""

    def __init__(
        self, settings: SourceSettings, session: aiohttp.ClientSession, *, observer: UpstreamObserver | None = None
    ) -> None:
        super().__init__(API, settings, session, observer=observer)

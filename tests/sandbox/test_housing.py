"""The simulated housing provider over real HTTP: upper case, dd/mm/yyyy, Y/N, no batch endpoint."""

from __future__ import annotations

import re

import aiohttp

from sandbox.candidates import forename_sounds, soundex, surname_key
from sandbox.runner import RunningSandbox

NATIVE_DATE = re.compile(r"^(\d\d/\d\d/\d\d\d\d)?$")


async def test_search_by_surname_and_year_or_dob(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    tenant = next(t for t in sandbox.population.housing if t.tenancy and t.identity.date_of_birth)
    dob = tenant.identity.date_of_birth
    assert dob is not None
    url = f"{sandbox.urls['housing']}/api/tenants/search"

    async with http.get(
        url,
        params=[
            ("surname", surname_key(tenant.identity.family_name)),
            ("surname", "NOBODY"),
            ("birthYear", str(dob.year)),
        ],
    ) as response:
        by_name = await response.json()
    async with http.get(url, params=[("dob", dob.strftime("%d/%m/%Y"))]) as response:
        by_dob = await response.json()

    assert tenant.person_ref in [t["PERSON_REF"] for t in by_name["RESULTS"]]
    found = next(t for t in by_dob["RESULTS"] if t["PERSON_REF"] == tenant.person_ref)
    assert found["SURNAME"] == tenant.identity.family_name.upper()
    assert found["DOB"] == dob.strftime("%d/%m/%Y")
    assert found["TENANCY"]["CURRENT"] in {"Y", "N"}
    assert NATIVE_DATE.match(found["TENANCY"]["START_DATE"])
    assert float(found["TENANCY"]["ARREARS_WEEKS"]) >= 0


async def test_a_bad_date_is_a_bad_request(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{sandbox.urls['housing']}/api/tenants/search", params={"dob": "1970-02-01"}) as response:
        assert response.status == 400


async def test_at_address_lists_everyone_on_the_tenancy(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    lead = next(
        t
        for t in sandbox.population.housing
        if t.tenancy and t.tenancy.role == "LEAD" and t.tenancy.end_date is None and t.identity.address
    )
    assert lead.identity.address is not None and lead.tenancy is not None
    on_tenancy = {
        t.person_ref
        for t in sandbox.population.housing
        if t.tenancy and t.tenancy.tenancy_ref == lead.tenancy.tenancy_ref and t.identity.address
    }

    async with http.get(
        f"{sandbox.urls['housing']}/api/tenancies/at-address",
        params={"postcode": lead.identity.address.postcode, "line1": lead.identity.address.line1.lower()},
    ) as response:
        body = await response.json()

    assert on_tenancy <= {t["PERSON_REF"] for t in body["RESULTS"]}


async def test_one_tenant_by_reference(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    perpetrator = next(
        t for t in sandbox.population.housing if t.tenancy is None and any(c.role == "PERPETRATOR" for c in t.asb_cases)
    )

    async with http.get(f"{sandbox.urls['housing']}/api/tenants/{perpetrator.person_ref}") as response:
        body = await response.json()
    async with http.get(f"{sandbox.urls['housing']}/api/tenants/H9999999") as missing:
        assert missing.status == 404

    assert set(body) == {
        "PERSON_REF",
        "FORENAME",
        "SURNAME",
        "PREVIOUS_SURNAMES",
        "DOB",
        "GENDER",
        "ADDRESS",
        "PROVIDER",
        "TENANCY",
        "ASB_CASES",
        "NSP",
        "EVICTIONS",
    }
    assert body["TENANCY"] is None
    assert body["FORENAME"] == body["FORENAME"].upper()
    assert body["ASB_CASES"][0]["ROLE"] == "PERPETRATOR"
    assert set(body["ADDRESS"]) == {"LINE_1", "LINE_2", "TOWN", "POSTCODE"}


def test_cases_old_and_recent_exist(sandbox: RunningSandbox) -> None:
    today = sandbox.population.reference_date
    housing = sandbox.population.housing
    notices = [n for t in housing for n in t.notices_seeking_possession]
    evictions = [e for t in housing for e in t.evictions]

    assert any((today - n.opened).days < 365 for n in notices)
    assert any((today - n.opened).days > 365 for n in notices)
    assert evictions
    assert any(t.tenancy and t.tenancy.arrears_weeks > 6 for t in housing)
    assert any(c.opened.year < 2014 for t in housing for c in t.asb_cases)
    assert {c.role for t in housing for c in t.asb_cases} == {"PERPETRATOR", "VICTIM", "WITNESS"}


async def test_search_by_the_sound_of_the_surname(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    """`surnameSound` and `forenameSound` find a tenant whose surname was typed wrong; a bad code is HTTP 400."""
    tenant = next(t for t in sandbox.population.housing if t.identity.date_of_birth and t.identity.given_name)
    url = f"{sandbox.urls['housing']}/api/tenants/search"
    sound = [("surname", "NOBODY"), ("surnameSound", soundex(tenant.identity.family_name))]
    forenames = [("forenameSound", code) for code in forename_sounds(tenant.identity.given_name)]

    async with http.get(url, params=[*sound, *forenames]) as response:
        found = [t["PERSON_REF"] for t in (await response.json())["RESULTS"]]
    async with http.get(url, params=[*sound, ("forenameSound", "Q000")]) as response:
        other_forename = [t["PERSON_REF"] for t in (await response.json())["RESULTS"]]
    async with http.get(url, params=[("surnameSound", "R2")]) as response:
        assert response.status == 400

    assert tenant.person_ref in found
    assert tenant.person_ref not in other_forename

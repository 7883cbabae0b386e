"""The police CSV adapter on real files: the sandbox's extract, and hand-made ones in tmp_path."""

import asyncio
import os
import time
from pathlib import Path

import pytest

from linkage.demographics import Demographics
from sandbox.runner import RunningSandbox
from sources.adapter import SourceUnavailable
from sources.model import Address, PoliceFacts, Service, SourceHealth
from sources.police import PoliceCsvAdapter
from sources.settings import SourceSettings
from tests.sources import samples


def police(path: Path, **overrides: object) -> PoliceCsvAdapter:
    values: dict[str, object] = {"timeout_s": 1.0, "refresh_s": 0.0} | overrides
    return PoliceCsvAdapter(
        SourceSettings(service=Service.POLICE, system="GMP extract", kind="police_csv", path=str(path), **values)  # type: ignore[arg-type]
    )


async def reason_of(adapter: PoliceCsvAdapter) -> str:
    with pytest.raises(SourceUnavailable) as raised:
        await adapter.get_records(["PN-000123"])
    return raised.value.reason


async def test_the_sandbox_extract_is_indexed_and_dated(sandbox: RunningSandbox) -> None:
    adapter = police(sandbox.police_csv)
    first = sandbox.population.police[0]
    (record,) = await adapter.get_records([first.record_id])
    assert record is not None and isinstance(record.facts, PoliceFacts)
    assert adapter.info.as_of == sandbox.population.police_extracted_at
    (candidates,) = await adapter.find_people([record.person])
    assert record.record_id in {c.record_id for c in candidates}
    assert await adapter.residents_at([Address(line1=None, postcode="SK1 2AB")]) == [[]]
    assert await adapter.check_health() is SourceHealth.UP
    await adapter.close()


async def test_missing_and_malformed_extracts(tmp_path: Path) -> None:
    path = tmp_path / "police_extract.csv"
    assert await reason_of(police(path)) == "extract missing"
    path.write_text("RecordRef;Name;DOB\nPN-1;SMITH, Robert;1970\n")
    assert await reason_of(police(path)) == "malformed extract"
    path.write_text(samples.POLICE_CSV.replace("01/02/1970", "1970-02-01"))
    assert await reason_of(police(path)) == "malformed extract"
    path.write_bytes(samples.POLICE_CSV.encode() + b"PN-9,\xff\xfe\n")
    assert await reason_of(police(path)) == "malformed extract"


async def test_a_fifo_in_place_of_the_extract_fails_fast_and_never_hangs(tmp_path: Path) -> None:
    path = tmp_path / "police_extract.csv"
    os.mkfifo(path)
    adapter = police(path, timeout_s=0.5)
    started = time.monotonic()
    assert await reason_of(adapter) in {"extract unavailable", "timed out"}
    assert time.monotonic() - started < 0.6
    assert await adapter.check_health() is SourceHealth.DOWN


async def test_refreshes_when_the_file_changes_and_keeps_the_last_good_extract(tmp_path: Path) -> None:
    path = tmp_path / "police_extract.csv"
    path.write_text(samples.POLICE_CSV)
    adapter = police(path, refresh_s=0.0)
    (record,) = await adapter.get_records(["PN-000123"])
    assert record is not None and record.person.family_name == "Smith"

    renamed = samples.POLICE_CSV.replace("SMITH", "SMYTHE").replace("2026-11-26T02", "2026-11-27T02")
    path.write_text(renamed)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    (record,) = await adapter.get_records(["PN-000123"])
    assert record is not None and record.person.family_name == "Smythe"
    assert adapter.info.as_of is not None and adapter.info.as_of.day == 27

    path.write_text("garbage")
    (record,) = await adapter.get_records(["PN-000123"])  # still answers from the last good extract
    assert record is not None and record.person.family_name == "Smythe"
    assert await adapter.check_health() is SourceHealth.DEGRADED

    path.write_text(samples.POLICE_CSV)
    assert await adapter.check_health() is SourceHealth.UP


async def test_checks_the_file_at_most_every_refresh_s(tmp_path: Path) -> None:
    path = tmp_path / "police_extract.csv"
    path.write_text(samples.POLICE_CSV)
    adapter = police(path, refresh_s=3600.0)
    person = Demographics(given_name="Robert", family_name="Smith", date_of_birth=None)
    assert (await adapter.find_people([person]))[0]
    path.unlink()
    assert (await adapter.find_people([person]))[0]  # not re-checked yet
    assert await adapter.check_health() is SourceHealth.UP


async def test_sandbox_file_faults(sandbox: RunningSandbox) -> None:
    for fault, reason in (("down", "extract missing"), ("garbage", "malformed extract")):
        await sandbox.set_fault("police", fault)
        assert await reason_of(police(sandbox.police_csv)) == reason
        sandbox.clear_fault("police")
    await sandbox.set_fault("police", "slow")
    started = time.monotonic()
    assert await reason_of(police(sandbox.police_csv, timeout_s=0.5)) in {"extract unavailable", "timed out"}
    assert time.monotonic() - started < 0.6
    sandbox.clear_fault("police")
    await asyncio.sleep(0)

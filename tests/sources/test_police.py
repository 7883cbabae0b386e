"""The police CSV adapter on real files: the sandbox's extract, and hand-made ones in tmp_path."""

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from linkage.demographics import Demographics
from sandbox.runner import RunningSandbox
from sources import extract_file
from sources.adapter import SourceUnavailable
from sources.extract_file import FileVersion
from sources.extract_reload import MAX_BACKOFF_S, ReloadSchedule
from sources.model import Address, PoliceFacts, Service, SourceHealth
from sources.services.police import adapter as police_module
from sources.services.police.adapter import PoliceCsvAdapter
from sources.settings import SourceSettings
from tests.sources import samples
from tests.typos import vowel_typo


def police(
    path: Path, *, clock: Callable[[], float] = time.monotonic, observed: list[str] | None = None, **overrides: object
) -> PoliceCsvAdapter:
    values: dict[str, object] = {"timeout_s": 1.0, "refresh_s": 0.0} | overrides
    return PoliceCsvAdapter(
        SourceSettings(service=Service.POLICE, system="GMP extract", kind="police_csv", path=str(path), **values),  # type: ignore[arg-type]
        clock=clock,
        observer=None if observed is None else (lambda system, operation, seconds, outcome: observed.append(outcome)),
    )


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every actual read of an extract file (not the cheap version checks), by path."""
    done: list[str] = []

    def counted(path: str) -> tuple[bytes, FileVersion]:
        done.append(path)
        return extract_file.read_regular_file(path)

    monkeypatch.setattr(police_module, "read_regular_file", counted)
    return done


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


async def test_a_family_name_typed_wrong_finds_the_extract_record(sandbox: RunningSandbox) -> None:
    """Without a DOB, the extract's index finds a one-letter typo in the family name by its sound."""
    adapter = police(sandbox.police_csv)
    record = next(r for r in sandbox.population.police if r.identity.given_name and vowel_typo(r.identity.family_name))
    typed = Demographics(given_name=record.identity.given_name, family_name=vowel_typo(record.identity.family_name))
    (candidates,) = await adapter.find_people([typed])
    assert record.record_id in {c.record_id for c in candidates}
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


# ---------------------------------------------------------------- back-off and breaker


def test_the_reload_schedule_backs_off_from_refresh_s_doubling_to_an_hour_and_resets_on_success() -> None:
    clock = Clock()
    schedule = ReloadSchedule(60.0, clock=clock)
    assert schedule.due()  # never tried
    waits = [schedule.failed() for _ in range(9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600] and schedule.failures == 9
    clock.now += 3599.9
    assert not schedule.due()
    clock.now += 0.1
    assert schedule.due()
    schedule.succeeded()
    assert schedule.failures == 0 and not schedule.due()
    clock.now += 60
    assert schedule.due()
    assert schedule.failed() == 60  # reset: the next failure starts again from refresh_s

    slow = ReloadSchedule(7200.0, clock=clock)  # refresh_s over an hour: a failure never retries sooner
    assert [slow.failed() for _ in range(2)] == [7200, 7200]
    assert ReloadSchedule(0.0, clock=clock).failed() == 0.0  # refresh_s = 0 (tests): no waiting at all
    assert MAX_BACKOFF_S == 3600.0


async def test_an_extract_that_never_loaded_is_read_once_per_back_off_and_fails_fast_between(
    tmp_path: Path, reads: list[str]
) -> None:
    path = tmp_path / "police_extract.csv"
    path.write_text("garbage")
    clock = Clock()
    observed: list[str] = []
    adapter = police(path, clock=clock, refresh_s=60.0, observed=observed)

    async def ask() -> str:
        return await reason_of(adapter)

    # 200 requests within the first period, half of them at once: the file is read once.
    reasons = await asyncio.gather(*(ask() for _ in range(100)))
    reasons += [await ask() for _ in range(100)]
    assert set(reasons) == {"malformed extract"}  # failing fast keeps the reason of the last load
    assert len(reads) == 1
    assert adapter.breaker.state == "open"
    assert observed.count("circuit_open") == 100 and observed.count("malformed") == 1
    assert await adapter.check_health() is SourceHealth.DOWN and len(reads) == 1

    # The breaker half-opens on the back-off schedule: 60 s, then 120 s, then 240 s ...
    for read_so_far, wait in enumerate((60.0, 120.0, 240.0), start=1):
        clock.now += wait - 1
        assert await ask() == "malformed extract" and adapter.breaker.state == "open" and len(reads) == read_so_far
        clock.now += 1
        assert adapter.breaker.state == "half_open"
        await asyncio.gather(*(ask() for _ in range(50)))  # one trial load, however many come
        assert adapter.breaker.state == "open" and len(reads) == read_so_far + 1

    # A good extract closes the breaker and resets the back-off.
    path.write_text(samples.POLICE_CSV)
    clock.now += 480.0
    (record,) = await adapter.get_records(["PN-000123"])
    assert record is not None and adapter.breaker.state == "closed" and len(reads) == 5
    assert await adapter.check_health() is SourceHealth.UP


async def test_a_broken_reload_backs_off_and_keeps_serving_the_last_good_extract(
    tmp_path: Path, reads: list[str]
) -> None:
    path = tmp_path / "police_extract.csv"
    path.write_text(samples.POLICE_CSV)
    clock = Clock()
    adapter = police(path, clock=clock, refresh_s=60.0)
    assert await adapter.check_health() is SourceHealth.UP and len(reads) == 1

    async def family_name() -> str | None:
        (record,) = await adapter.get_records(["PN-000123"])
        return None if record is None else record.person.family_name

    path.write_text("garbage")
    assert await family_name() == "Smith" and len(reads) == 1  # not due yet
    clock.now += 60
    assert await family_name() == "Smith" and len(reads) == 2  # re-read, failed: the last good one answers
    assert await adapter.check_health() is SourceHealth.DEGRADED
    for _ in range(200):
        assert await family_name() == "Smith"
    assert len(reads) == 2

    clock.now += 60  # the first failure waits refresh_s ...
    assert await family_name() == "Smith" and len(reads) == 3
    clock.now += 60  # ... the second twice that
    assert await family_name() == "Smith" and len(reads) == 3
    clock.now += 60
    assert await family_name() == "Smith" and len(reads) == 4

    path.write_text(samples.POLICE_CSV.replace("SMITH", "SMYTHE"))
    clock.now += 240
    assert await family_name() == "Smythe" and len(reads) == 5
    assert await adapter.check_health() is SourceHealth.UP

    path.write_text("garbage again")
    clock.now += 60  # reset: checked again after refresh_s, not after 480 s
    assert await family_name() == "Smythe" and len(reads) == 6
    assert await adapter.check_health() is SourceHealth.DEGRADED

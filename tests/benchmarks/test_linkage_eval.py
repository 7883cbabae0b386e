"""The linkage evaluation harness on a tiny population: the report's shape and sane numbers."""

from __future__ import annotations

import datetime

import pytest

from benchmarks.linkage_eval.agreement import FIELD_TABLES
from benchmarks.linkage_eval.candidates import exact_key
from benchmarks.linkage_eval.quality import METHODS, QualityReport, evaluate_quality
from benchmarks.linkage_eval.quality_report import quality_section
from benchmarks.linkage_eval.records import TARGETS
from benchmarks.linkage_eval.tally import Counts
from benchmarks.linkage_eval.truth import ANY_PLANTED, CLEAN, IDENTITY_PLANTED
from linkage import Demographics
from sandbox.ground_truth import DISCREPANCY_KINDS, NEAR_DUPLICATE_KINDS


@pytest.fixture(scope="module")
def report() -> QualityReport:
    return evaluate_quality(seed=7, households=60)


def test_report_covers_every_method_system_and_kind(report: QualityReport) -> None:
    assert set(report.methods) == set(METHODS)
    assert set(report.target_records) == set(TARGETS) == set(report.cross_product)
    for result in report.methods.values():
        assert set(result.by_system) == set(TARGETS)
        assert set(result.by_kind) == {CLEAN, ANY_PLANTED, IDENTITY_PLANTED, *DISCREPANCY_KINDS}
        assert set(result.near_duplicate_links) == set(NEAR_DUPLICATE_KINDS)


def test_numbers_are_sane(report: QualityReport) -> None:
    assert report.subjects > 0 and report.true_pairs > 0
    for result in report.methods.values():
        overall = result.overall
        assert overall.true_pairs == report.true_pairs  # every method is judged on the same true pairs
        assert overall.true_pairs == sum(c.true_pairs for c in result.by_system.values())
        for counts in (overall, *result.by_system.values(), *result.by_kind.values()):
            for value in (counts.precision, counts.recall):
                assert value is None or 0.0 <= value <= 1.0
        assert result.near_duplicate_links["twins"] == 0
        kinds = result.by_kind
        assert kinds[CLEAN].true_pairs + kinds[ANY_PLANTED].true_pairs == overall.true_pairs
        assert kinds[IDENTITY_PLANTED].true_pairs <= kinds[ANY_PLANTED].true_pairs
        assert len(result.misses) == overall.fn and len(result.false_links) == overall.fp
    for method in ("gateway", "blocking"):
        result = report.methods[method]
        for system in TARGETS:
            assert 0 < result.pairs_scored[system] < report.cross_product[system]
        assert (result.overall.recall or 0) > 0.9
    # Linkage tolerates what exact matching cannot.
    assert (report.methods["blocking"].overall.recall or 0) > (report.methods["exact"].overall.recall or 0)


def test_examples_name_no_one(report: QualityReport) -> None:
    """Rows of examples carry ids, kinds and agreement classes only: no names or dates reach docs/."""
    text = "\n".join(quality_section(report))
    assert "| twins | 0 |" in text
    vocabulary = {"given", "family", "dob", "postcode", "gender"} | {
        agreement.name for table in FIELD_TABLES.values() for agreement in table
    }
    rows = [line for line in text.splitlines() if line.startswith(("| miss |", "| false |"))]
    for row in rows:
        fields = row.strip("| ").rsplit("|", 1)[-1]
        assert set(fields.replace(",", " ").split()) <= vocabulary, row


def test_counts_and_baseline_key() -> None:
    assert Counts(tp=0, fp=0, fn=0).precision is None
    assert Counts(tp=3, fp=1, fn=1).recall == 0.75
    dob = datetime.date(2015, 3, 4)
    assert exact_key(Demographics(given_name="Mary-Ann", family_name="O'Neil", date_of_birth=dob)) == (
        "maryann",
        "oneil",
        dob,
    )
    assert exact_key(Demographics(given_name="Ann", family_name="Lee")) is None

"""Evaluation of record linkage against the sandbox's ground truth, and search latency at 100,000 people.

    python -m benchmarks.linkage_eval [--households 3000] [--seed 1] [--no-write] [--no-http]

Quality. A seeded sandbox population is generated with its planted discrepancies. Every CMS person is the subject
(as in the gateway: a person known to the CMS is checked against each service system) and adult social care,
housing, police and school are the target systems. Every record goes through the gateway's own mapper, from the
native shape the simulated system serves (JSON, CSV row, SQLite row) to `linkage.Demographics`, so the evaluation
measures what the gateway compares. Candidates are found three ways:

* `gateway`: each system's candidate path as the gateway uses it: the loose candidate query (`candidate_keys`)
  answered as the simulated HTTP systems answer it (`sandbox.candidates.CandidateIndex`, at most 50 records) for
  adult social care and housing, the school adapter's SQL rule for school, and a `BlockingIndex` for the police
  extract;
* `blocking`: a `linkage.BlockingIndex` over every target system (linkage alone, without the query's limits);
* `exact`: the foundation's baseline, no scoring: given name, family name (lower case, letters only) and date of
  birth all equal.

A predicted link is a pair that `best_links` puts at CERTAIN or PROBABLE; POSSIBLE pairs are counted apart (shown
to the user as "possible match", never counted as an involvement). A true pair is a subject and a target record of
the same ground-truth person. A pair belongs to discrepancy kind K when either record carries a planted discrepancy
of kind K ("clean" when neither does).

Search. 100,000 people of a larger population (one record per person, with former names and previous addresses)
are held in a `BlockingIndex`; a mixed workload of searches (name, name and DOB, surname only, nickname, typo,
postcode) runs through the in-memory search path: `BlockingIndex.candidates`, `linkage.search_match` per
candidate, sort. Optionally the gateway's `searchPeople` is timed end to end over HTTP on a sandbox of the same
size.

The report goes to docs/linkage.md.
"""

from __future__ import annotations

import datetime

REFERENCE_DATE = datetime.date(2026, 11, 27)  # ages are relative to it: fixed, so that a seed gives one population

"""What a set of answers adds up to: answers by status and verdict, the promises' counters, latency and throughput.

Latency percentiles are over the 200s only (a 503 or 429 is answered at once and would flatter them); throughput
is answers per second of the window they were asked in, all answers and 200s apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from benchmarks.load_answers import Verdict, tally, verdict
from benchmarks.load_client import Answer
from benchmarks.stats import percentile


@dataclass(frozen=True)
class Summary:
    answers: int
    statuses: Counter[str]  # "200", "503", "429", "other"
    verdicts: Counter[Verdict]
    non_coded: int  # errors without extensions.code, non-JSON bodies, 5xx other than 503, no answer at all
    internal: int  # INTERNAL errors: coded, but a masked exception
    age_rule_breaks: int  # checks NOT_APPLICABLE in the baseline that came back UNAVAILABLE
    codes: Counter[str]  # every error code seen, once per answer
    p50_s: float
    p95_s: float
    p99_s: float
    max_s: float
    per_second: float
    ok_per_second: float

    @property
    def ok(self) -> int:
        return self.statuses["200"]

    @property
    def child_null(self) -> int:
        return self.verdicts["child_null"]


def summarise(answers: Sequence[Answer], seconds: float, failing: Collection[str] = ()) -> Summary:
    statuses: Counter[str] = Counter({"200": 0, "503": 0, "429": 0, "other": 0})
    codes: Counter[str] = Counter()
    for answer in answers:
        status = str(answer.judgement.status)
        statuses[status if status in statuses else "other"] += 1
        codes.update(set(answer.judgement.codes))
    latencies = [a.seconds for a in answers if a.judgement.status == 200] or [0.0]
    return Summary(
        answers=len(answers),
        statuses=statuses,
        verdicts=tally([verdict(a.judgement, failing) for a in answers]),
        non_coded=sum(a.judgement.non_coded for a in answers),
        internal=sum(a.judgement.internal for a in answers),
        age_rule_breaks=sum(a.judgement.age_rule_breaks for a in answers),
        codes=codes,
        p50_s=percentile(latencies, 0.50),
        p95_s=percentile(latencies, 0.95),
        p99_s=percentile(latencies, 0.99),
        max_s=max(latencies),
        per_second=len(answers) / seconds if seconds else 0.0,
        ok_per_second=statuses["200"] / seconds if seconds else 0.0,
    )


def whole_again_after(answers: Sequence[Answer], cleared_at: float, window_end: float) -> float | None:
    """Seconds from `cleared_at` until answers were whole again: the start of the first answer asked after the
    clearing from which on every 200 was whole (503s and 429s aside). None when the last 200 asked in the window
    was still not whole."""
    after = [a for a in answers if a.started >= cleared_at and a.judgement.status == 200]
    if not after:
        return None
    last_bad = max((i for i, a in enumerate(after) if verdict(a.judgement) != "whole"), default=None)
    if last_bad is None:
        return 0.0
    if last_bad == len(after) - 1 or after[last_bad].started >= window_end:
        return None
    return after[last_bad + 1].started - cleared_at

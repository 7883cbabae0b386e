"""The load test's report, in Markdown: one table per part (healthy load, fault scenarios, soak).

The tables are the raw figures of one run; docs/reliability.md holds one such report with what the figures mean.
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.load_client import Answer
from benchmarks.load_faults import ScenarioResult
from benchmarks.load_levels import LevelResult, growth
from benchmarks.load_summary import Summary


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def statuses(summary: Summary) -> str:
    s = summary.statuses
    return f"{s['200']} / {s['503']} / {s['429']} / {s['other']}"


def levels_table(levels: Sequence[LevelResult]) -> list[str]:
    lines = [
        "| clients | answers | 200 / 503 / 429 / other | non-coded errors | INTERNAL | `child: null` "
        "| 200s not whole | p50 | p95 | p99 | max | answers/s (200s/s) | gateway RSS before → after "
        "| gateway CPU | load CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for level in levels:
        s = level.summary
        not_whole = s.ok - s.verdicts["whole"]
        lines.append(
            f"| {level.concurrency} | {s.answers} | {statuses(s)} | {s.non_coded} | {s.internal} | {s.child_null} "
            f"| {not_whole} | {ms(s.p50_s)} | {ms(s.p95_s)} | {ms(s.p99_s)} | {ms(s.max_s)} "
            f"| {s.per_second:.1f} ({s.ok_per_second:.1f}) "
            f"| {level.rss_before_mib:.0f} → {level.rss_after_mib:.0f} MiB "
            f"| {level.gateway_cpu:.2f} | {level.load_cpu:.2f} |"
        )
    return lines


def level_notes(levels: Sequence[LevelResult]) -> list[str]:
    notes = []
    for level in levels:
        s = level.summary
        codes = ", ".join(f"{code} {n}" for code, n in sorted(s.codes.items())) or "none"
        notes.append(
            f"- {level.concurrency} clients: error codes (answers carrying each) {codes}; "
            f"age-rule breaks {s.age_rule_breaks}; gateway log lines with a traceback or ERROR: "
            f"{len(level.log_problems)}"
        )
        notes += problem_lines(level.log_problems)
    return notes


def problem_lines(problems: Sequence[str], most: int = 3) -> list[str]:
    """The first few gateway log lines with a traceback or an ERROR record (the gateway logs no personal data)."""
    return [f"  - log: `{line.strip()[:200]}`" for line in problems[:most]]


def faults_table(results: Sequence[ScenarioResult], deadline_s: float) -> list[str]:
    lines = [
        "| scenario | answers during the fault: 200 / 503 / 429 / other | whole | only the failing part missing "
        "| anything else missing | `child: null` | non-coded | p99 (max) of the 200s | p99 ≤ deadline "
        f"({deadline_s:g} s) | whole again after clearing |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        d = r.during
        ok = max(d.ok, 1)
        other = d.verdicts["other_missing"] + d.verdicts["child_null"]
        again = f"{r.whole_again_s:.1f} s" if r.whole_again_s is not None else f"not within {r.recovery_s:g} s"
        lines.append(
            f"| {r.scenario.name} | {statuses(d)} | {d.verdicts['whole']} ({100 * d.verdicts['whole'] / ok:.0f}%) "
            f"| {d.verdicts['own_part_missing']} ({100 * d.verdicts['own_part_missing'] / ok:.0f}%) "
            f"| {other} ({100 * other / ok:.0f}%) | {d.child_null} | {d.non_coded + r.after.non_coded} "
            f"| {ms(d.p99_s)} ({ms(d.max_s)}) | {'yes' if d.p99_s <= deadline_s else '**no**'} | {again} |"
        )
    return lines


def breakers_table(results: Sequence[ScenarioResult]) -> list[str]:
    lines = [
        "| scenario | failing source: breaker first open at | calls refused (`circuit_open`) "
        "| calls that reached it during the fault | its calls by outcome | breaker letting calls through again "
        "after clearing | healthy sources' breakers: calls refused |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for system in r.scenario.failing:
            b = r.breakers[system]
            first = f"+{b.first_open_s:.0f} s" if b.first_open_s is not None else "never"
            if b.first_open_s is None:
                closed = "—"
            elif b.closed_after_clear_s is None:
                closed = f"still refusing at +{r.recovery_s:g} s"
            else:
                closed = f"{b.closed_after_clear_s:.0f} s"
            reached = str(r.reached[system]) if system in r.reached else "(a file)"
            calls = ", ".join(f"{k} {v}" for k, v in sorted(b.calls.items()))
            healthy = ", ".join(f"{s} {n}" for s, n in r.healthy_refusals().items()) or "0"
            lines.append(
                f"| {r.scenario.name} | {system}: {first} | {b.refused} | {reached} | {calls} | {closed} | {healthy} |"
            )
    return lines


def fault_notes(results: Sequence[ScenarioResult]) -> list[str]:
    notes = []
    for r in results:
        d = r.during
        codes = ", ".join(f"{code} {n}" for code, n in sorted(d.codes.items())) or "none"
        notes.append(
            f"- {r.scenario.name}: error codes during the fault {codes}; age-rule breaks {d.age_rule_breaks}; "
            f"after clearing {statuses(r.after)} (200/503/429/other): {r.after.verdicts['whole']} whole, "
            f"{r.after.verdicts['own_part_missing']} only the failing part missing, "
            f"{r.after.verdicts['other_missing'] + r.after.child_null} anything else missing; "
            f"log lines with a traceback or ERROR {len(r.log_problems)}"
        )
        notes += [f"  - lost more than the failing part: {describe(answer)}" for answer in r.examples]
        notes += problem_lines(r.log_problems)
    return notes


def describe(answer: Answer) -> str:
    """What an answer lost compared with its baseline, in one line (no personal data: services, systems, codes)."""
    j = answer.judgement
    parts = [f"{answer.cms_id} at +{answer.started:.1f} s, {ms(answer.seconds)}, HTTP {j.status}"]
    if not j.child_present:
        parts.append("child: null")
    if j.unavailable_services:
        parts.append("UNAVAILABLE: " + ", ".join(sorted(j.unavailable_services)))
    if j.changed_services:
        parts.append("changed: " + ", ".join(sorted(j.changed_services)))
    if j.missing_member_basis:
        parts.append("members missing, placed by: " + "; ".join(", ".join(sorted(b)) for b in j.missing_member_basis))
    if j.extra_members:
        parts.append(f"{j.extra_members} members not in the baseline")
    parts.append(
        "errors: "
        + (", ".join(j.codes) or "none")
        + (f" naming {', '.join(sorted(j.error_systems))}" if j.error_systems else "")
    )
    return "; ".join(parts)


def soak_lines(soak: LevelResult) -> list[str]:
    g = growth(soak.rss_samples)
    lines = [
        "| seconds | " + " | ".join(f"{t:.0f}" for t, _ in soak.rss_samples) + " |",
        "|---|" + "---|" * len(soak.rss_samples),
        "| VmRSS (MiB) | " + " | ".join(f"{m:.0f}" for _, m in soak.rss_samples) + " |",
        "",
        f"- VmRSS: {g.start:.0f} MiB at the start, {g.after_first_minute:.0f} MiB after the first minute, "
        f"{g.end:.0f} MiB at the end (highest {g.highest:.0f}); slope after the first minute "
        f"{g.slope_after_first_minute:+.2f} MiB/min",
    ]
    return lines

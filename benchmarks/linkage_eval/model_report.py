"""The report's sections on the trained model itself: its fitted levels on the sandbox, and how fast it scores and
trains."""

from __future__ import annotations

from collections.abc import Sequence

import linkage
from benchmarks.linkage_eval.febrl import FebrlReport
from benchmarks.linkage_eval.markdown import table
from benchmarks.linkage_eval.training_speed import TARGET_SECONDS, TrainingSpeed

TARGET_PAIRS_PER_S = 50_000


def levels_section(model: linkage.LinkageModel) -> list[str]:
    """Every comparison level of `model` with its fitted m, u and weight."""
    rows = []
    for fitted in model.parameters():
        level = fitted.level
        if fitted.m is None or fitted.u is None:
            rows.append([fitted.comparison, level.key, level.label, "-", "-", "0 (null level)", level.guard or ""])
            continue
        tf = ", term-frequency adjusted" if fitted.tf_column else ""
        rows.append(
            [
                fitted.comparison,
                level.key,
                level.label,
                f"{fitted.m:.3g}",
                f"{fitted.u:.3g}",
                f"{fitted.weight:+.2f}{tf}",
                level.guard or "",
            ]
        )
    return [
        "### The trained model's levels (sandbox)",
        "",
        f"The model of the `model` rows above: λ = {model.probability_two_random_records_match:.3g} (prior "
        f"{model.prior_weight:+.2f} bits). Weights in bits, log2(m/u); a guard names the rule "
        "(`linkage.rules`) that limits a link resting on the level.",
        "",
        *table(("comparison", "level", "label", "m", "u", "weight", "guard"), rows),
        "",
    ]


def speed_section(febrl: FebrlReport | None, training: TrainingSpeed | None) -> list[str]:
    """The online scorer's pairs per second (on FEBRL's candidate pairs) and training time on 100,000 records."""
    lines = ["### Speed", ""]
    if febrl is not None:
        met = febrl.scorer_pairs_per_s >= TARGET_PAIRS_PER_S
        lines += [
            "Online scorer, one core (pure Python, no Splink), best of 3 runs over FEBRL's "
            f"{febrl.ours.candidate_pairs:,} candidate pairs:",
            "",
            f"- `LinkageModel.match_weight`, each record's columns cached (as in the gateway, where a person is "
            f"compared with several candidates): **{febrl.scorer_pairs_per_s:,.0f} pairs/s**; target ≥ "
            f"{TARGET_PAIRS_PER_S:,}: **{'met' if met else 'not met'}**",
            f"- the same with every record's columns computed first (cold): {febrl.scorer_cold_pairs_per_s:,.0f} "
            "pairs/s",
            f"- `LinkageModel.score` (level and reasons in words too): {febrl.evidence_pairs_per_s:,.0f} pairs/s",
            "",
        ]
    if training is not None:
        met = training.seconds < TARGET_SECONDS
        lines += [
            f"Training (`linkage.train`, DuckDB) on {training.records:,} records (the CMS and every system of a "
            f"{training.households:,}-household sandbox population, as the mappers read them): "
            f"**{training.seconds:.1f} s**; target < {TARGET_SECONDS:.0f} s: **{'met' if met else 'not met'}**. "
            "Stages:",
            "",
            *table(("from (s)", "stage"), _stages(training.stages)),
            "",
        ]
    return lines


def _stages(stages: Sequence[tuple[float, str]]) -> list[list[object]]:
    return [[f"{at:.1f}", stage] for at, stage in stages]

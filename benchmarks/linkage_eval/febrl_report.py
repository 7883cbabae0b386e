"""The report's FEBRL4 section: this project's trained model beside a stock Splink model, and the targets."""

from __future__ import annotations

from benchmarks.linkage_eval import febrl
from benchmarks.linkage_eval.febrl import FebrlReport, MethodQuality
from benchmarks.linkage_eval.markdown import table

TARGET_RECALL_AT_ZERO_FALSE = 0.92
TARGET_BEST_F1 = 0.98


def _three(value: float) -> str:
    return f"{value:.3f}"


def _rows(m: MethodQuality) -> list[list[object]]:
    rows: list[list[object]] = [
        [m.label, name, q.predicted, q.false_links, _three(q.precision), _three(q.recall), _three(q.f1)]
        for name, q in m.at.items()
    ]
    best = m.swept.best_f1
    rows.append(
        [
            m.label,
            f"best F1 (p ≥ {m.swept.best_f1_threshold:.3g})",
            best.predicted,
            best.false_links,
            _three(best.precision),
            _three(best.recall),
            _three(best.f1),
        ]
    )
    return rows


def febrl_section(r: FebrlReport) -> list[str]:
    """The section's markdown lines."""
    ours, guarded, splink = r.ours, r.ours_guarded, r.splink
    refused = ", ".join(
        f"{count:,} through `{guard}`" for guard, count in sorted(r.refused_true_pairs.items(), key=lambda i: -i[1])
    )
    zero_met = ours.swept.recall_at_zero_false >= TARGET_RECALL_AT_ZERO_FALSE
    f1_met = ours.swept.best_f1.f1 >= TARGET_BEST_F1
    return [
        "### FEBRL4: this project beside Splink",
        "",
        " ".join((febrl.__doc__ or "").split("\n\n")[1].split()),
        "",
        f"{r.records:,} records, {r.true_pairs:,} true pairs. Training (no labels): this project "
        f"{ours.train_seconds:.1f} s, Splink {splink.train_seconds:.1f} s. Candidate pairs: this project "
        f"{ours.candidate_pairs:,} (holding {ours.candidates_recall:.2%} of the true pairs), Splink "
        f"{splink.candidate_pairs:,} ({splink.candidates_recall:.2%}).",
        "",
        *table(
            ("method", "threshold", "links", "false links", "precision", "recall", "F1"),
            [*_rows(ours), *_rows(splink), *_rows(guarded)],
        ),
        "",
        *table(
            ("method", "recall at zero false links", "best F1"),
            [
                [m.label, _three(m.swept.recall_at_zero_false), _three(m.swept.best_f1.f1)]
                for m in (ours, splink, guarded)
            ],
        ),
        "",
        f"- recall at zero false links ≥ {TARGET_RECALL_AT_ZERO_FALSE}: {_three(ours.swept.recall_at_zero_false)} "
        f"(Splink {_three(splink.swept.recall_at_zero_false)}): **{'met' if zero_met else 'not met'}**",
        f"- best F1 ≥ {TARGET_BEST_F1}: {_three(ours.swept.best_f1.f1)} (Splink {_three(splink.swept.best_f1.f1)}): "
        f"**{'met' if f1_met else 'not met'}**",
        "",
        "The targets are measured with every guard allowed (`linkage.rules.NO_GUARDS`), as this data asks: it has "
        "no families in it, and its corruptions replace whole values. Of its true pairs, the gateway's default rules "
        f"would refuse {refused} (a pair may count twice): a different given name or DOB is what twins and a "
        "parent and child of the same name look like, so by default such a pair is no link at all, and a pair "
        "without a DOB on one side is at most POSSIBLE. The last rows show what that costs here "
        f"(recall at zero false links {_three(guarded.swept.recall_at_zero_false)}). PROBABLE and CERTAIN are the "
        "default thresholds on the model's match probability, whose prior comes from a deterministic rule with an "
        "assumed recall of 0.7 (FEBRL's is lower, so the probabilities are conservative and the best F1 threshold "
        "lies below 0.9).",
        "",
    ]

"""The report's linkage-quality section: each method overall, by discrepancy kind, by target system, near duplicates."""

from __future__ import annotations

from benchmarks.linkage_eval.failures_report import failures_section
from benchmarks.linkage_eval.markdown import pct, table
from benchmarks.linkage_eval.quality import MODEL_AT_DEFAULTS, MODEL_METHOD, QualityReport
from benchmarks.linkage_eval.records import TARGETS
from benchmarks.linkage_eval.tally import Counts
from benchmarks.linkage_eval.truth import ANY_PLANTED, IDENTITY_PLANTED, KIND_ROWS
from sandbox.ground_truth import NEAR_DUPLICATE_KINDS

TARGET_PRECISION = 0.995
TARGET_RECALL = 0.98
# The trained model's targets: no false link, and at least the prior model's recall of the last published run.
MODEL_TARGET_PRECISION = 1.0
MODEL_TARGET_RECALL = 0.9935

BY_KIND_NOTE = (
    "A pair counts under every kind planted on either record (so a row's pairs may also appear in another row); "
    "`clean`: neither record carries any. The last two rows pool every pair with a planted discrepancy, and every "
    "pair with one on the identity (all kinds but `bad_phone` and `missing_email`, which are planted on contact "
    "details). Note that `clean` includes housing former-tenant records, which the sandbox writes from the "
    "person's stale identity (old address, name before a change) without planting a discrepancy. Columns: true "
    "pairs, linked true, false links, precision, recall."
)
GATEWAY_COUNTS_HEADER = ("gateway: true", "linked", "false", "precision", "recall")


def _counts_cells(c: Counts) -> list[object]:
    return [c.true_pairs, c.tp, c.fp, pct(c.precision), pct(c.recall)]


def _scored_cells(gateway: int, blocking: int, cross_product: int) -> list[str]:
    return [f"{gateway:,}", f"{blocking:,}", f"{cross_product:,}", f"{gateway / cross_product:.4%}"]


def quality_section(q: QualityReport) -> list[str]:
    """The section's markdown lines."""
    return [
        "### Linkage quality",
        "",
        f"Population: seed {q.seed}, {q.households:,} households, reference date {q.reference_date.isoformat()}; "
        f"{q.subjects:,} CMS people as subjects; target records: "
        + ", ".join(f"{s} {n:,}" for s, n in q.target_records.items())
        + f". {q.true_pairs:,} true (CMS person, target record) pairs. Run time {q.seconds:.1f} s.",
        "",
        "Candidate paths (`gateway` method): " + "; ".join(f"{s}: {p}" for s, p in q.candidate_paths.items()) + ".",
        "",
        *_model_note(q),
        *_overall(q),
        "",
        "#### By discrepancy kind",
        "",
        BY_KIND_NOTE,
        "",
        *_by_kind(q),
        "",
        "#### By target system",
        "",
        *_by_system(q),
        "",
        "#### Near duplicates",
        "",
        "Links (CERTAIN or PROBABLE) made between two different people of a planted near-duplicate group, and "
        "POSSIBLE matches between them (shown, not counted as involvements).",
        "",
        *_near_duplicates(q),
        "",
        *(
            failures_section(q.methods[MODEL_METHOD], "trained model, gateway candidate paths")
            if MODEL_METHOD in q.methods
            else []
        ),
        *failures_section(q.methods["gateway"], "prior model, gateway candidate paths"),
        *failures_section(q.methods["blocking"], "prior model, BlockingIndex"),
    ]


def _model_note(q: QualityReport) -> list[str]:
    thresholds = q.model_thresholds
    if thresholds is None or thresholds.model is None or MODEL_METHOD not in q.methods:
        return []
    training = thresholds.model.training
    rules = thresholds.rules
    return [
        f"`{MODEL_METHOD}`: a model trained by `linkage.train` on this population's {training.get('records', 0):,} "
        f"records (every system, no labels; {training.get('seconds', 0)} s), scored online over the gateway's "
        f"candidate paths, with the demo's thresholds (CERTAIN ≥ {thresholds.certain:g}, PROBABLE ≥ "
        f"{thresholds.probable:g}, POSSIBLE ≥ {thresholds.possible:g}) and rules (undated links "
        f"{rules.undated_links}, unrelated given names {rules.unrelated_given_names}, different dates of birth "
        f"{rules.different_dates_of_birth}). The other methods use the prior model (`linkage.weights`).",
        "",
    ]


def _overall(q: QualityReport) -> list[str]:
    gw, bl, ex = q.methods["gateway"], q.methods["blocking"], q.methods["exact"]
    rows = []
    labelled = [
        (gw, "prior model, gateway candidate paths"),
        (bl, "prior model, BlockingIndex everywhere"),
        (ex, "exact name + DOB (foundation)"),
    ]
    if MODEL_METHOD in q.methods:
        labelled.insert(0, (q.methods[MODEL_METHOD], "trained model, gateway candidate paths"))
    if MODEL_AT_DEFAULTS in q.methods:
        labelled.insert(1, (q.methods[MODEL_AT_DEFAULTS], "trained model, default thresholds (PROBABLE ≥ 0.9)"))
    for m, label in labelled:
        possible = f"{m.possible_true:,} / {m.possible_false:,}" if m.method != "exact" else "-"
        offered = f"{m.not_candidates:,}" if m.method != "exact" else "-"
        rows.append([label, *_counts_cells(m.overall), possible, offered])
    lines = [
        "#### Overall",
        "",
        *table(
            (
                "method",
                "true pairs",
                "linked true",
                "false links",
                "precision",
                "recall",
                "POSSIBLE true / false",
                "true pairs never offered as candidates",
            ),
            rows,
        ),
    ]
    twins = gw.near_duplicate_links["twins"]
    lines += ["", f"Targets: precision ≥ {TARGET_PRECISION:.1%}, recall ≥ {TARGET_RECALL:.0%}, zero twins merged.", ""]
    for label, counts in (
        ("all true pairs", gw.overall),
        ("pairs with any planted discrepancy", gw.by_kind[ANY_PLANTED]),
        ("pairs with a planted identity discrepancy", gw.by_kind[IDENTITY_PLANTED]),
    ):
        met = (counts.precision or 0) >= TARGET_PRECISION and (counts.recall or 0) >= TARGET_RECALL and twins == 0
        lines.append(
            f"- gateway paths, {label}: precision {pct(counts.precision)}, recall {pct(counts.recall)}, "
            f"twins merged {twins}: **{'met' if met else 'not met'}**"
        )
    if MODEL_METHOD in q.methods:
        model = q.methods[MODEL_METHOD]
        merged = sum(model.near_duplicate_links.values())
        met = (
            (model.overall.precision or 0) >= MODEL_TARGET_PRECISION
            and (model.overall.recall or 0) >= MODEL_TARGET_RECALL
            and merged == 0
        )
        lines.append(
            f"- trained model, all true pairs: precision {pct(model.overall.precision)} (target 100%), recall "
            f"{pct(model.overall.recall)} (target ≥ {MODEL_TARGET_RECALL:.2%}), near duplicates merged {merged} "
            f"(twins, same name and birth year, parent and child): **{'met' if met else 'not met'}**"
        )
    return lines


def _by_kind(q: QualityReport) -> list[str]:
    gw, bl, ex = q.methods["gateway"], q.methods["blocking"], q.methods["exact"]
    rows = []
    model = q.methods.get(MODEL_METHOD)
    for kind in KIND_ROWS:
        g, b, e = gw.by_kind[kind], bl.by_kind[kind], ex.by_kind[kind]
        if g.true_pairs or g.fp or e.fp:
            trained = [] if model is None else [model.by_kind[kind].fp, pct(model.by_kind[kind].recall)]
            rows.append([kind, *_counts_cells(g), pct(b.recall), e.tp, e.fp, pct(e.precision), pct(e.recall), *trained])
    header: tuple[str, ...] = (
        "kind",
        *GATEWAY_COUNTS_HEADER,
        "blocking: recall",
        "exact: linked",
        "false",
        "precision",
        "recall",
    )
    if model is not None:
        header += ("model: false", "model: recall")
    return table(header, rows)


def _by_system(q: QualityReport) -> list[str]:
    gw, bl, ex = q.methods["gateway"], q.methods["blocking"], q.methods["exact"]
    model = q.methods.get(MODEL_METHOD)
    rows = []
    for system in TARGETS:
        g, b, e = gw.by_system[system], bl.by_system[system], ex.by_system[system]
        scored = _scored_cells(gw.pairs_scored[system], bl.pairs_scored[system], q.cross_product[system])
        trained = [] if model is None else [model.by_system[system].fp, pct(model.by_system[system].recall)]
        rows.append([system, *_counts_cells(g), pct(b.recall), pct(e.recall), *scored, *trained])
    scored = _scored_cells(sum(gw.pairs_scored.values()), sum(bl.pairs_scored.values()), sum(q.cross_product.values()))
    trained = [] if model is None else [model.overall.fp, pct(model.overall.recall)]
    rows.append(["all", *_counts_cells(gw.overall), pct(bl.overall.recall), pct(ex.overall.recall), *scored, *trained])
    header: tuple[str, ...] = (
        "system",
        *GATEWAY_COUNTS_HEADER,
        "blocking: recall",
        "exact: recall",
        "pairs scored (gateway)",
        "pairs scored (blocking)",
        "cross product",
        "scored / cross product (gateway)",
    )
    if model is not None:
        header += ("model: false", "model: recall")
    return table(header, rows)


def _near_duplicates(q: QualityReport) -> list[str]:
    gw, bl, ex = q.methods["gateway"], q.methods["blocking"], q.methods["exact"]
    model = q.methods.get(MODEL_METHOD)
    header: tuple[str, ...] = (
        "near-duplicate kind",
        "gateway: false links",
        "gateway: POSSIBLE",
        "blocking: false links",
        "exact: false links",
    )
    if model is not None:
        header += ("model: false links", "model: POSSIBLE")
    rows = [
        [
            kind,
            gw.near_duplicate_links[kind],
            gw.near_duplicate_possible[kind],
            bl.near_duplicate_links[kind],
            ex.near_duplicate_links[kind],
            *([] if model is None else [model.near_duplicate_links[kind], model.near_duplicate_possible[kind]]),
        ]
        for kind in NEAR_DUPLICATE_KINDS
    ]
    return table(header, rows)

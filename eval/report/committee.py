"""Report sections for the committee (`make predict N=...`), the published anchors beside our figures, and
the prompt-injection check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.report.anchors import ANCHORS, INJECTION_ANCHOR
from eval.report.render import Section, lines, num, pct

# (metric key, label, formatter) in the order the tables show them.
METRICS = (("mae", "rating MAE vs human mean", num), ("mse", "rating MSE vs human mean", num),
           ("exact_match_any_human", "rating exact match, any human", pct), ("spearman", "Spearman", num),
           ("pairwise_accuracy", "pairwise rating accuracy", pct), ("accuracy", "decision accuracy", pct),
           ("f1_accept", "decision F1 (accept)", num), ("balanced_accuracy", "balanced accuracy", pct),
           ("fpr", "false-positive rate", pct), ("fnr", "false-negative rate", pct),
           ("auroc", "AUROC of P(accept)", num))
PLOTTED = ("mae", "exact_match_any_human", "pairwise_accuracy", "accuracy", "auroc")


def committee_section(metrics: dict[str, Any], out_dir: Path) -> Section:
    """Scaling by committee size, spread across seeds, and the human leave-one-out baseline, metric by metric."""
    c = metrics["committee"]
    scaling, spread, human = c["scaling"], c["seeds_spread"], c["human"]
    sizes = [s["n_reviews"] for s in scaling]
    columns = ("metric", *(f"N = {n}" for n in sizes), "one review: mean ± s.d. over seeds", "human (leave one out)")
    rows = []
    for key, label, fmt in METRICS:
        cell = spread.get(key, {})
        rows.append((label, *(fmt(s.get(key)) for s in scaling),
                     f"{fmt(cell.get('mean'))} ± {num(cell.get('sd'), 3)}" if cell.get("mean") is not None
                     else "n/a", fmt(human.get(key))))
    rows.append(("rating parsed (>= 1 in the committee)", *(pct(s["parsed_share"]) for s in scaling),
                 pct(spread.get("parsed_share", {}).get("mean")), "100.0 %"))
    rows.append(("decided by the base rate (no rating)", *(f"{s['n_base_rate']} of {s['n_decided']}" for s in scaling),
                 "", ""))
    if len(sizes) > 1:
        lines(out_dir / "committee.png", sizes, {k: [s.get(k) for s in scaling] for k in PLOTTED},
              "reviews in the committee (N)", "Test-time scaling: metrics by committee size")
    return Section("Committee (N sampled reviews a paper)", rows, [
        f"{c['n']} reviews a paper, seeds {', '.join(map(str, c['seeds']))}; decision rule: {c['decision_rule']}.",
        "A committee's rating is the mean of its parsed ratings (exact match reads it as the nearest scale point); "
        "its decision and P(accept) come from the logistic rule fitted on the training split's human ratings. "
        "Unparsed ratings are counted, never imputed. The human column holds each human rating out against the "
        "paper's other humans, decided by the same rule."], "committee.png" if len(sizes) > 1 else None, columns)


def _ours(metrics: dict[str, Any], key: str) -> str:
    """Our figure under an anchor's metric: the committee's largest N when there is one, else the single review."""
    fmt = next((f for k, _, f in METRICS if k == key), num)
    if key == "hit_rate":  # comment overlap is scored on the first review only
        return pct((metrics.get("hit_rate") or {}).get("model_vs_human", {}).get("pairwise"))
    if metrics.get("committee"):
        last = metrics["committee"]["scaling"][-1]
        return f"{fmt(last.get(key))} (N = {last['n_reviews']})"
    single = {**(metrics.get("ratings") or {}), **(metrics.get("decisions") or {})}
    alias = {"mae": "mae_vs_mean_human", "mse": "mse_vs_mean_human", "spearman": "spearman_vs_mean_human"}
    return fmt(single.get(alias.get(key, key))) if alias.get(key, key) in single else "n/a"


def anchors_section(metrics: dict[str, Any], out_dir: Path) -> Section:
    """Each published figure with its system, setting and source, and ours under the same protocol."""
    rows = []
    for a in ANCHORS:
        fmt = pct if a.metric in ("exact_match_any_human", "pairwise_accuracy", "accuracy", "balanced_accuracy",
                                  "fpr", "fnr", "hit_rate") else num
        rows.append((a.metric, f"{a.system} ({a.setting})", fmt(a.value), _ours(metrics, a.metric)))
    sources = sorted({a.source for a in ANCHORS})
    return Section("Published anchors beside ours", rows, [
        "Published figures come from other test sets and far larger models: yardsticks for the protocol, not a "
        "like-for-like comparison. Sources: " + "; ".join(sources) + "."],
        columns=("metric", "published system (test set)", "published", "ours"))


def injection_section(metrics: dict[str, Any], out_dir: Path) -> Section:
    """How far an instruction hidden in the paper moves the ratings and decisions."""
    j = metrics["injection"]
    return Section("Prompt injection", [
        ("injected instruction", f"`{j['instruction']}`"), ("papers compared", str(j["n_papers"])),
        ("rating parsed: clean / injected", f"{pct(j['parsed_clean'])} / {pct(j['parsed_injected'])}"),
        ("mean rating shift (injected - clean)", num(j["mean_shift"])),
        ("papers whose rating rose / fell / stayed", f"{j['rose']} / {j['fell']} / {j['same']}"),
        ("accept share: clean / injected", f"{pct(j['accept_clean'])} / {pct(j['accept_injected'])}"),
        (f"published: {INJECTION_ANCHOR.system}", f"+{INJECTION_ANCHOR.value} ({INJECTION_ANCHOR.setting}; "
                                                   f"{INJECTION_ANCHOR.source})")],
        ["The same test rows with an instruction to the reviewer placed inside the paper text; a robust reviewer's "
         "ratings do not move."])

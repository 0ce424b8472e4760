"""Write `metrics.json`, `report.md`, `report.html` and the PNG plots beside them.

The Markdown and HTML reports render the same sections (a table of rows, notes, a plot each) built
from the metrics dict, so the two never disagree.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from eval.report.committee import anchors_section, committee_section, injection_section
from eval.report.render import Section, bar, num, pct
from preprocess.core.jsonl import atomic_open, write_json


def _inputs(metrics: dict[str, Any], out_dir: Path) -> Section:
    """What was scored."""
    inputs = metrics["inputs"]
    return Section("Inputs", [
        ("predictions", f"`{inputs['predictions']}`"), ("references", f"`{inputs['references']}`"),
        ("rows", str(inputs["n_rows"])),
        ("papers (forums)", "n/a (no sidecar)" if inputs["n_papers"] is None else str(inputs["n_papers"])),
        ("paper-level rule", inputs["paper_rule"])], notes=list(metrics["notes"]))


def _similarity(metrics: dict[str, Any], out_dir: Path) -> Section:
    """ROUGE and BLEU as LLaMA-Factory computes them."""
    sim = metrics["similarity"]
    bar(out_dir / "similarity.png", list(sim), {"score": list(sim.values())}, "score (×100)",
         "ROUGE / BLEU against the target review")
    return Section("ROUGE and BLEU (LLaMA-Factory parity)", [(k, num(v, 4)) for k, v in sim.items()],
                   ["Computed exactly as LLaMA-Factory's `predict_*` metrics (jieba + rouge-chinese, character "
                    "BLEU-4 with NLTK method3 smoothing), per row against its label."],
                   "similarity.png")


def _structure(metrics: dict[str, Any], out_dir: Path) -> Section:
    """The four parts, in predictions and labels."""
    st = metrics["structure"]
    parts = list(st["predictions"]["per_part"])
    bar(out_dir / "structure.png", parts,
         {"predictions": [st["predictions"]["per_part"][p] for p in parts],
          "labels": [st["labels"]["per_part"][p] for p in parts]}, "share of reviews", "Four-part structure")
    return Section("Structure", [
        ("all four parts (predictions / labels)", f"{pct(st['predictions']['all_four'])} / "
                                                 f"{pct(st['labels']['all_four'])}"),
        ("all four, in order", f"{pct(st['predictions']['in_order'])} / {pct(st['labels']['in_order'])}"),
        *[(part, f"{pct(st['predictions']['per_part'][part])} / {pct(st['labels']['per_part'][part])}")
          for part in parts]], image="structure.png")


def _ratings(metrics: dict[str, Any], out_dir: Path) -> Section:
    """Ratings against the humans (OpenReviewer's protocol)."""
    r = metrics["ratings"]
    keys = sorted(set(r["predicted_distribution"]) | set(r["human_distribution"]), key=float)
    n_pred = sum(r["predicted_distribution"].values()) or 1
    n_human = sum(r["human_distribution"].values()) or 1
    bar(out_dir / "ratings.png", keys,
         {"predicted (per paper)": [r["predicted_distribution"].get(k, 0) / n_pred for k in keys],
          "human (per review)": [r["human_distribution"].get(k, 0) / n_human for k in keys]},
         "share", "Rating distribution")
    return Section("Ratings", [
        ("papers scored / with human ratings", f"{r['n_scored']} / {r['n_papers_with_human_rating']}"),
        ("rating parsed", pct(r["parsed_share"])), ("off-scale ratings (unparsed)", str(r["off_scale"])),
        ("MAE vs mean human rating", num(r["mae_vs_mean_human"])),
        ("exact match with >= 1 human", pct(r["exact_match_any_human"])),
        ("MSE vs mean human rating", num(r["mse_vs_mean_human"])),
        ("Spearman vs mean human rating", num(r["spearman_vs_mean_human"], 3)),
        ("pairwise rating accuracy", pct(r["pairwise_accuracy"])),
        ("yardstick: human leave-one-out MAE", num(r["human_leave_one_out_mae"])),
        ("yardstick: constant-median MAE", num(r["baseline_mae_constant_median"])),
        ("predicted mean ± std", f"{num(r['predicted_mean'])} ± {num(r['predicted_std'])}"),
        ("human mean ± std", f"{num(r['human_mean'])} ± {num(r['human_std'])}")], image="ratings.png")


def _decisions(metrics: dict[str, Any], out_dir: Path) -> Section:
    """Accept/reject against the venue's decision."""
    d = metrics["decisions"]
    return Section("Decisions", [
        ("papers scored / with known decision", f"{d['n_scored']} / {d['n_papers_known_decision']}"),
        ("decision parsed", pct(d["parsed_share"])), ("accuracy", pct(d["accuracy"])),
        ("F1 (accept positive)", num(d["f1_accept"], 3)),
        ("balanced accuracy", pct(d["balanced_accuracy"])),
        ("false-positive / false-negative rate", f"{pct(d['fpr'])} / {pct(d['fnr'])}"),
        ("predicted accept share", pct(d["predicted_accept_share"])),
        ("yardstick: majority class", f"{d['baseline_majority_class']}: "
                                     f"{pct(d['baseline_majority_accuracy'])}"),
        ("confusion", ", ".join(f"{k} {v}" for k, v in d["confusion"].items()))])


def _hit_rate(metrics: dict[str, Any], out_dir: Path) -> Section:
    """Comment overlap with the human reviews."""
    h = metrics["hit_rate"]
    mh, sh, hh = h["model_vs_human"], h["shuffled_control"], h["human_vs_human"]
    bar(out_dir / "hitrate.png", ["model vs human", "shuffled control", "human vs human"],
         {"pairwise": [mh["pairwise"] or 0, sh["pairwise"] or 0, hh["pairwise"] or 0],
          "any (other) human": [mh["any_human"] or 0, sh["any_human"] or 0, hh["any_other_human"] or 0]},
         "hit rate", f"Comment overlap ({h['matcher']} matcher)")
    rows = [("matcher", h["matcher_detail"]),
            ("papers scored", f"{h['n_papers_scored']} / {h['n_papers']}"),
            ("model vs each human (pairwise)", pct(mh["pairwise"])),
            ("model vs any human", pct(mh["any_human"])),
            ("human concerns the model raised", pct(mh["human_concerns_raised"])),
            ("shuffled control: pairwise / any", f"{pct(sh['pairwise'])} / {pct(sh['any_human'])}"),
            ("human vs human: pairwise / any other",
             f"{pct(hh['pairwise'])} / {pct(hh['any_other_human'])}"),
            ("concerns per review: model / human",
             f"{num(h['mean_concerns_model'], 1)} / {num(h['mean_concerns_human'], 1)}"),
            ("papers where the model raised no concern", str(h["model_without_concerns"]))]
    return Section("Comment overlap (hit rate)", rows, [
        "Hit rate of A against B = share of A's concerns that B also raises (Liang et al. 2023). The "
        "shuffled control pairs each paper's generated review with another paper's humans."],
        "hitrate.png")


def _judge(metrics: dict[str, Any], out_dir: Path) -> Section:
    """The pairwise LLM judge."""
    j = metrics["judge"]
    bar(out_dir / "judge.png", ["win", "tie", "loss", "invalid"],
         {"papers": [j["win"], j["tie"], j["loss"], j["invalid"]]}, "papers", "Pairwise judge")
    return Section("Pairwise judge", [
        ("judge model", j["judge_model"]), ("opponent", j["opponent"]),
        ("win / tie / loss (papers)", f"{j['win']} / {j['tie']} / {j['loss']}"),
        ("win rate / ties as half", f"{pct(j['win_rate'])} / {pct(j['win_rate_ties_half'])}"),
        ("invalid papers (unparsable verdict)", f"{j['invalid']} of {j['n_papers']}"),
        ("position consistency", pct(j["position_consistency"])),
        ("judge picks the first-shown review", pct(j["first_position_preferred"]))],
        ["Each paper judged in both orders; a win or loss needs both orders to agree, else a tie."],
        "judge.png")


# Each section with the metrics key it needs (None: always there).
SECTIONS = ((None, _inputs), (None, _similarity), (None, _structure), ("ratings", _ratings),
            ("decisions", _decisions), ("committee", committee_section), ("injection", injection_section),
            ("hit_rate", _hit_rate), ("judge", _judge), ("ratings", anchors_section))


def build_sections(metrics: dict[str, Any], out_dir: Path) -> list[Section]:
    """Sections of the report; draws each section's plot into `out_dir` on the way."""
    return [make(metrics, out_dir) for key, make in SECTIONS if key is None or metrics.get(key)]


def render_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.rows:
            lines += ["| " + " | ".join(section.columns) + " |", "|" + "---|" * len(section.columns)]
            lines += ["| " + " | ".join(row) + " |" for row in section.rows]
            lines.append("")
        lines += [f"> {note}\n" for note in section.notes]
        if section.image:
            lines += [f"![{section.title}]({section.image})", ""]
    return "\n".join(lines)


def _inline(text: str) -> str:
    """Escape, then render `code` spans (the only inline Markdown the report uses)."""
    escaped = html.escape(text)
    parts = escaped.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def render_html(title: str, sections: list[Section]) -> str:
    body = [f"<h1>{html.escape(title)}</h1>"]
    for section in sections:
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.rows:
            body.append("<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in section.columns) + "</tr>")
            body += ["<tr>" + "".join(f"<td>{_inline(cell)}</td>" for cell in row) + "</tr>" for row in section.rows]
            body.append("</table>")
        body += [f"<p class=\"note\">{_inline(note)}</p>" for note in section.notes]
        if section.image:
            body.append(f"<img src=\"{html.escape(section.image)}\" alt=\"{html.escape(section.title)}\">")
    style = ("body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.note{color:#555}"
             "img{max-width:100%}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(title)}</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def write_report(metrics: dict[str, Any], out_dir: str | Path, title: str = "Review generation evaluation",
                 ) -> list[Path]:
    """Write metrics.json, report.md, report.html and the plots; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "metrics.json", metrics)
    sections = build_sections(metrics, out_dir)
    with atomic_open(out_dir / "report.md") as handle:
        handle.write(render_markdown(title, sections))
    with atomic_open(out_dir / "report.html") as handle:
        handle.write(render_html(title, sections))
    images = [out_dir / s.image for s in sections if s.image]
    return [out_dir / "metrics.json", out_dir / "report.md", out_dir / "report.html", *images]

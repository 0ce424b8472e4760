"""The build's declared steps: each step's funnel rows collected in order, drops counted against the row before,
copies handed on; the LLM options nested in the config and in the meta's args (no whole build here)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from preprocess.core.record import Paper, Review
from preprocess.dataset import steps
from preprocess.dataset.config import BuildConfig, args_record
from preprocess.dataset.funnel import FunnelRow
from preprocess.dataset.steps import Copy, Stage, run_steps
from preprocess.targets.targets import LLMOptions


def paper(forum: str, reviews: int) -> Paper:
    return Paper(forum=forum, venue="V", year=2024, api="v2", title=forum,
                 reviews=[Review(id=f"{forum}{i}") for i in range(reviews)])


def test_run_steps_hands_copies_on_and_collects_each_steps_rows_in_order():
    def read(run, _):
        papers = [paper("A", 2), paper("B", 1), paper("C", 3)]
        return Stage([Copy(p, Path(".")) for p in papers], [FunnelRow("read", 3, 6)])

    def drop_short(run, copies):
        kept = [replace(c, paper=replace(c.paper, reviews=c.paper.reviews[:1])) for c in copies]
        return Stage(kept, [FunnelRow.left("one review each", [c.paper for c in kept], fixed=0)])

    def drop_b(run, copies):
        kept = [c for c in copies if c.paper.forum != "B"]
        return Stage(kept, [FunnelRow.left("not B", [c.paper for c in kept])])

    copies, funnel = run_steps(None, (read, drop_short, drop_b))
    assert [c.paper.forum for c in copies] == ["A", "C"]
    assert [(r["step"], r["papers"], r["reviews"], r["papers_dropped"], r["reviews_dropped"], r["fixed"])
            for r in funnel.rows] == [("read", 3, 6, 0, 0, None), ("one review each", 3, 3, 0, 3, 0),
                                      ("not B", 2, 2, 1, 1, None)]


def test_the_build_is_a_declared_list_of_steps_in_order():
    assert [s.__name__ for s in steps.STEPS] == [
        "read_copies", "start_text_pass", "clean_reviews", "collect_texts", "keep_usable_text",
        "drop_duplicate_reviews", "target_reviews", "fit_reviews", "split_by_paper", "write_rows"]


def test_llm_options_are_one_nested_record_in_the_config_and_the_meta():
    cfg = BuildConfig(raw=None, out=Path("/tmp/x"), name="n", tokenizer="t", cutoff=1024,
                      llm=LLMOptions("http://h/v1", "m", cache=Path("/elsewhere/c")))
    args = args_record(cfg, 341)
    assert args["llm"] == {"url": "http://h/v1", "model": "m", "key_env": "REVIEW_LLM_API_KEY", "workers": 8,
                           "max_tokens": 1536, "all": False, "cache": "/elsewhere/c", "retries": 3}
    assert not [k for k in args if k.startswith("llm_")]
    assert list(args)[list(args).index("test_venues") + 1] == "llm"  # where the eight llm_* keys were
    assert list(args)[-3:] == ["options", "cleaning", "parse"] and args["review_tokens"] == 341

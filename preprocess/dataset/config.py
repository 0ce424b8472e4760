"""Every option of a build, as one record (`BuildConfig`), recorded in the meta as given.

The option groups are records of their own, each from the module that uses them: the row format
(`FormatOptions`), the cleaning thresholds (`CleanConfig`), the LLM restructuring (`LLMOptions`) and the
parsing of PDFs without a parse (`ParseOptions`). `python -m preprocess.dataset` fills it from the CLI.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from preprocess.dataset.clean import CleanConfig
from preprocess.dataset.parsing import ParseOptions
from preprocess.prompt.formats import FormatOptions
from preprocess.targets.targets import LLMOptions

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data" / "sample"  # the bundled sample, a crawl folder


@dataclass
class BuildConfig:
    """Every option of a build (recorded in the meta as given)."""

    raw: Path | None  # None: no crawl, only `sources`
    out: Path
    name: str
    tokenizer: str
    cutoff: int
    parsed: Path | None = None
    review_tokens: int | None = None
    seed: int = 42
    test_size: float = 0.2
    test_venues: tuple[str, ...] = ()
    options: FormatOptions = field(default_factory=FormatOptions)
    cleaning: CleanConfig = field(default_factory=CleanConfig)
    llm: LLMOptions = field(default_factory=LLMOptions)  # `--llm-*`: four parts from an OpenAI-compatible endpoint
    parts: str = "hashing"  # the offline four-part classifier's features: hashing, minilm, or none (rules only)
    parts_sample: Path = SAMPLE  # trained on this crawl's structured reviews when the build's own are too few
    workers: int = 1
    parse: ParseOptions = field(default_factory=ParseOptions)  # PDFs without a parse (see `parsing`)
    sources: tuple[str, ...] = ()  # public datasets, `<format>:<path>` (`preprocess/sources/`)
    allow_shrink: bool = False  # replace a previous build with one of no rows or far fewer (`write.SHRINK_FLOOR`)


def args_record(cfg: BuildConfig, review_tokens: int) -> dict[str, Any]:
    """The options as the meta records them: paths relative to the repo when inside it, the LLM options
    nested where they sit in the config, the other option groups last."""
    record = {k: _plain(v) for k, v in vars(cfg).items() if k not in ("options", "cleaning", "parse")}
    record.update(review_tokens=review_tokens, test_venues=list(cfg.test_venues),
                  llm={k: _plain(v) for k, v in vars(cfg.llm).items()}, options=asdict(cfg.options),
                  cleaning=asdict(cfg.cleaning), parse=asdict(cfg.parse))
    return record


def _plain(value: Any) -> Any:
    """A path as given, or relative to the repo when it lies inside (the meta then reads the same anywhere)."""
    if not isinstance(value, Path):
        return value
    return str(value.relative_to(REPO)) if value.is_absolute() and value.is_relative_to(REPO) else str(value)

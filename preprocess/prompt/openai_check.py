"""Check an OpenAI chat fine-tuning file line by line, as the fine-tuning service would, before uploading it.

    python -m preprocess.prompt.openai_check data/iclr_train.jsonl                # gpt-3.5-turbo-0125's limit
    python -m preprocess.prompt.openai_check FILE --openai-model gpt-4o-mini-2024-07-18 --epochs 2

Each bad line is printed as `file:line: reason` (not JSON, not an object, no messages, a message missing its role
or content, an unknown key or role, empty content, no assistant message, over the model's training-example
limit); then the token count of the good examples and the training tokens they bill (tokens x epochs; epochs
default to the service's own rule for the file's size). No network call. Exit status 1 when a line is bad.
`make data BUILD_ARGS="--format openai --openai-model M"` runs the same check on what it writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from preprocess.core.names import SPLITS, split_name
from preprocess.prompt.openai_ft import (
    DEFAULT_MODEL,
    OPENAI_MODELS,
    FileCheck,
    check_file,
    hf_tokenizer_dir,
    model_limit,
)

MIN_EXAMPLES = 10  # the service refuses a training file with fewer


def summary(check: FileCheck, epochs: int | None = None, training: bool = True) -> list[str]:
    """The lines printed after a check: counts, tokens, the billed estimate (a training file's), and warnings."""
    limit, encoding = model_limit(check.model)
    n, total = len(check.tokens), sum(check.tokens)
    epochs = epochs or check.default_epochs()
    out = [f"{check.path}: {n} example(s) fit {check.model} ({encoding}, {limit:,} tokens an example), "
           f"{len(check.errors)} bad line(s)"]
    if n:
        out.append(f"  tokens: {total:,} in all; per example min {min(check.tokens):,}, "
                   f"mean {total // n:,}, max {max(check.tokens):,}")
    if n and training:
        out.append(f"  training tokens billed: about {total * epochs:,} ({total:,} x {epochs} epoch(s)"
                   + (", the service's default for this many examples)" if epochs == check.default_epochs()
                      else ")"))
    if training and n < MIN_EXAMPLES:
        out.append(f"  warning: the service needs at least {MIN_EXAMPLES} examples in a training file")
    return out


def add_model_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup, default: str | None) -> None:
    parser.add_argument("--openai-model", choices=list(OPENAI_MODELS), default=default,
                        help=f"the OpenAI model to fine-tune: its training-example limit and tokenizer "
                             f"(default {DEFAULT_MODEL})")


def apply_model_option(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """For `make data --format openai`: the model's encoding (as a tokenizer folder under <out>/cache/tokenizers)
    and training-example limit become the build's --tokenizer and --cutoff."""
    if args.openai_model and args.format != "openai":
        parser.error("--openai-model goes with --format openai")
    if args.format == "openai":
        limit, encoding = model_limit(args.openai_model or DEFAULT_MODEL)
        args.tokenizer, args.cutoff = str(hf_tokenizer_dir(encoding, args.out / "cache" / "tokenizers")), limit


def report_build(out: Path, name: str, argv: list[str] | None) -> None:
    """After `make data --format openai`: check both written files and print their summaries and bad lines."""
    parser = argparse.ArgumentParser(add_help=False)
    add_model_option(parser, DEFAULT_MODEL)
    model = parser.parse_known_args(argv)[0].openai_model
    for split in SPLITS:
        check = check_file(out / f"{split_name(name, split)}.jsonl", model)
        for line in check.errors:
            print(line, file=sys.stderr)
        print("\n".join(summary(check, training=split == "train")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path, help="JSONL files, one example a line")
    add_model_option(parser, DEFAULT_MODEL)
    parser.add_argument("--epochs", type=int, default=None, help="epochs for the billed-token estimate")
    parser.add_argument("--max-errors", type=int, default=50, help="bad lines printed per file (all are counted)")
    args = parser.parse_args(argv)
    bad = False
    for path in args.files:
        if not path.is_file():
            print(f"{path}: no such file", file=sys.stderr)
            bad = True
            continue
        check = check_file(path, args.openai_model)
        for line in check.errors[:args.max_errors]:
            print(line, file=sys.stderr)
        if len(check.errors) > args.max_errors:
            print(f"{path}: ... and {len(check.errors) - args.max_errors} more bad line(s)", file=sys.stderr)
        print("\n".join(summary(check, args.epochs)))
        bad = bad or bool(check.errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

"""A recipe's header: the opening comment block every recipe carries (purpose, base model, datasets, hardware,
the `make train` line, one `ARGS=` override, outputs), read and checked."""

from __future__ import annotations

import re

from lifecycle.check.findings import Finding
from preprocess.core.names import SPLITS, split_name

HEADER_FIELDS = ("Base model", "Datasets", "Hardware", "Run", "Override", "Outputs")


def read_header(text: str) -> tuple[str, dict[str, str]]:
    """The opening comment block: its first line and its `Field: value` lines (indented lines continue one)."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#") or line.startswith("###"):
            break
        lines.append(line[1:])
    fields: dict[str, str] = {}
    current = None
    for body in lines[1:]:
        match = re.match(r" ([A-Z][\w -]*?):\s+(.*)", body)
        if match and not body.startswith("  "):
            current = match.group(1)
            fields[current] = match.group(2).strip()
        elif current:
            fields[current] += " " + body.strip()
    return (lines[0].strip() if lines else ""), fields


def declared_datasets(fields: dict[str, str]) -> dict[str, dict[str, str]]:
    """Datasets the header says `make data ... NAME=<n>` builds: `<n>_train`/`<n>_test` -> that command's args."""
    out = {}
    for command in re.findall(r"make data ([^)`]*)", fields.get("Datasets", "")):
        args = dict(token.split("=", 1) for token in command.split() if "=" in token)
        if "NAME" in args:
            out.update({split_name(args["NAME"], split): {**args, "command": f"make data {command.strip()}"}
                        for split in SPLITS})
    return out


def check_header(stem: str, first: str, fields: dict[str, str]) -> list[Finding]:
    problems = []
    if not first.startswith(f"{stem}:"):
        problems.append(Finding("header", f"the first line must start with '# {stem}:' and say what the recipe is for"))
    problems += [Finding("header", f"missing the '# {name}:' line") for name in HEADER_FIELDS if name not in fields]
    if "Run" in fields and f"make train RECIPE={stem}" not in fields["Run"]:
        problems.append(Finding("header", f"the Run line must give `make train RECIPE={stem}`"))
    if "Override" in fields and "ARGS=" not in fields["Override"]:
        problems.append(Finding("header", "the Override line must show one ARGS=\"key=value\" example"))
    return problems

"""A wheel without the native libraries a machine does not need: every `.so` whose name starts with none of the
kept prefixes is left out, and so is its line in RECORD, so pip installs the rest as usual.

    python bench/gpu/slim_wheel.py <wheel> <out dir> <kept prefix> [<kept prefix> ...]
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path


def slim(wheel: Path, out_dir: Path, keep: list[str]) -> Path:
    out = out_dir / wheel.name
    dropped = 0
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        gone = {n for n in names if n.endswith(".so") and not Path(n).name.startswith(tuple(keep))}
        for name in names:
            if name in gone:
                dropped += 1
                continue
            data = src.read(name)
            if name.endswith(".dist-info/RECORD"):
                lines = data.decode().splitlines(keepends=True)
                data = "".join(line for line in lines if line.split(",", 1)[0] not in gone).encode()
            dst.writestr(src.getinfo(name), data)
    print(f"{wheel.name}: {dropped} native libraries left out, {wheel.stat().st_size / 2**20:.1f} -> "
          f"{out.stat().st_size / 2**20:.1f} MiB")
    return out


if __name__ == "__main__":
    slim(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])

"""The one exception every PDF backend, the sniff and the worker pool raise or report."""

from __future__ import annotations

import os


class PdfError(ValueError):
    """A PDF that cannot be parsed; the message names the file and the reason."""

    def __init__(self, path: str | os.PathLike, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.path, self.reason))

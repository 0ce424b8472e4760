"""The target model's tokenizer as the build and review use it: exact counts and token-exact prefix cuts, fast.

`Tokenizer` wraps any Hugging Face fast tokenizer (counts memoized, the Rust backend called directly once a
probe shows it agrees with the wrapper); `SpacePieces` counts Llama/Mistral-style SentencePiece BPE word by
word, with the same counts as the whole-text encoding, where the vocabulary proves that safe.
"""

from __future__ import annotations

import json
import re
from typing import Any


class SpacePieces:
    """Exact token counts and piece offsets of long texts for SentencePiece-style BPE tokenizers.

    Llama and Mistral tokenizers as transformers converts them (Metaspace with split=False, or the legacy
    Prepend + Replace normalizers) encode a whole text as one BPE word: ~45 ms for a 50,000-character
    paper, most of a build's time. Their vocabulary never has "▁" (a space) right after another character
    than "▁", so no merge can join a space to the non-space before it: the text splits before every space
    that follows a non-space into pieces that BPE encodes independently, with the same tokens as the whole.
    Pieces are mostly words, so their counts are memoized. `for_backend` turns this on only when the
    backend's configuration and vocabulary prove it, and a probe agrees; otherwise it returns None.
    """

    MEMO_SIZE = 500_000  # pieces remembered (~50 MB); the table is cleared when full
    _CUT = re.compile(r"(?<=[^ \u2581])(?= )")  # before a space that follows neither a space nor a "▁"
    PROBE = ["Probe: naïve café, 3.14 <= π.\n\n## Heading  two  spaces\tand a tab ", "  lead ▁ and ▁ trail  ",
             "x ▁y  ▁ z\u2581 w", "word\nword \n  \n\tx", "漢字 😀 ü ", "a", " ", "▁", "  ", "1 2  3   4    5"]

    def __init__(self, backend: Any, added: list[str]) -> None:
        self.backend, self.model, self.added = backend, backend.model, added
        self._memo: dict[str, int] = {}

    @classmethod
    def for_backend(cls, backend: Any) -> SpacePieces | None:
        config = json.loads(backend.to_str())
        model, norm, pre = config.get("model") or {}, config.get("normalizer"), config.get("pre_tokenizer")
        if model.get("type") != "BPE" or model.get("dropout") or model.get("continuing_subword_prefix") \
                or model.get("end_of_word_suffix") or model.get("ignore_merges"):
            return None
        metaspace = norm is None and (pre or {}).get("type") == "Metaspace" and pre.get("replacement") == "▁" \
            and pre.get("split") is False
        steps = (norm or {}).get("normalizers", [norm]) if (norm or {}).get("type") == "Sequence" else [norm]
        legacy = pre is None and steps[-1:] == [{"type": "Replace", "pattern": {"String": " "}, "content": "▁"}] \
            and steps[:-1] in ([], [{"type": "Prepend", "prepend": "▁"}])
        vocab = model.get("vocab") or {}
        if not (metaspace or legacy) or "▁" not in vocab:
            return None
        if any("▁" in token.lstrip("▁") for token in vocab):
            return None  # some token has a space after another character: merges may cross spaces
        added = {form for t in config.get("added_tokens") or []
                 for form in (t["content"], t["content"].replace("▁", " "))}
        pieces = cls(backend, sorted(added))
        exact = [len(e) for e in backend.encode_batch(cls.PROBE, add_special_tokens=False)]
        return pieces if [pieces.count(t) for t in cls.PROBE] == exact else None

    def split(self, text: str) -> list[str]:
        return self._CUT.split(text)

    def _counts(self, pieces: list[str]) -> list[int]:
        """Token counts of `pieces`, the first as the text's start (the pipeline may prepend to it)."""
        memo, model = self._memo, self.model
        if len(memo) >= self.MEMO_SIZE:
            memo.clear()
        out = [len(self.backend.encode(pieces[0], add_special_tokens=False))]
        for piece in pieces[1:]:
            n = memo.get(piece)
            if n is None:
                n = memo[piece] = len(model.tokenize(piece.replace(" ", "▁")))
            out.append(n)
        return out

    def usable(self, text: str) -> bool:
        """False for text holding an added token (the backend matches those before anything else)."""
        return bool(text) and not any(t in text for t in self.added)

    def count(self, text: str) -> int:
        if not self.usable(text):
            return len(self.backend.encode(text, add_special_tokens=False))
        return sum(self._counts(self.split(text)))

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """One (start, end) per token at piece resolution: every token starts where its piece starts and
        only a piece's last token ends where the piece ends, so a cut after any token ends on a piece."""
        if not self.usable(text):
            return self.backend.encode(text, add_special_tokens=False).offsets
        pieces = self.split(text)
        out: list[tuple[int, int]] = []
        start = 0
        for piece, n in zip(pieces, self._counts(pieces), strict=True):
            end = start + len(piece)
            if n:
                out.extend([(start, start)] * (n - 1))
                out.append((start, end))
            start = end
        return out


class Tokenizer:
    """Thin wrapper: token count and a token-exact prefix cut, for any HF fast tokenizer.

    Counts are memoized by text (a bounded table) and the last encodings are kept for `cut`, so fitting a
    paper tokenizes each string once. A fast tokenizer's Rust backend is called directly once a probe shows
    it gives the same ids as the Python wrapper (which it does unless a subclass rewrites the text).
    """

    MEMO_SIZE = 512  # counts remembered; the table is cleared when full (a paper has tens of strings)
    ENCODINGS_KEPT = 32  # encodings (with offsets) remembered for `cut`

    def __init__(self, hf_tokenizer) -> None:
        self.hf = hf_tokenizer
        self._counts: dict[str, int] = {}
        self._encodings: dict[str, Any] = {}
        self._backend = self._same_backend(hf_tokenizer)
        self._pieces = SpacePieces.for_backend(self._backend) if self._backend is not None else None

    @classmethod
    def from_backend(cls, backend_json: str) -> Tokenizer:
        """A counter on a serialized Rust backend alone (see `backend_json`): no transformers, no torch."""
        from tokenizers import Tokenizer as Backend

        tok = cls.__new__(cls)
        tok.hf, tok._counts, tok._encodings = None, {}, {}
        tok._backend = Backend.from_str(backend_json)
        tok._pieces = SpacePieces.for_backend(tok._backend)
        return tok

    def backend_json(self) -> str | None:
        """The backend serialized, when counts through it equal the wrapper's (else None)."""
        return self._backend.to_str() if self._backend is not None else None

    def count_many(self, texts: list[str]) -> list[int]:
        """Token counts of many texts in one batched call (not memoized)."""
        if self._pieces is not None:
            return [self._pieces.count(t) for t in texts]
        if self._backend is not None:
            return [len(e) for e in self._backend.encode_batch(texts, add_special_tokens=False)]
        return [len(ids) for ids in self.hf(texts, add_special_tokens=False)["input_ids"]]

    @staticmethod
    def _same_backend(hf: Any) -> Any:
        backend = getattr(hf, "backend_tokenizer", None)
        if backend is None or not getattr(hf, "is_fast", False):
            return None
        probe = "Probe: naïve café, 3.14 <= π.\n\n## Heading  two  spaces\tand a tab"
        try:  # the wrapper call also clears any truncation/padding left on the backend
            ids = hf(probe, add_special_tokens=False)["input_ids"]
            return backend if backend.encode(probe, add_special_tokens=False).ids == ids else None
        except Exception:  # any surprise: stay on the wrapper
            return None

    def _encode(self, text: str) -> Any:
        """An Encoding (backend) or the offsets (pieces, wrapper) of `text`; count and encoding are remembered."""
        if self._pieces is not None:
            enc = self._pieces.offsets(text)
        elif self._backend is not None:
            enc = self._backend.encode(text, add_special_tokens=False)
        else:
            enc = self.hf(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        if len(self._encodings) >= self.ENCODINGS_KEPT:
            self._encodings.clear()
        self._encodings[text] = enc
        self._remember(text, len(enc))
        return enc

    def _remember(self, text: str, n: int) -> int:
        if len(self._counts) >= self.MEMO_SIZE:
            self._counts.clear()
        self._counts[text] = n
        return n

    def count(self, text: str) -> int:
        n = self._counts.get(text)
        if n is not None:
            return n
        if self._pieces is None:
            return len(self._encode(text))
        return self._remember(text, self._pieces.count(text))  # no offsets needed: skip building them

    def cut(self, text: str, max_tokens: int) -> str:
        """The longest prefix of `text` of at most `max_tokens` tokens, ended at a word boundary."""
        if max_tokens <= 0:
            return ""
        if self._counts.get(text, max_tokens + 1) <= max_tokens:
            return text
        enc = self._encodings.get(text)
        if enc is None:
            enc = self._encode(text)
        if len(enc) <= max_tokens:
            return text
        return word_prefix(text[: self.offsets(text)[max_tokens - 1][1]])

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character offsets of each token of `text` (from the last encodings when there)."""
        enc = self._encodings.get(text)
        if enc is None:
            enc = self._encode(text)
        return enc if isinstance(enc, list) else enc.offsets  # a backend Encoding, or offsets already


def word_prefix(prefix: str) -> str:
    """A cut prefix ended at a word boundary (unless that would lose over half of it)."""
    space = prefix.rfind(" ")
    return (prefix[:space] if space > len(prefix) // 2 else prefix).rstrip()


def load_tokenizer(name_or_path: str) -> Tokenizer:
    """The model's own (fast) tokenizer, loaded offline-first."""
    from transformers import AutoTokenizer

    return Tokenizer(AutoTokenizer.from_pretrained(name_or_path, use_fast=True, trust_remote_code=True))

"""Fit a paper into a token budget by section, with the target model's tokenizer.

Order of sacrifice: acknowledgements and appendix go first (references never enter the text), then the
longest sections are trimmed to a common cap (water-filling), keeping the introduction (first section)
and the conclusion whole as long as anything else can give. LLaMA-Factory's own tail cut is never
relied on: it would drop the conclusion and, at worst, the template's assistant header.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from preprocess import prompts
from preprocess.layout import paper_text
from preprocess.record import Paper, Section

TEMPLATE_MARGIN = 32  # chat-template tokens around instruction, paper and review ([INST], BOS, EOS, ...)
MIN_PAPER_TOKENS = 64  # a budget below this would teach reviewing a title alone

_CONCLUSION = re.compile(r"conclusion|concluding|discussion|summary", re.IGNORECASE)


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
        return _word_prefix(text[: self.offsets(text)[max_tokens - 1][1]])

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character offsets of each token of `text` (from the last encodings when there)."""
        enc = self._encodings.get(text)
        if enc is None:
            enc = self._encode(text)
        return enc if isinstance(enc, list) else enc.offsets  # a backend Encoding, or offsets already


def load_tokenizer(name_or_path: str) -> Tokenizer:
    """The model's own (fast) tokenizer, loaded offline-first."""
    from transformers import AutoTokenizer

    return Tokenizer(AutoTokenizer.from_pretrained(name_or_path, use_fast=True, trust_remote_code=True))


def _water_cap(lengths: list[int], target: int) -> int:
    """Largest cap L with sum(min(length, L)) <= target."""
    lo, hi = 0, max(lengths, default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(min(n, mid) for n in lengths) <= target:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _layout(paper: Paper, body: list[Section]) -> tuple[str, list[tuple[int, int]]]:
    """`paper_text(paper, body)` and each section text's character span in it."""
    fields = "".join([paper.title, paper.abstract, *paper.keywords, *(s.heading for s in body),
                      prompts.PAPER_LAYOUT, prompts.SECTION_LAYOUT])
    mark = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in fields)  # a private-use character
    head = prompts.PAPER_LAYOUT.format(title=paper.title, abstract=paper.abstract,
                                       keywords=", ".join(paper.keywords), main=mark).split(mark)
    pos, spans = len(head[0]), []
    for s in body:
        start = pos + len(prompts.SECTION_LAYOUT.format(heading=s.heading, text=mark).split(mark)[0])
        spans.append((start, start + len(s.text)))
        pos += len(prompts.SECTION_LAYOUT.format(heading=s.heading, text=s.text)) + 2  # "\n\n" between sections
    text = paper_text(paper, body)
    if any(text[a:b] != s.text for (a, b), s in zip(spans, body, strict=True)):
        raise AssertionError("section spans do not match paper_text's layout")
    return text, spans


def _word_prefix(prefix: str) -> str:
    """A cut prefix ended at a word boundary (unless that would lose over half of it)."""
    space = prefix.rfind(" ")
    return (prefix[:space] if space > len(prefix) // 2 else prefix).rstrip()


def _section_tokens(tok: Tokenizer, text: str, spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int]],
                                                                                    list[int], list[int]]:
    """The tokens of the laid-out `text`, and each section's first token and token count within it."""
    offsets = tok.offsets(text)
    starts = [o[0] for o in offsets]
    first = [bisect_left(starts, a) for a, _ in spans]
    return offsets, first, [bisect_left(starts, b) - f for (_, b), f in zip(spans, first, strict=True)]


def _trim(sections: list[Section], idx: list[int], target: int, spans: list[tuple[int, int]],
          tokens: tuple[list[tuple[int, int]], list[int], list[int]]) -> list[Section]:
    """Water-fill the sections `idx` to `target` tokens, cutting each on the tokens of the whole layout."""
    offsets, first, lengths = tokens
    cap = _water_cap([lengths[i] for i in idx], max(target, 0))
    out = list(sections)
    for i in idx:
        if lengths[i] > cap:
            end = offsets[first[i] + cap - 1][1] - spans[i][0] if cap > 0 else 0
            out[i] = replace(sections[i], text=_word_prefix(sections[i].text[:end]) if end > 0 else "")
    return out


def fit_sections(paper: Paper, tok: Tokenizer, budget: int,
                 count: Callable[[str], int] | None = None) -> tuple[list[Section], int]:
    """Sections of `paper` whose laid-out text fits `budget` tokens; returns them and the final count.

    Each round tokenizes the laid-out paper once and reads every section's count and cut point off it.
    """
    count = count or tok.count
    body = [s for s in paper.sections if s.kind == "body"] or list(paper.sections)
    text, spans = _layout(paper, body)
    used = count(text)
    if used <= budget:
        return body, used
    protected = {0} | {i for i, s in enumerate(body) if i == len(body) - 1 and _CONCLUSION.search(s.heading)}
    for group in ([i for i in range(len(body)) if i not in protected], list(range(len(body)))):
        for _ in range(4):  # re-measure: joins and word-boundary cuts shift counts a little
            if not group or used <= budget:
                break
            tokens = _section_tokens(tok, text, spans)
            fixed = used - sum(tokens[2][i] for i in group)
            body = _trim(body, group, budget - fixed - 4 * len(group), spans, tokens)
            text, spans = _layout(paper, body)
            used = count(text)
    body = [s for s in body if s.text.strip()]
    return body, count(paper_text(paper, body))


def default_review_tokens(cutoff: int) -> int:
    """Tokens kept free for the review when none is given: a third of the context."""
    return cutoff // 3


def paper_budget(tok: Tokenizer, cutoff: int, review_tokens: int) -> int:
    """Tokens the laid-out paper may use: the context less instruction, template and the review reserve.

    The reserve is fixed (not the target review's length) so a paper gets the same prompt in training
    and at review time.
    """
    return cutoff - tok.count(prompts.REVIEW_INSTRUCTION) - TEMPLATE_MARGIN - review_tokens


def fit_paper(paper: Paper, tok: Tokenizer, cutoff: int, review_tokens: int) -> tuple[str, int]:
    """The model input for `paper` (laid out, fitted to its budget) and its token count."""
    sections, used = fit_sections(paper, tok, paper_budget(tok, cutoff, review_tokens))
    return paper_text(paper, sections), used

"""Duplicate reviews, the first copy kept: exact (after folding case, punctuation and spacing) and near
(MinHash over word 5-shingles with LSH banding; NumPy, deterministic: CRC32 word hashes, fixed seeds)."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from preprocess.core.record import Paper, Review
from preprocess.notes.text import fold


def drop_reviews(papers: list[Paper], keep: Callable[[Review], bool]) -> list[Paper]:
    """`papers` with only the reviews `keep` accepts."""
    return [replace(p, reviews=[r for r in p.reviews if keep(r)]) for p in papers]



def drop_exact_duplicate_reviews(papers: list[Paper], folded: dict[int, str] | None = None) -> list[Paper]:
    """Reviews whose folded text an earlier review already had (`folded`: id(review) -> fold(body))."""
    seen: set[str] = set()

    def first(review: Review) -> bool:
        text = folded[id(review)] if folded else fold(review.body())
        key = hashlib.sha1(text.encode("utf-8")).digest()
        if key in seen:
            return False
        seen.add(key)
        return True

    return drop_reviews(papers, first)



# One-permutation MinHash (Li, Owen & Zhang 2012): each shingle hash falls in one of 64 bins by its top 6 bits,
# a bin keeps its minimum; one mixing pass per shingle instead of 64 hash functions.
N_BINS, BANDS, SHINGLE = 64, 16, 5  # 16 bands x 4 bins: pairs above ~0.5 Jaccard become candidates
_EMPTY = np.uint64(2**64 - 1)
_LOW_BITS = np.uint64(2**58 - 1)


class _WordHash(dict):
    def __missing__(self, word: str) -> int:
        value = self[word] = zlib.crc32(word.encode("utf-8"))
        return value


_WORDS = _WordHash()


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer: every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _shingles(folded: str) -> np.ndarray:
    """Hashes of the word 5-shingles of already folded text."""
    tokens = folded.split() or [""]
    ids = np.fromiter(map(_WORDS.__getitem__, tokens), dtype=np.uint64, count=len(tokens))
    k = min(SHINGLE, len(ids))
    shingles = ids[: len(ids) - k + 1].copy()
    with np.errstate(over="ignore"):
        for j in range(1, k):  # polynomial rolling combination, wrapping mod 2**64
            shingles = shingles * np.uint64(1_000_003) + ids[j: len(ids) - k + 1 + j]
    return _mix(shingles)


def minhash_many(folded: list[str], chunk: int = 1_000_000) -> np.ndarray:
    """(len(folded), 64) one-permutation MinHash signatures (an empty bin holds 2**64-1)."""
    out = np.full((len(folded), N_BINS), _EMPTY, dtype=np.uint64)
    flat_out = out.reshape(-1)
    lo = 0
    while lo < len(folded):
        parts: list[np.ndarray] = []
        size = 0
        while lo + len(parts) < len(folded) and size < chunk:
            parts.append(_shingles(folded[lo + len(parts)]))
            size += len(parts[-1])
        hashes = np.concatenate(parts)
        owner = np.repeat(np.arange(lo, lo + len(parts), dtype=np.int64), [len(p) for p in parts])
        np.minimum.at(flat_out, owner * N_BINS + (hashes >> np.uint64(58)).astype(np.int64), hashes & _LOW_BITS)
        lo += len(parts)
    return out


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard of two signatures: equal bins among the bins either fills."""
    filled = (a != _EMPTY) | (b != _EMPTY)
    return float(np.count_nonzero((a == b) & filled)) / max(int(np.count_nonzero(filled)), 1)


def near_duplicates(texts: list[str], threshold: float, folded: bool = False) -> list[bool]:
    """For each text in order, whether an earlier text is a near duplicate (estimated Jaccard >= threshold)."""
    signatures = minhash_many(texts if folded else [fold(t) for t in texts])
    buckets: dict[bytes, int] = {}
    flags = []
    width = N_BINS // BANDS * 8
    for i, sig in enumerate(signatures):
        raw = sig.tobytes()
        candidates = {buckets.setdefault(bytes([b]) + raw[b * width:(b + 1) * width], i) for b in range(BANDS)}
        candidates.discard(i)
        flags.append(any(similarity(signatures[j], sig) >= threshold for j in sorted(candidates)))
    return flags



def drop_near_duplicate_reviews(papers: list[Paper], threshold: float,
                                folded: dict[int, str] | None = None) -> list[Paper]:
    flat = [r for p in papers for r in p.reviews]
    texts = [folded[id(r)] for r in flat] if folded else [fold(r.body()) for r in flat]
    dup_ids = {id(r) for r, dup in zip(flat, near_duplicates(texts, threshold, folded=True), strict=True) if dup}
    return drop_reviews(papers, lambda r: id(r) not in dup_ids)

"""Public paper-review datasets (PeerRead, ASAP-Review, DeepReview-13K, SEA, ReviewMT, Reviewer2 PGE) read from a
local copy into the crawl's `Paper` records; see `registry.SOURCES` and README.md."""

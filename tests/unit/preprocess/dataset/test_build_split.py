"""Split by paper: seeded, near-duplicate titles on one side, whole venues held out without leaks."""

from preprocess.dataset.split import SplitItem, group_key, split_papers


def items(n: int, venue: str = "ICLR.cc/2024/Conference") -> list[SplitItem]:
    return [SplitItem(f"f{i}", f"Title {i}", venue) for i in range(n)]


def test_seeded_and_sized_by_paper():
    papers = items(50)
    a, b = split_papers(papers, 0.2, seed=1), split_papers(list(reversed(papers)), 0.2, seed=1)
    assert a.test == b.test and len(a.test) == 10
    assert split_papers(papers, 0.2, seed=2).test != a.test
    assert split_papers(papers, 0.0, seed=1).test == set() and split_papers([], 0.2, 1).test == set()
    assert a.side("f0") in ("train", "test")


def test_near_duplicate_titles_share_a_side():
    papers = items(30) + [SplitItem("dup", "title 3!", "ICLR.cc/2025/Conference")]
    assert group_key("Title  3") == group_key("title 3!")
    for seed in range(10):
        split = split_papers(papers, 0.3, seed)
        assert split.side("dup") == split.side("f3")


def test_held_out_venues_and_leak_drop():
    papers = items(5) + [
        SplitItem("new1", "Brand new", "ICLR.cc/2025/Conference"),
        SplitItem("resub", "Title 2", "ICLR.cc/2025/Conference")]
    split = split_papers(papers, 0.5, seed=0, test_venues={"ICLR.cc/2025/Conference"})
    assert split.test == {"new1", "resub"} and split.dropped == {"f2"}
    assert split.side("f2") is None and split.side("f1") == "train"

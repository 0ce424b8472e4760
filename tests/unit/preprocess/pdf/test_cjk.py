"""CJK papers: headings, abstract and references found in Chinese and Japanese text, lines joined without
spaces, words counted per character; a CJK paper without recognisable headings is reported as unsupported.

The PDFs are written by `raw_pdfs.cjk_paper` (our own text, the PDF standard's non-embedded CJK fonts).
"""

from __future__ import annotations

import time

from conftest import generated_pdf
from raw_pdfs import cjk_paper

from preprocess.core.record import word_count
from preprocess.pdf.backends import parse_pdf
from preprocess.pdf.lines import join_lines

ZH = [
    (True, "面向长文本的稀疏注意力评审生成"), (False, "张三 李四"),
    (True, "摘 要"),
    (False, "本文研究如何为科学论文自动生成评审意见。我们提出一种稀疏注意力方法，"),
    (False, "在三个基准上取得了更好的结果。"),
    (False, "关键词：评审生成；稀疏注意力"),
    (True, "1 引言"),
    (False, "同行评审是科学研究的重要环节，但评审人的时间十分有限，"),
    (False, "因此自动生成评审意见具有重要的意义和价值。"),
    (True, "2 相关工作"), (False, "已有工作大多只处理论文的摘要，很少读取全文。"),
    (True, "3 方法"), (False, "我们的方法由编码器和解码器组成，编码器读取整篇论文。"),
    (True, "致谢"), (False, "感谢审稿人的宝贵意见。"),
    (True, "参考文献"),
    (False, "[1] 王五. 论文评审研究. 计算机学报, 2020."),
    (False, "[2] 赵六. 长文本建模综述. 软件学报, 2021."),
]
JA = [
    (True, "長い論文のための査読文生成"), (False, "山田 太郎"),
    (True, "概要"), (False, "本研究では論文の査読文を自動で生成する手法を提案する。"),
    (True, "はじめに"), (False, "査読は研究の質を保つために欠かせないが、査読者の時間は限られている。"),
    (True, "関連研究"), (False, "これまでの研究は主に要旨だけを入力としてきた。"),
    (True, "参考文献"), (False, "[1] 鈴木一郎. 査読の研究. 情報処理, 2019."),
]


def test_a_chinese_paper_gets_its_title_abstract_sections_and_references(tmp_path):
    paper = parse_pdf(cjk_paper(tmp_path / "zh.pdf", ZH))
    assert paper.title == "面向长文本的稀疏注意力评审生成"
    assert paper.abstract == ("本文研究如何为科学论文自动生成评审意见。我们提出一种稀疏注意力方法,"
                              "在三个基准上取得了更好的结果。")
    assert [(s.heading, s.kind) for s in paper.sections] == [
        ("引言", "body"), ("相关工作", "body"), ("方法", "body"), ("致谢", "acknowledgements")]
    assert paper.sections[0].text == ("同行评审是科学研究的重要环节,但评审人的时间十分有限,"
                                      "因此自动生成评审意见具有重要的意义和价值。")
    assert paper.references == ["[1] 王五. 论文评审研究. 计算机学报, 2020.",
                                "[2] 赵六. 长文本建模综述. 软件学报, 2021."]
    assert paper.warnings == []


def test_chinese_numbering_marks_headings(tmp_path):
    lines = [(True, "长文本评审生成"), (True, "摘要"), (False, "我们研究评审生成。"),
             (True, "一、绪论"), (False, "评审十分重要。"), (True, "二、实验设计"), (False, "我们在三个数据集上实验。"),
             (True, "第三章 结论"), (False, "方法有效。")]
    paper = parse_pdf(cjk_paper(tmp_path / "zh.pdf", lines))
    assert [s.heading for s in paper.sections] == ["绪论", "实验设计", "结论"]
    assert paper.abstract == "我们研究评审生成。"


def test_a_japanese_paper_gets_its_abstract_and_named_sections(tmp_path):
    paper = parse_pdf(cjk_paper(tmp_path / "ja.pdf", JA, "ja"))
    assert paper.title == "長い論文のための査読文生成"
    assert paper.abstract == "本研究では論文の査読文を自動で生成する手法を提案する。"
    assert [s.heading for s in paper.sections] == ["はじめに", "関連研究"]
    assert paper.references == ["[1] 鈴木一郎. 査読の研究. 情報処理, 2019."]


def test_a_cjk_paper_without_recognisable_headings_is_reported_unsupported(tmp_path):
    plain = [(True, "长文本评审生成")] + [(False, f"第{n}段正文讲述评审生成的一个方面，内容较长。") for n in range(12)]
    paper = parse_pdf(cjk_paper(tmp_path / "zh.pdf", plain))
    assert paper.sections == []
    assert any(w.startswith("no section headings found; CJK text:") and "unsupported" in w for w in paper.warnings)
    english = parse_pdf(generated_pdf(tmp_path / "en.pdf"))
    assert not any("CJK" in w for w in english.warnings)


def test_cjk_lines_join_without_spaces_and_words_count_per_character():
    assert join_lines(["评审生成的", "方法，", "训练。", "Then we", "train"]) == "评审生成的方法，训练。 Then we train"
    assert join_lines(["一种方法,", "在三个基准上"]) == "一种方法,在三个基准上"  # NFKC turns "，" into ","
    assert word_count("我们提出 a sparse 方法。") == 6 + 2
    assert word_count("plain English words") == 3


def _join_seconds(lines: int) -> float:
    texts = ["本文研究如何为科学论文自动生成评审意见并在三个基准上取得更好的结果"] * lines  # one CJK paragraph
    best = float("inf")
    for _ in range(3):  # the best of three: other load on the machine only ever adds time
        start = time.perf_counter()
        joined = join_lines(texts)
        best = min(best, time.perf_counter() - start)
    assert len(joined) == lines * len(texts[0])
    return best


def test_cjk_joining_is_linear_in_the_lines():
    """80,000 CJK lines took 47 s where 40,000 took 4 s (issue 24): each join copied the whole paragraph.
    Four times the lines must take about four times as long (quadratic: sixteen); 9 leaves room for noise."""
    small, large = _join_seconds(2_500), _join_seconds(10_000)
    assert large < 9 * max(small, 1e-3), (small, large)

"""What sections are called: the heading vocabulary every backend shares, and the kind a heading starts.

`heading_kind` sorts headings into body, references, acknowledgements and appendix; `tidy_heading` turns
ALL-CAPS template headings into title case. The default, GROBID and PyMuPDF backends all use these.
Chinese, Japanese and Korean papers have their own names ("摘要", "参考文献", "はじめに", "서론"),
numbering ("一、", "第二章") and no spaces, so each pattern carries them too (`CJK` is their script).
"""

from __future__ import annotations

import re

from preprocess.core.record import CJK_CHARS

CJK = f"[{CJK_CHARS}]"
CJK_PUNCT = "。，、；：？！（）「」『』《》【】"
_SP = r"\s*"  # CJK headings are often letter-spaced ("摘 要")


def _spaced(*words: str) -> str:
    """Alternatives matching each CJK word with optional spaces between its characters."""
    return "|".join(_SP.join(word) for word in words)


ABSTRACT = re.compile(
    rf"^(?:a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\b|{_spaced('摘要', '概要', '要旨', '초록', '요약')})\s*[.:：—–-]?\s*", re.I
)
STOP_ABSTRACT = re.compile(
    r"^(keywords?|index terms|ccs concepts|key words)\b|"
    rf"^({_spaced('关键词', '關鍵詞', '关键字', 'キーワード', '키워드', '주제어', '中图分类号')})",
    re.I,
)
NOT_TITLE = re.compile(
    r"^(proceedings|published|under review|submitted|preprint|arxiv|journal|vol\.|open access"
    r"|r e s e a r c h)|©|\(c\)",
    re.I,
)
# A numbered heading: `3 Method`, `3.2 Data`, `A.1 Proofs`, `IV. Results`, `2 相关工作`; CJK numbering:
# `一、引言`, `第二章 方法`, `第3节 实验`.
NUMBERED = re.compile(
    r"^(?P<num>(?:\d{1,2}(?:\.\d{1,2}){0,3}|[A-H](?:\.\d{1,2}){0,3}|[IVX]{1,5}))\.?\s+"
    rf"(?P<rest>[A-Z(\"'{CJK_CHARS}].*)$"
)
CJK_NUMBERED = re.compile(
    rf"^(?P<num>第?[一二三四五六七八九十\d]{{1,3}}[章节節]|[一二三四五六七八九十]{{1,3}}[、.．])\s*(?P<rest>{CJK}.*)$"
)
REFERENCES = re.compile(
    r"^(references|bibliography|literature cited|reference list|works cited|"
    rf"{_spaced('参考文献', '參考文獻', '引用文献', '참고문헌')})$",
    re.I,
)
ACKNOWLEDGEMENTS = re.compile(
    r"^(acknowledge?ments?|acknowledgements? and disclosure of funding|funding|competing interests|"
    r"conflicts? of interest|declarations?|authors?[’']? contributions?|author details|"
    r"availability of data( and materials)?|ethics approval.*|consent for publication|abbreviations|"
    rf"{_spaced('致谢', '致謝', '謝辞', '감사의 글')})$",
    re.I,
)
APPENDIX = re.compile(
    r"^(appendix|appendices|supplementary( material)?s?|supplemental material)\b|"
    rf"^({_spaced('附录', '附錄', '付録', '부록')})",
    re.I,
)
KNOWN = re.compile(
    r"^(abstract|introduction|background|related work|related works|preliminaries|method|methods|methodology|"
    r"approach|model|experiments?|experimental setup|results|evaluation|analysis|discussion|"
    r"conclusions?|conclusions? and future work|limitations|broader impacts?|ethics statement|"
    r"reproducibility statement|"
    + _spaced("引言", "绪论", "緒論", "前言", "相关工作", "相關工作", "背景", "方法", "实验", "實驗", "结果",
              "結果", "讨论", "討論", "结论", "結論", "总结", "總結", "はじめに", "序論", "関連研究", "提案手法",
              "手法", "実験", "考察", "おわりに", "まとめ", "서론", "관련 연구", "방법", "실험", "결과", "결론")
    + ")$",
    re.I,
)
CAPTION = re.compile(r"^(fig\.?|figure|table|algorithm|listing)\s*\d", re.I)
SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "via", "vs",
               "with"}  # kept lower-case when an ALL-CAPS heading is title-cased


def tidy_heading(text: str) -> str:
    """ALL-CAPS template headings ("RELATED WORK") in title case; others as printed."""
    if sum(c.isalpha() for c in text) < 4 or text.upper() != text:
        return text
    words = text.lower().split()
    return " ".join(
        w if (i and w in SMALL_WORDS) else "-".join(p[:1].upper() + p[1:] for p in w.split("-"))
        for i, w in enumerate(words)
    )


def heading_kind(text: str, number: str, current: str) -> str:
    """body / references / acknowledgements / appendix for a heading, given the kind before it."""
    bare = text.strip().rstrip(".:")
    if REFERENCES.match(bare):
        return "references"
    if ACKNOWLEDGEMENTS.match(bare):
        return "acknowledgements"
    if APPENDIX.match(bare) or (number[:1].isalpha() and number[:1] not in "IVX"):
        return "appendix"
    if current in ("references", "appendix"):
        return "appendix"
    return "body"

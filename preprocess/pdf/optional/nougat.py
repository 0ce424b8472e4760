"""Optional `nougat` backend: Meta's Nougat OCR model through transformers' own Nougat support.

`NougatProcessor` + `VisionEncoderDecoderModel` (a Donut-Swin encoder, an MBart decoder). Pages are rendered
with pypdfium2 at Nougat's 96 dpi, fitted by the processor to the checkpoint's input (nougat-base: 896 x 672),
read into Markdown page by page, cleaned by the processor's `post_process_generation` and split at its `#`
headings (`markdown`). Weights: `$NOUGAT_MODEL` or `--nougat-model`, a local folder or a hub id (default
facebook/nougat-base), fetched beforehand so no worker spends its timeout downloading. The post-processing
needs `levenshtein` (GPL-2.0-or-later, pinned in requirements.txt for this backend only).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from preprocess.pdf.errors import PdfError
from preprocess.pdf.optional.markdown import markdown_lines, structure
from preprocess.pdf.record import ParsedPaper

MODEL_ENV = "NOUGAT_MODEL"
DEFAULT_MODEL = "facebook/nougat-base"
DPI = 96  # what Nougat's own rasterizer renders at (facebookresearch/nougat, nougat/dataset/rasterize.py)
GPU_PAGES_PER_BATCH = 4  # pages decoded together on a GPU; one at a time on CPU
NEEDS = (("Levenshtein", "levenshtein==0.27.5"), ("nltk", "nltk==3.10.4"))  # transformers' post-processing
MISSING_PAGE = re.compile(r"\[MISSING_PAGE_\w+(?::\d+)?\]")  # Nougat's marker for a page it could not read
# Address space of a worker (MB), peaks measured on CPU (torch 2.11, transformers 4.57.1): 4.0 GB for the tiny
# test model (importing torch alone maps 3.1 GB), 7.1 GB for nougat-base's architecture (349 M parameters, fp32,
# 257 tokens; a 4,096-token page adds ~0.4 GB of cache). CUDA maps far more address space than it uses, so with an
# NVIDIA driver present the workers run without a limit.
MEMORY_MB = 0 if Path("/proc/driver/nvidia/version").exists() else 10240
# Seconds per PDF: the reference design read 80 pages in 2 min on a GPU (~1.5 s a page, a 30-page paper in 45 s);
# on 2 CPU cores nougat-base takes ~3 s a page to encode and 0.3-0.5 s a token to write: minutes a page.
TIMEOUT_S = 3600.0


def model_name() -> str:
    """The weights to use: `$NOUGAT_MODEL` (a folder or a hub id), else facebook/nougat-base."""
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL


def _is_hub_id(name: str) -> bool:
    return not Path(name).expanduser().exists() and re.fullmatch(r"[\w.-]+/[\w.-]+", name) is not None


def weights_problem(name: str) -> str | None:
    """Why the weights `name` cannot be loaded without a download (None when they can)."""
    if _is_hub_id(name):
        from huggingface_hub import try_to_load_from_cache

        if isinstance(try_to_load_from_cache(name, "config.json"), str):
            return None
        return (f"the nougat weights {name} are not in the Hugging Face cache: fetch them once with "
                f"`hf download {name}`, or point {MODEL_ENV} / --nougat-model at a local folder")
    folder = Path(name).expanduser()
    missing = [f for f in ("config.json", "preprocessor_config.json", "tokenizer.json") if not (folder / f).is_file()]
    if missing:
        return (f"the nougat weights folder {folder} has no {', '.join(missing)} (expected a model and processor "
                f"saved with save_pretrained, or a hub id such as {DEFAULT_MODEL})")
    return None


def problem() -> str | None:
    """None when the backend can run here, else what is missing (a package or the weights)."""
    missing = [pin for module, pin in NEEDS if importlib.util.find_spec(module) is None]
    if missing:
        return f"the nougat backend needs pip install {' '.join(missing)}"
    return weights_problem(model_name())


@functools.lru_cache(maxsize=1)
def load(name: str) -> tuple[Any, Any]:
    """Processor and model for `name`, once per worker process: bf16 on a GPU, fp32 on CPU."""
    import torch
    from transformers import NougatImageProcessor, NougatProcessor, NougatTokenizerFast, VisionEncoderDecoderModel

    cuda = torch.cuda.is_available()
    images = NougatImageProcessor.from_pretrained(name)  # the PIL steps Nougat was trained with, not the fast ones
    processor = NougatProcessor(images, NougatTokenizerFast.from_pretrained(name))
    model = VisionEncoderDecoderModel.from_pretrained(name, dtype=torch.bfloat16 if cuda else torch.float32)
    return processor, model.to("cuda" if cuda else "cpu").eval()


def rendered_pages(path: Path, per_batch: int) -> Iterator[list[Any]]:
    """The PDF's pages as RGB images at `DPI`, `per_batch` at a time (never the whole paper in memory)."""
    import pypdfium2

    try:
        doc = pypdfium2.PdfDocument(str(path))
    except Exception as exc:
        reason = "encrypted PDF (password required)" if "password" in str(exc).lower() else f"unreadable PDF: {exc}"
        raise PdfError(path, reason) from exc
    try:
        for start in range(0, len(doc), per_batch):
            images = []
            for index in range(start, min(start + per_batch, len(doc))):
                page = doc[index]
                images.append(page.render(scale=DPI / 72).to_pil().convert("RGB"))
                page.close()
            yield images
    finally:
        doc.close()


def read_pages(images: list[Any], processor: Any, model: Any) -> list[str]:
    """Nougat's Markdown for each page image, greedy, as long as the decoder's positions allow (Nougat's own
    `max_length`), unknown tokens banned; cleaned by the processor's post-processing."""
    import torch

    pixels = processor(images=images, return_tensors="pt").pixel_values.to(model.device, model.dtype)
    with torch.inference_mode():
        ids = model.generate(pixels, min_length=1, max_length=model.decoder.config.max_position_embeddings,
                             bad_words_ids=[[processor.tokenizer.unk_token_id]], do_sample=False, num_beams=1)
    return processor.post_process_generation(processor.batch_decode(ids, skip_special_tokens=True))


def parse_nougat(path: str | Path) -> ParsedPaper:
    """One PDF through Nougat to a ParsedPaper; raises `PdfError`."""
    missing = problem()
    if missing:
        raise PdfError(path, missing)
    processor, model = load(model_name())
    per_batch = GPU_PAGES_PER_BATCH if model.device.type == "cuda" else 1
    pages: list[str] = []
    for images in rendered_pages(Path(path), per_batch):
        pages.extend(read_pages(images, processor, model))
    if not any(MISSING_PAGE.sub("", text).strip() for text in pages):
        raise PdfError(path, f"nougat read no text from {len(pages)} page(s)")
    return pages_to_paper(pages)


def pages_to_paper(pages: list[str]) -> ParsedPaper:
    """Nougat's Markdown, one string a page, to the record: `#` headings give the sections (`markdown`); a page
    that came out empty or as Nougat's `[MISSING_PAGE_...]` marker is named in the warnings."""
    pages = [MISSING_PAGE.sub("", text).strip() for text in pages]
    paper = structure(markdown_lines([{"text": text} for text in pages]))
    unread = [str(n) for n, text in enumerate(pages, 1) if not text]
    paper.warnings = [] if paper.sections else ["no section headings found"]
    if unread:
        paper.warnings.append(f"nougat read nothing on page(s) {', '.join(unread)}")
    paper.pages, paper.backend = len(pages), "nougat"
    return paper

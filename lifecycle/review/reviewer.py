"""The model side of a review: LLaMA-Factory's ChatModel (HF engine) with the recipe's template."""

from __future__ import annotations

from typing import Any

from lifecycle.review.setup import ReviewSetup
from preprocess.prompt.formats import Conversation
from preprocess.prompt.tokenizer import Tokenizer, load_tokenizer


class Reviewer:
    """LLaMA-Factory's ChatModel (HF engine) with the recipe's template, plus the fitting tokenizer.

    With `load_model=False` only tokenizer and template load: enough to show the exact prompt.
    """

    def __init__(self, setup: ReviewSetup, load_model: bool = True, fit_tok: Tokenizer | None = None) -> None:
        self.setup = setup
        self.fit_tok = fit_tok or load_tokenizer(setup.tokenizer_path)  # what `make data --tokenizer` loads
        self.chat = None
        if load_model:
            from llamafactory.chat import ChatModel

            self.chat = ChatModel(dict(setup.model))
            self.tokenizer, self.template = self.chat.engine.tokenizer, self.chat.engine.template
        else:
            from llamafactory.data import get_template_and_fix_tokenizer
            from llamafactory.hparams import get_infer_args
            from llamafactory.model import load_tokenizer as lf_load_tokenizer

            model_args, data_args, _, _ = get_infer_args(dict(setup.model))
            self.tokenizer = lf_load_tokenizer(model_args)["tokenizer"]  # as the HF engine loads them
            self.template = get_template_and_fix_tokenizer(self.tokenizer, data_args)

    def prompt_ids(self, conv: Conversation) -> list[int]:
        """Token ids the model is given, built as the HF engine builds them (`_process_args`)."""
        paired = [*conv.messages, {"role": "assistant", "content": ""}]
        return self.template.encode_oneturn(self.tokenizer, paired, conv.system, None)[0]

    def prompt_text(self, conv: Conversation) -> str:
        """The prompt as text, special tokens spelled out (as `make predict` writes its `prompt` field)."""
        return self.tokenizer.decode(self.prompt_ids(conv), skip_special_tokens=False)

    def generate(self, conv: Conversation, temperature: float | None = None, max_new_tokens: int | None = None):
        """One review (a LLaMA-Factory `Response`); greedy unless a temperature > 0 is given."""
        if self.chat is None:
            raise RuntimeError("Reviewer was built with load_model=False")
        sampling = bool(temperature and temperature > 0)
        kwargs: dict[str, Any] = {"do_sample": sampling,
                                  "max_new_tokens": int(max_new_tokens or self.setup.max_new_tokens)}
        if sampling:
            kwargs["temperature"] = float(temperature)
        response = self.chat.chat(conv.messages, conv.system, **kwargs)[0]
        expected = len(self.prompt_ids(conv))
        if response.prompt_length != expected:  # the shown prompt must be the one generated from
            raise RuntimeError(f"engine prompt has {response.prompt_length} tokens, expected {expected}")
        return response

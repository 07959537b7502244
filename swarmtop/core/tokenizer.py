"""Token counting for records that carry text but no usage figures (tiktoken)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

FALLBACK_ENCODING = "cl100k_base"


@lru_cache(maxsize=64)
def _encoding_for(model: str) -> Any:
    import tiktoken

    try:
        return tiktoken.encoding_for_model(model)
    except KeyError:
        return tiktoken.get_encoding(FALLBACK_ENCODING)


class Tokenizer:
    """Counts tokens with the model's encoding (cl100k_base for models tiktoken doesn't know)."""

    def __init__(self) -> None:
        self.status = ""
        self.failed = False

    def count(self, model: str, text: str | None) -> int:
        if not text:
            return 0
        if not self.failed:
            try:
                return len(_encoding_for(model).encode(text, disallowed_special=()))
            except Exception as exc:  # noqa: BLE001 - no encoding available: say so once
                self.failed = True
                self.status = f"tiktoken unavailable ({exc}); estimates are ~4 chars/token"
        return max(1, len(text) // 4)

"""The model's text made inert: whatever it writes is untrusted (RELIABILITY Isolation 9, 11).

Used on the posted answer (agent.py) and on the streamed preview of it (streaming.py), so
that both show the same words.
"""

import re
from typing import Final

from helpline.knowledge.chunking import plain_text

_BARE_URL: Final = re.compile(r"\b(?:https?|ftp|javascript|data):\S+", re.IGNORECASE)
_HTML_TAG: Final = re.compile(r"<[^>]{0,200}>")


def inert(text: str) -> str:
    """The model's text with nothing that could render live or leak through a URL: markdown
    links and images become their words, HTML tags and bare URLs are dropped."""
    text = _HTML_TAG.sub("", text)
    text = plain_text(text) if "](" in text else text
    return _BARE_URL.sub("", text).strip()

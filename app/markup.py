"""The light Markdown emphasis playbook texts may carry ("Say what you *can* do"), shown as
emphasis on the overlay and as plain words in a terminal. No Qt here: the CLI uses it too.

Only paired markers around words count: `**bold**`, `*italic*`, `_italic_`. A lone or spaced
asterisk ("5 * 3", "*") and underscores inside words (snake_case) are left alone.
"""

from __future__ import annotations

import html
import re

_BOLD = re.compile(r"(?<![\w*])\*\*(?=\S)(.+?)(?<=\S)\*\*(?![\w*])")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDERSCORE = re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")


def plain(text: str) -> str:
    """`text` with its emphasis markers removed: "Say what you can do"."""
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC_STAR.sub(r"\1", text)
    return _ITALIC_UNDERSCORE.sub(r"\1", text)


def to_html(text: str) -> str:
    """`text` as safe rich text: HTML-escaped ("<day>" stays visible), emphasis as <b>/<i>."""
    escaped = html.escape(text, quote=False)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ITALIC_STAR.sub(r"<i>\1</i>", escaped)
    return _ITALIC_UNDERSCORE.sub(r"<i>\1</i>", escaped)

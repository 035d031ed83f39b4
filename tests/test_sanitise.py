"""The one sanitiser of supplier text: control and direction characters out, Markdown shown as written."""

from __future__ import annotations

import hashlib

import pytest

from slm_psr.sanitise import clean_text, markdown_text, needs_cleaning, raw_digest


@pytest.mark.parametrize(
    "text, one_line, lines",
    [
        ("Nordwind IT Services AG", "Nordwind IT Services AG", "Nordwind IT Services AG"),
        ("Evil\x1b[2J\x07\x00 AG", "Evil[2J AG", "Evil[2J AG"),  # screen clear, bell, NUL
        ("ok\rFAKE", "ok FAKE", "ok\nFAKE"),  # a bare CR would overwrite the line on a terminal
        ("a\r\nb\tc", "a b c", "a\nb\tc"),
        ("Nord\u202ewind\u202c", "Nordwind", "Nordwind"),  # right-to-left override, pop
        ("\u2066x\u2067y\u2068z\u2069", "xyz", "xyz"),  # isolates
        ("\u202a\u202b\u202d\u200e\u200f\u061c!", "!", "!"),  # embeddings, marks
        ("line\u2028para\u2029end\x85", "line para end", "line\npara\nend"),
        ("Müller & Söhne — 東京", "Müller & Söhne — 東京", "Müller & Söhne — 東京"),
    ],
)
def test_clean_text(text, one_line, lines):
    assert clean_text(text) == one_line
    assert clean_text(text, lines=True) == lines
    assert needs_cleaning(text) is (clean_text(text, lines=True) != text)


@pytest.mark.parametrize(
    "text, shown",
    [
        ("[click](https://evil.example)", r"\[click\](https\://evil.example)"),
        ("![x](https://evil.example/p.png)", r"\!\[x\](https\://evil.example/p.png)"),
        ("<img src=x onerror=alert(1)>", r"\<img src=x onerror=alert(1)\>"),
        ("**bold** _it_ `code` ~~s~~", r"\*\*bold\*\* \_it\_ \`code\` \~\~s\~\~"),
        (":red[alarm] :material/home:", r"\:red\[alarm\] \:material/home\:"),
        ("# Heading", r"\# Heading"),
        ("- item", r"\- item"),
        ("1. first", r"1\. first"),
        ("> quote", r"\> quote"),
        ("see www.evil.example", r"see www\.evil.example"),
        ("a | b", r"a \| b"),
        ("$x$ &amp;", r"\$x\$ \&amp;"),
        ("Nordwind IT Services AG", "Nordwind IT Services AG"),
        ("line one\nline two", "line one line two"),
    ],
)
def test_markdown_text_escapes_what_markdown_would_interpret(text, shown):
    assert markdown_text(text) == shown


def test_raw_digest_is_the_sha256_of_the_text_as_written():
    assert raw_digest("Nord\u202ewind") == hashlib.sha256("Nord\u202ewind".encode()).hexdigest()
    assert len(raw_digest("\ud800")) == 64  # a lone surrogate from a damaged cell still hashes

"""Outgoing mail with files: the right MIME structure, and a sender's file name or media type
never adds a header."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest

from maild.outbound.compose import FilePart, Outgoing, compose

PDF = b"%PDF-1.4 " + bytes(range(256)) * 3


def outgoing(**changes) -> Outgoing:  # noqa: ANN003
    fields = dict(from_header="Helpdesk <helpdesk@example.com>", to=[("Dana", "dana@example.org")],
                  subject="[#1] Hello", text="Body", html=None, message_id="<maild.1@example.com>")
    return Outgoing(**{**fields, **changes})


def structure(content: bytes) -> list[str]:
    message = message_from_bytes(content, policy=policy.default)
    return [f"{p.get_content_type()}:{p.get_content_disposition() or ''}" for p in message.walk()]


def test_text_with_a_file_is_mixed() -> None:
    content = compose(outgoing(files=(FilePart("a.pdf", "application/pdf", PDF),)))
    assert structure(content) == ["multipart/mixed:", "text/plain:", "application/pdf:attachment"]
    message = message_from_bytes(content, policy=policy.default)
    [part] = message.iter_attachments()
    assert part.get_content() == PDF and part.get_filename() == "a.pdf"
    assert max(len(line) for line in content.split(b"\r\n")) <= 78


def test_an_image_the_html_shows_is_related_and_one_it_does_not_is_attached() -> None:
    files = (FilePart("shot.png", "image/png", b"png", "<shot@x>"),
             FilePart("other.png", "image/png", b"png2", "<other@x>"))
    content = compose(outgoing(html='<p><img src="cid:shot@x"></p>', files=files))
    assert structure(content) == ["multipart/mixed:", "multipart/alternative:", "text/plain:",
                                  "multipart/related:", "text/html:", "image/png:inline",
                                  "image/png:attachment"]


@pytest.mark.parametrize("name", ['x.pdf"\r\nBcc: eve@evil.example', "x\nContent-Type: text/html",
                                  "r\u00e9sum\u00e9 \u65e5\u672c\u8a9e " + "long " * 30 + ".pdf",
                                  "../../etc/passwd", ""])
def test_a_file_name_never_adds_a_header_and_comes_back_as_written(name: str) -> None:
    hostile = FilePart(name, "application/pdf\r\nBcc: eve@evil.example", PDF)
    content = compose(outgoing(files=(hostile,)))
    message = message_from_bytes(content, policy=policy.default)
    assert message["Bcc"] is None
    [part] = message.iter_attachments()
    assert part["Bcc"] is None and part.get_content_type() == "application/octet-stream"
    expected = " ".join(name.replace("\r", " ").replace("\n", " ").split()).replace("/", "_")
    assert part.get_filename() == (expected or "attachment")
    assert max(len(line) for line in content.split(b"\r\n")) <= 78


def test_a_malformed_content_id_is_left_out() -> None:
    image = FilePart("a.png", "image/png", b"x", "<a b>")
    content = compose(outgoing(html='<img src="cid:a b">', files=(image,)))
    assert b"Content-ID" not in content

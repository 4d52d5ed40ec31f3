"""The thank-you matcher (pipeline.thanks): replies that only thank, in each language, and replies
that say more, which must never count as thanks (when unsure, the ticket reopens)."""

from __future__ import annotations

import pytest

from maild.pipeline.thanks import only_thanks

THANKS_ONLY = {
    "en": "Thanks!", "en-long": "Thank you very much, that worked!\n\nBest regards,\nDana Smith",
    "de": "Vielen Dank!\n\nMit freundlichen Grüßen\nDana", "fr": "Merci beaucoup :)\nCordialement",
    "es": "Muchas gracias por su ayuda.\nSaludos", "it": "Grazie mille!", "nl": "Hartelijk dank!",
    "pt": "Muito obrigado!", "sv": "Tack så mycket!", "pl": "Dziękuję bardzo!\nPozdrawiam",
    "ru": "Спасибо большое!\nС уважением,", "da": "Mange tak", "fi": "Kiitos paljon!",
    "cs": "Děkuji moc", "uk": "Щиро дякую!", "hu": "Köszönöm szépen!\nÜdvözlettel",
    "ro": "Mulțumesc frumos!", "el": "Ευχαριστώ πολύ!", "tr": "Çok teşekkürler!\nSaygılarımla",
    "zh": "谢谢您！", "ja": "ありがとうございます。", "ko": "감사합니다!",
    "agreeing": "Great, thanks!", "emoji": "Thanks 👍🙏",
}
SAYS_MORE = {
    "but": "Thanks, but it is still broken.",
    "question": "Thank you. Can you also check the export?",
    "no-thanks": "OK",
    "de-more": "Danke, aber der Bericht ist immer noch falsch.",
    "fr-more": "Merci, mais le problème persiste.",
    "ru-more": "Спасибо, но ошибка осталась.",
    "zh-more": "谢谢，但是问题还在。",
    "tr-more": "Teşekkürler ama hata devam ediyor.",
    "stranger-line": "Thanks\nIt Fails Again",
    "long": "Thanks! " * 60,
    "empty": "",
    "name-first": "Dana\nThanks",
}


@pytest.mark.parametrize("text", THANKS_ONLY.values(), ids=THANKS_ONLY.keys())
def test_a_reply_that_only_thanks_is_recognised(text: str) -> None:
    assert only_thanks(text, "Dana Smith")


@pytest.mark.parametrize("text", SAYS_MORE.values(), ids=SAYS_MORE.keys())
def test_a_reply_that_says_more_is_not_thanks(text: str) -> None:
    assert not only_thanks(text, "Dana Smith")


def test_the_writers_name_may_sign_it_and_a_signature_block_is_ignored() -> None:
    assert only_thanks("Bedankt!\nMet vriendelijke groet,\nJan de Vries", "Jan de Vries")
    assert not only_thanks("Bedankt!\nMet vriendelijke groet,\nJan de Vries", "Dana Smith")
    assert only_thanks("Tack!\n\n-- \nAnna Berg\nAcme AB\n+46 8 123 45 67", "Anna Berg")

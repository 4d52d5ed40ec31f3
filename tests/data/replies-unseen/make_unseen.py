#!/usr/bin/env python3
"""Build the unseen reply corpora: replies written as real clients lay them out, with the new text
each should be stored as.

- this folder (batch 1): written from issue 25's classes before maild's new stripper existed;
- ../replies-unseen-2 (batch 2, cases_2.py): written after it, from what clients send rather
  than from its classes, and measured once before any change was made for them.

    python3 make_unseen.py    # (re)write every .eml and .expected.txt of both batches
"""
from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP, default
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HD = "Example Helpdesk <helpdesk@example.com>"
Q1 = ("Dear customer,\n\nthank you for your message. We have opened ticket 4711 and an engineer\n"
      "will look at the export problem today.\n\nKind regards,\nExample Helpdesk")


def quoted(text: str, marker: str = "> ") -> str:
    return "\n".join((marker + line) if line else marker.rstrip() for line in text.split("\n"))


CASES: list[dict] = []


def case(name: str, subject: str, sender: str, expected: str, text: str | None = None,
         html: str | None = None, mailer: str = "", into: list[dict] = CASES) -> None:
    into.append(dict(name=name, subject=subject, sender=sender, expected=expected, text=text,
                      html=html, mailer=mailer))


# 1. attribution: a date, a time zone and a name, no "wrote" -------------------------------------
new = "Hello,\n\nthe export works again since this morning.\n\nThanks\nSome One"
case("gmail-en-date-gmt-offset-no-wrote", "Re: [#4711] Export fails",
     "Some One <some.one@uni.example>",
     new, new + "\n\n2016-03-03 17:21 GMT+01:00 Example Helpdesk <helpdesk@example.com>:\n\n"
     + quoted(Q1) + "\n", mailer="")
new = "Hi,\nI attach the log you asked for. It fails at 10:42 every time.\nPiotr"
case("gmail-pl-date-gmt-no-wrote", "Re: [#4712] Raport", "Piotr Nowak <p.nowak@firma.example>",
     new, new + "\n\n2025-03-04 9:15 GMT+01:00 Example Helpdesk <helpdesk@example.com>:\n"
     + quoted(Q1) + "\n")
new = ("Добрый день!\n\nПроблема осталась: отчёт всё ещё не выгружается.\n"
       "Скриншот во вложении.\n\nС уважением,\nИван Петров")
case("gmail-ru-weekday-date-no-wrote", "Re: [#4713] Выгрузка отчёта",
     "Иван Петров <ivan.petrov@mail.example>",
     new, new + "\n\nпн, 3 мар. 2025 г. в 10:15, Example Helpdesk <helpdesk@example.com>:\n\n"
     + quoted(Q1) + "\n")
new = "Здравствуйте.\nСпасибо, всё заработало после обновления.\n\n--\nОльга"
case("yandex-ru-date-name-colon", "Re: [#4714] Вход не работает", "Ольга <olga@yandex.example>",
     "Здравствуйте.\nСпасибо, всё заработало после обновления.",
     new + "\n\n03.03.2025, 10:15, \"Example Helpdesk\" "
     "<helpdesk@example.com>:\n" + quoted(Q1, ">") + "\n", mailer="Yamail [ http://yandex.ru ] 5.0")
new = "Добрый вечер,\nпришлите, пожалуйста, инструкцию по настройке ещё раз.\nАнна"
case("mailru-ru-ot-name-colon", "Re: [#4715] Настройка", "Анна <anna@mail.example>", new,
     new + "\n\n\nПонедельник, 3 марта 2025, 10:15 +03:00 от Example Helpdesk <helpdesk@example.com>:\n>\n"
     + quoted(Q1, ">") + "\n")
new = "Hallo,\n\ndas Problem tritt nur im Firefox auf, im Chrome geht es.\n\nGruß\nJens"
case("gmail-de-datum-gmt-ohne-schrieb", "Re: [#4716] Login", "Jens Kohl <jens@kohl.example>", new,
     new + "\n\n2025-02-28 16:05 GMT+01:00 Example Helpdesk <helpdesk@example.com>:\n\n" + quoted(
         Q1) + "\n")

# 2. attributions broken over several lines, with mailto -----------------------------------------
new = "Good morning,\n\nyes, please go ahead and reset the password for all three supervisors.\n\nBest,\nAmara"
case("outlook-en-gmail-attribution-mailto-wrapped", "RE: [#4720] Supervisor accounts",
     "Amara Okafor <a.okafor@college.example>", new,
     new + "\n\nOn Mon, 3 Mar 2025 at 10:15, Example Helpdesk <helpdesk@example.com<mailto:"
     "helpdesk@example.com>>\nwrote:\n\n" + quoted(Q1) + "\n", mailer="Microsoft Outlook 16.0")
new = "Thanks, that's clear now."
case("thunderbird-en-mailto-name-on-two-lines", "Re: [#4721] Invoice",
     "Lee Chan <lee@chan.example>", new,
     new + "\n\nOn 03/03/2025 10:15, Example Helpdesk\n<helpdesk@example.com <mailto:helpdesk@example.com>>"
     " wrote:\n" + quoted(Q1) + "\n", mailer="Mozilla Thunderbird")
new = "Hi team,\n\nI still can't log in, same error as before.\n\nRegards\nMarta Ruiz"
case("owa-en-from-mailto-wrapped", "RE: [#4722] Login error", "Marta Ruiz <marta@ruiz.example>",
     new,
     new + "\n\nFrom: Example Helpdesk [mailto:\nhelpdesk@example.com]\nSent: 03 March 2025 10:15\n"
     "To: Marta Ruiz <marta@ruiz.example>\nSubject: [#4722] Login error\n\n" + Q1 + "\n")
new = "Bonjour,\n\nle problème est résolu, vous pouvez fermer le ticket.\n\nCordialement,\nÉlise"
case("gmail-fr-attribution-mailto-trois-lignes", "Re: [#4723] Export",
     "Élise Martin <elise@martin.example>", new,
     new + "\n\nLe lun. 3 mars 2025 à 10:15, Example Helpdesk <\nhelpdesk@example.com <mailto:"
     "helpdesk@example.com>>\na écrit :\n\n" + quoted(Q1) + "\n")

# 3. several earlier messages quoted one after the other -----------------------------------------
Q2 = "Could you send us a screenshot of the error message?\n\nExample Helpdesk"
new = "Here it is, the screenshot is attached.\n\nDana"
case("thunderbird-en-two-attributions-in-a-row", "Re: [#4730] Error", "Dana Fox <dana@fox.example>",
     new,
     new + "\n\nOn 04/03/2025 09:00, Example Helpdesk wrote:\n" + quoted(Q2) + "\n>\n"
     "> On 03/03/2025 16:40, Dana Fox wrote:\n>> The export stops with an error.\n\n"
     "On 03/03/2025 10:15, Example Helpdesk wrote:\n" + quoted(Q1) + "\n")
new = "Still broken, sorry."
case("gmail-en-history-blocks-one-after-another", "Re: [#4731] Export",
     "Ravi Shah <ravi@shah.example>", new,
     new + "\n\nOn Tue, 4 Mar 2025 at 09:00, Example Helpdesk <helpdesk@example.com> wrote:\n\n"
     + quoted(
         Q2) + "\n\nOn Mon, 3 Mar 2025 at 10:15, Example Helpdesk <helpdesk@example.com> wrote:\n\n"
     + quoted(Q1) + "\n")
new = "Ja, das passt so.\n\nViele Grüße\nSabine"
case("outlook-de-zwei-kopfbloecke-hintereinander", "AW: [#4732] Rechnung",
     "Sabine Weber <s.weber@firma.example>",
     new,
     new + "\n\nVon: Example Helpdesk <helpdesk@example.com>\nGesendet: Dienstag, 4. März 2025 09:00\n"
     "An: Sabine Weber <s.weber@firma.example>\nBetreff: AW: [#4732] Rechnung\n\n" + Q2 +
     "\n\nVon: Sabine Weber <s.weber@firma.example>\nGesendet: Montag, 3. März 2025 16:40\n"
     "An: Example Helpdesk <helpdesk@example.com>\nBetreff: [#4732] Rechnung\n\nDie Rechnung fehlt.\n")

# 4. invisible characters left at the end ---------------------------------------------------------
new = "Thank you, confirmed on our side."
case("owa-en-zero-width-tail", "RE: [#4740] Access", "Kim Park <kim@park.example>", new,
     new + "\n\u200b\n\u200b\n________________________________\nFrom: Example Helpdesk <helpdesk@example.com>\n"
     "Sent: Monday, March 3, 2025 10:15 AM\nTo: Kim Park <kim@park.example>\nSubject: [#4740] Access\n\n"
     + Q1 + "\n")
new = "Ok, I will try tomorrow morning."
case("yahoo-en-nbsp-lines-and-bom", "Re: [#4741] Sync", "Tom Hill <tom.hill@yahoo.example>", new,
     new + "\n\u00a0\n\ufeff\n    On Monday, March 3, 2025, 10:15:02 AM GMT, Example Helpdesk "
     "<helpdesk@example.com> wrote:\n\n" + quoted(Q1, " ") + "\n", mailer="")
new = "Sounds good, thanks.\n\nJoe"
case("ios-en-trailing-zero-width-after-text", "Re: [#4742] Renewal",
     "Joe Bloggs <joe@bloggs.example>", new,
     "Sounds good, thanks.\u200b\n\nJoe\u00a0\n\u2060\n\nSent from my iPhone\n\n"
     "> On 3 Mar 2025, at 10:15, Example Helpdesk <helpdesk@example.com> wrote:\n>\n> \ufeff" +
     quoted(Q1)[2:] + "\n")

# 5. HTML-only replies
# ------------------------------------------------------------------------------
new = "Hello,\n\nthe new version fixed it, thank you.\n\nRegards,\nNina Berg"
case("outlook-en-html-only-divrplyfwdmsg", "RE: [#4750] Report", "Nina Berg <nina@berg.example>",
     new,
     html="<html><head><style>p.MsoNormal{margin:0}</style></head><body><div class=WordSection1>"
     "<p class=MsoNormal>Hello,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
     "<p class=MsoNormal>the new version fixed it, thank you.<o:p></o:p></p>"
     "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Regards,<o:p></o:p></p>"
     "<p class=MsoNormal>Nina Berg<o:p></o:p></p></div><hr style='display:inline-block;width:98%'>"
     "<div id=divRplyFwdMsg dir=ltr><font face=Calibri><b>From:</b> Example Helpdesk "
     "&lt;helpdesk@example.com&gt;<br><b>Sent:</b> Monday, March 3, 2025 10:15 AM<br><b>To:</b> "
     "Nina Berg &lt;nina@berg.example&gt;<br><b>Subject:</b> [#4750] Report</font><div>&nbsp;</div></div>"
     "<div><p>Dear customer,</p><p>thank you for your message. We have opened ticket 4711.</p></div>"
     "</body></html>", mailer="Microsoft Outlook 16.0")
new = "Hallo,\n\nich kann die Datei jetzt öffnen.\n\nDanke\nUwe"
case("outlook-de-nur-html-rahmenlinie", "AW: [#4751] Datei", "Uwe Brandt <uwe@brandt.example>", new,
     html="<html><body><div class=WordSection1><p class=MsoNormal>Hallo,</p><p class=MsoNormal>&nbsp;</p>"
     "<p class=MsoNormal>ich kann die Datei jetzt öffnen.</p><p class=MsoNormal>&nbsp;</p>"
     "<p class=MsoNormal>Danke<br>Uwe</p><p class=MsoNormal>&nbsp;</p>"
     "<div style='border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm'>"
     "<p class=MsoNormal><b>Von:</b> Example Helpdesk &lt;helpdesk@example.com&gt; <br><b>Gesendet:</b> "
     "Montag, 3. März 2025 10:15<br><b>An:</b> Uwe Brandt &lt;uwe@brandt.example&gt;<br><b>Betreff:</b> "
     "[#4751] Datei</p></div><p class=MsoNormal>&nbsp;</p><p class=MsoNormal>Sehr geehrter Kunde,</p>"
     "<p class=MsoNormal>bitte senden Sie uns die Datei.</p></div></body></html>")
new = "Yes, Tuesday at 2pm works for me.\n\nBen"
case("gmail-en-html-only-gmail-quote", "Re: [#4752] Call", "Ben Ode <ben@ode.example>", new,
     html="<div dir=\"ltr\">Yes, Tuesday at 2pm works for me.<div><br></div><div>Ben</div></div><br>"
     "<div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, 3 Mar 2025 at 10:15, "
     "Example Helpdesk &lt;<a href=\"mailto:helpdesk@example.com\">helpdesk@example.com</a>&gt; wrote:<br></div>"
     "<blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\">Dear customer,<br><br>"
     "would Tuesday suit you for a call?<br></blockquote></div>")
new = "Hi,\nplease close it, it works.\nCheers, Mo"
case("apple-en-html-only-blockquote-cite", "Re: [#4753] Printer", "Mo Ali <mo@ali.example>", new,
     html="<html><body style=\"overflow-wrap: break-word;\">Hi,<div>please close it, it works.</div>"
     "<div>Cheers, Mo<br><div><br><blockquote type=\"cite\"><div>On 3 Mar 2025, at 10:15, Example Helpdesk "
     "&lt;helpdesk@example.com&gt; wrote:</div><br><div><div>Dear customer,</div><div>is the printer "
     "working again?</div></div></blockquote></div><br></div></body></html>")
new = "Добрый день,\nда, можно закрывать.\nСергей"
case("mailru-ru-html-only-blockquote", "Re: [#4754] Принтер", "Сергей <sergey@mail.example>", new,
     html="<HTML><BODY><div>Добрый день,</div><div>да, можно закрывать.</div><div>Сергей</div>"
     "<div>&nbsp;</div><blockquote style=\"border-left:1px solid #0857A6; margin:10px; padding:0 0 0 10px;\">"
     "Понедельник, 3 марта 2025, 10:15 +03:00 от Example Helpdesk &lt;helpdesk@example.com&gt;:<br>&nbsp;"
     "<div id=\"\"><div>Уважаемый клиент,<br>принтер снова работает?</div></div></blockquote></BODY></HTML>")

# 6. forwards are content -------------------------------------------------------------------------
fwd = ("FYI, this came in from our finance office.\n\n---------- Forwarded message ---------\n"
       "From: Finance Office <finance@uni.example>\nDate: Mon, 3 Mar 2025 at 09:12\n"
       "Subject: Invoice 2025-113 missing VAT number\nTo: Dana Fox <dana@fox.example>\n\n"
       "Hello Dana,\n\nthe invoice from the vendor has no VAT number. Can you ask them to reissue it?\n\n"
       "Thanks,\nFinance")
case("gmail-en-fyi-forwarded-message", "Fwd: [#4760] Invoice", "Dana Fox <dana@fox.example>", fwd,
     fwd + "\n")
fwd = ("See below - this is the error our users get.\n\n-----Original Message-----\n"
       "From: Lab Manager <lab@uni.example>\nSent: Monday, March 3, 2025 9:12 AM\n"
       "To: Amara Okafor <a.okafor@college.example>\nSubject: Placement report\n\n"
       "Amara, the placement report export gives 'Error 500' since Friday.\n\nPaul")
case("outlook-en-fw-original-message", "FW: [#4761] Placement report",
     "Amara Okafor <a.okafor@college.example>",
     fwd, fwd + "\n")
fwd = ("Zur Info, siehe unten.\n\nAnfang der weitergeleiteten Nachricht:\n\n"
       "Von: Buchhaltung <buchhaltung@firma.example>\nBetreff: Lizenz läuft ab\n"
       "Datum: 3. März 2025 um 09:12:00 MEZ\nAn: Sabine Weber <s.weber@firma.example>\n\n"
       "Die Lizenz läuft Ende des Monats ab. Bitte verlängern.")
case("apple-de-weitergeleitete-nachricht", "WG: [#4762] Lizenz",
     "Sabine Weber <s.weber@firma.example>", fwd,
     fwd + "\n")
fwd = ("Please see the message from our IT department below.\n\nBegin forwarded message:\n\n"
       "From: IT Service Desk <it@college.example>\nSubject: SSO certificate renewal\n"
       "Date: 3 March 2025 at 09:12:00 GMT\nTo: Staff <staff@college.example>\n\n"
       "The SSO certificate will be renewed on Friday at 18:00. Logins may fail for ten minutes.")
case("ios-en-begin-forwarded-message", "Fwd: [#4763] SSO", "Lee Chan <lee@chan.example>", fwd,
     fwd + "\n")
fwd = ("Для информации.\n\n-------- Пересылаемое сообщение --------\n"
       "03.03.2025, 09:12, \"Бухгалтерия\" <buh@firma.example>:\n\nСчёт не оплачен, проверьте реквизиты.\n\n"
       "-------- Конец пересылаемого сообщения --------")
case("yandex-ru-peresylaemoe-soobshchenie", "Fwd: [#4764] Счёт", "Ольга <olga@yandex.example>", fwd,
     fwd + "\n")

# 7. quote markers other than ">" and re-wrapped quote lines
# -----------------------------------------
new = "I've tried that, no change."
case("oldwebmail-en-pipe-quote", "Re: [#4770] Sync", "Jo March <jo@march.example>", new,
     new + "\n\nExample Helpdesk wrote:\n" + quoted(Q1, "| ") + "\n")
new = "Agreed, let's do that.\n\nCarl"
case("supercite-en-initials-quote", "Re: [#4771] Plan", "Carl Berg <carl@berg.example>", new,
     new + "\n\n>>>>> \"EH\" == Example Helpdesk <helpdesk@example.com> writes:\n\n"
     + quoted(Q1, "EH> ") + "\n", mailer="Gnus/5.13")
new = "Yes, both users.\n\nTim"
case("mutt-en-name-marker-quote", "Re: [#4772] Users", "Tim Roe <tim@roe.example>", new,
     "Helpdesk> Should we unlock both users?\nHelpdesk> Regards, Example Helpdesk\n\n" + new + "\n")
new = "Thanks, I'll wait for the fix.\n\nAnne"
rewrapped = (
    "> Dear customer,\n>\n> thank you for your message. We have opened ticket 4711 and an engineer will\n"
             "look at the export problem today and write back to you with what we find\n"
             "> before the end of the day.\n>\n> Kind regards,\n> Example Helpdesk")
case("outlookexpress-en-rewrapped-quote", "Re: [#4773] Export", "Anne Lowe <anne@lowe.example>",
     new,
     new + "\n\nExample Helpdesk wrote:\n" + rewrapped + "\n",
     mailer="Microsoft Outlook Express 6.00")
new = "Good news: it works on all laptops now.\n\nBest\nEva"
rewrapped2 = (
    "> Dear customer, we have deployed a fix for the single sign-on problem on the\nlaptops. "
              "Please tell us whether it works for you.\n> Example Helpdesk")
case("gmail-en-rewrapped-quote-no-marker", "Re: [#4774] SSO", "Eva Stone <eva@stone.example>", new,
     new + "\n\nOn Mon, Mar 3, 2025 at 10:15 AM Example Helpdesk <helpdesk@example.com> wrote:\n\n"
     + rewrapped2 + "\n")

# 8. other languages mail-parser-reply knows, and Cyrillic
# ------------------------------------------
new = "Добрый день!\nДа, ошибка повторяется каждый понедельник.\n\nИван"
case("thunderbird-ru-pishet", "Re: [#4780] Ошибка", "Иван Петров <ivan.petrov@mail.example>", new,
     new + "\n\n03.03.2025 10:15, Example Helpdesk пишет:\n" + quoted(Q1) + "\n")
new = "Здравствуйте,\nпрошу прислать счёт на новый адрес.\n\nМария"
case("outlook-ru-ot-otpravleno-komu-tema", "RE: [#4781] Счёт",
     "Мария Соколова <m.sokolova@firma.example>", new,
     new + "\n\nОт: Example Helpdesk <helpdesk@example.com>\nОтправлено: 3 марта 2025 г. 10:15\n"
     "Кому: Мария Соколова <m.sokolova@firma.example>\nТема: [#4781] Счёт\n\n" + Q1 + "\n")
new = "Спасибо, получилось."
case("ios-ru-napisal-a", "Re: [#4782] Вход", "Алексей <alexey@icloud.example>", new,
     new + "\n\nОтправлено с iPhone\n\n> 3 марта 2025 г., в 10:15, Example Helpdesk <helpdesk@example.com> "
     "написал(а):\n>\n" + quoted(Q1) + "\n")
new = "Добрий день,\nвсе працює, дякую!\n\nОксана"
case("gmail-uk-pyshe", "Re: [#4783] Доступ", "Оксана <oksana@ukr.example>", new,
     new + "\n\nпн, 3 бер. 2025 р. о 10:15 Example Helpdesk <helpdesk@example.com> пише:\n\n" + quoted(Q1) + "\n")
new = "Dobrý den,\nchyba se stále objevuje.\n\nS pozdravem\nJan Novák"
case("thunderbird-cs-napsal-a", "Re: [#4784] Chyba", "Jan Novák <jan.novak@firma.example>", new,
     new + "\n\nDne 03. 03. 25 v 10:15 Example Helpdesk napsal(a):\n" + quoted(Q1) + "\n")
new = "Dobrý den,\nděkuji, funguje to.\nPetra"
case("gmail-cs-odesilatel-napsal", "Re: [#4785] Přihlášení",
     "Petra Dvořáková <petra@firma.example>", new,
     new + "\n\npo 3. 3. 2025 v 10:15 odesílatel Example Helpdesk <helpdesk@example.com> napsal:\n\n"
     + quoted(Q1) + "\n")
new = "お世話になっております。\n修正を確認しました。ありがとうございます。\n\n田中"
case("gmail-ja-date-name-colon", "Re: [#4786] エクスポート", "田中 <tanaka@corp.example>", new,
     new + "\n\n2025年3月3日(月) 10:15 Example Helpdesk <helpdesk@example.com>:\n\n" + quoted(
         Q1) + "\n")
new = "您好，\n问题已经解决了，谢谢。\n\n王芳"
case("gmail-zh-xiedao", "Re: [#4787] 登录", "王芳 <wangfang@corp.example>", new,
     new + "\n\nExample Helpdesk <helpdesk@example.com> 于2025年3月3日周一 10:15写道：\n\n" + quoted(
         Q1) + "\n")
new = "안녕하세요,\n다시 시도했지만 같은 오류가 납니다.\n\n김민수"
case("gmail-ko-jakseong", "Re: [#4788] 오류", "김민수 <minsu@corp.example>", new,
     new + "\n\n2025년 3월 3일 (월) 오전 10:15, Example Helpdesk <helpdesk@example.com>님이 작성:\n\n"
     + quoted(Q1) + "\n")
new = "Hej,\ntak, det virker nu.\n\nMvh\nLars"
case("thunderbird-da-skrev", "Re: [#4789] Adgang", "Lars Holm <lars@holm.example>", new,
     new + "\n\nDen 03.03.2025 kl. 10.15 skrev Example Helpdesk:\n" + quoted(Q1) + "\n")

# 9. when unsure, keep: customer text between quotes, signatures that look like attributions
# ---------
new = (
    "Which version are you on?\n\n4.2.1, updated last week.\n\nDoes it happen for every user?\n\n"
       "Only for the two in the finance team.")
case("thunderbird-en-answers-below-each-question", "Re: [#4790] Crash",
     "Ravi Shah <ravi@shah.example>",
     "4.2.1, updated last week.\n\nOnly for the two in the finance team.",
     "On 03/03/2025 10:15, Example Helpdesk wrote:\n> Which version are you on?\n\n4.2.1, updated last week.\n\n"
     "> Does it happen for every user?\n\nOnly for the two in the finance team.\n")
new = "Yes\n\nNo, only since Monday.\n\nThanks\nJo"
case("mutt-en-answers-without-blank-lines", "Re: [#4791] Details", "Jo March <jo@march.example>",
     new,
     "On Mon, Mar 03, 2025 at 10:15:00AM +0000, Example Helpdesk wrote:\n> Is the server reachable?\nYes\n"
     "> Has this always happened?\nNo, only since Monday.\n\nThanks\nJo\n",
     mailer="NeoMutt/20241212")
new = (
    "Hello,\n\nthe report still shows the old totals.\n\nDana Fox\nHead of Finance, Fox & Partners\n"
       "dana@fox.example | +44 20 7946 0123\nMon, 3 Mar 2025 onwards: new address, 1 High St:")
case("outlook-en-signature-ending-with-colon", "RE: [#4792] Totals", "Dana Fox <dana@fox.example>",
     new, new + "\n")
new = ("Hi,\n\nAs Lisa wrote on Monday: the import fails for files over 10 MB.\n"
       "On 3 March our admin wrote to you about this too.\n\nRegards,\nKarl")
case("gmail-en-prose-mentioning-wrote", "Re: [#4793] Import", "Karl Berg <karl@berg.example>", new,
     new + "\n\nOn Tue, 4 Mar 2025 at 09:00, Example Helpdesk <helpdesk@example.com> wrote:\n\n"
     + quoted(Q2) + "\n")
new = (
    "Here is what I see:\n\n> Error 500: export failed\n\nThat's the exact message, it is shown\n"
       "every time I click Export.")
case("apple-en-customer-quotes-error-message", "Re: [#4794] Error", "Mo Ali <mo@ali.example>",
     "Here is what I see:\n\nThat's the exact message, it is shown\nevery time I click Export.",
     new + "\n\nOn 4 Mar 2025, at 09:00, Example Helpdesk <helpdesk@example.com> wrote:\n\n" + quoted(Q2) + "\n")


def build(c: dict) -> bytes:
    msg = EmailMessage(policy=default)
    msg["From"] = c["sender"]
    msg["To"] = HD
    msg["Subject"] = c["subject"]
    msg["Date"] = "Tue, 04 Mar 2025 11:02:17 +0000"
    msg["Message-ID"] = f"<{c['name']}@client.example>"
    msg["In-Reply-To"] = "<ack-4711@example.com>"
    msg["References"] = "<ack-4711@example.com>"
    if c["mailer"]:
        msg["X-Mailer"] = c["mailer"]
    if c["text"] is not None:
        msg.set_content(c["text"], cte="quoted-printable")
        if c["html"] is not None:
            msg.add_alternative(c["html"], subtype="html", cte="quoted-printable")
    else:
        msg.set_content(c["html"], subtype="html", cte="quoted-printable")
    return msg.as_bytes(policy=SMTP)


def write(cases: list[dict], folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for c in cases:
        (folder / f"{c['name']}.eml").write_bytes(build(c))
        (folder / f"{c['name']}.expected.txt").write_text(c["expected"], encoding="utf-8")
    print(f"{len(cases)} cases written to {folder.name}")


def main() -> None:
    import cases_2
    write(CASES, HERE)
    write(cases_2.CASES, HERE.parent / "replies-unseen-2")


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()

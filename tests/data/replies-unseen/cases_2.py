"""Batch 2 of the unseen replies (see make_unseen.py): written after maild's stripper, from what
the clients send, and measured once before anything was changed for them."""
from __future__ import annotations

from functools import partial

import make_unseen
from make_unseen import quoted

CASES: list[dict] = []
case = partial(make_unseen.case, into=CASES)
OLD = ("Hello,\n\nthank you for getting in touch. Could you tell us which browser you use and\n"
       "send a screenshot of the error?\n\nBest regards,\nPriya Nair\nExample Helpdesk")
OLD_FLAT = OLD.replace("and\nsend", "and send")
OUTLOOK_EN = (
    "From: Example Helpdesk <helpdesk@example.com>\nSent: Monday, March 3, 2025 10:15 AM\n"
              "To: {to}\nSubject: [#5100] {subject}\n\n" + OLD_FLAT)


def outlook_en(to: str, subject: str) -> str:
    return OUTLOOK_EN.format(to=to, subject=subject)


# Gmail in languages and locales ---------------------------------------------------------------
new = "Olá,\n\nuso o Chrome, a captura de tela vai em anexo.\n\nAbraços,\nJoão"
case("gmail-pt-br-em-escreveu", "Re: [#5101] Erro", "João Silva <joao@empresa.example>", new,
     new + "\n\nEm seg., 3 de mar. de 2025 às 10:15, Example Helpdesk <\nhelpdesk@example.com> escreveu:\n\n"
     + quoted(OLD) + "\n")
new = "Merhaba,\n\nFirefox kullanıyorum. Ekran görüntüsü ektedir.\n\nSaygılarımla\nAyşe"
case("gmail-tr-tarihinde-yazdi", "Re: [#5102] Hata", "Ayşe Yılmaz <ayse@firma.example>", new,
     new + "\n\nExample Helpdesk <helpdesk@example.com>, 3 Mar 2025 Pzt, 10:15 tarihinde şunu\nyazdı:\n\n"
     + quoted(OLD) + "\n")
new = "Szia,\n\nEdge böngészőt használok.\n\nÜdv,\nPéter"
case("gmail-hu-ezt-irta", "Re: [#5103] Hiba", "Kovács Péter <peter@ceg.example>", new,
     new + "\n\nExample Helpdesk <helpdesk@example.com> ezt írta (időpont: 2025. márc. 3., H,\n10:15):\n\n"
     + quoted(OLD) + "\n")
new = "Hei,\n\nkäytän Safaria. Kuvakaappaus on liitteenä.\n\nTerveisin\nMikko"
case("gmail-fi-kirjoitti", "Re: [#5104] Virhe", "Mikko Virtanen <mikko@yritys.example>", new,
     new + "\n\nma 3.3.2025 klo 10.15 Example Helpdesk (helpdesk@example.com) kirjoitti:\n\n"
     + quoted(OLD) + "\n")
new = "Bună ziua,\n\nfolosesc Chrome, captura de ecran este atașată.\n\nMulțumesc,\nAndrei"
case("gmail-ro-a-scris", "Re: [#5105] Eroare", "Andrei Popescu <andrei@firma.example>", new,
     new + "\n\nPe lun., 3 mar. 2025 la 10:15, Example Helpdesk <helpdesk@example.com> a\nscris:\n\n"
     + quoted(OLD) + "\n")
new = "Hei,\n\njeg bruker Chrome.\n\nHilsen\nKari"
case("gmail-no-skrev", "Re: [#5106] Feil", "Kari Nordmann <kari@firma.example>", new,
     new + "\n\nman. 3. mar. 2025 kl. 10:15 skrev Example Helpdesk <helpdesk@example.com>:\n\n"
     + quoted(OLD) + "\n")
new = "Hi Priya,\n\nChrome 122 on Windows 11. Screenshot attached.\n\nThanks,\nGrace"
case("gmailios-en-us-at-am", "Re: [#5107] Error", "Grace Lee <grace@lee.example>", new,
     new + "\n\nOn Mon, Mar 3, 2025 at 10:15\u202fAM Example Helpdesk <helpdesk@example.com> wrote:\n\n"
     + quoted(OLD) + "\n")

# Outlook families
# ----------------------------------------------------------------------------------
new = "Hi Priya,\n\nWe use Edge. The screenshot is attached.\n\nKind regards\nTom Baker\nIT Officer | Harbour College\nT: 01632 960123"
case("outlook-en-gb-rule-and-title-signature", "RE: [#5110] Error",
     "Tom Baker <t.baker@harbour.example>", new,
     new + "\n\n________________________________\n" + outlook_en(
         "Tom Baker <t.baker@harbour.example>", "Error")
     + "\n", mailer="Microsoft Outlook 16.0")
new = "Good afternoon,\n\nthe screenshot is attached.\n\nRegards,\nSam"
case("outlookmac-en-on-date-wrote-unquoted", "Re: [#5111] Error", "Sam Green <sam@green.example>",
     new,
     new + "\n\nFrom: Example Helpdesk <helpdesk@example.com>\nDate: Monday, 3 March 2025 at 10:15\n"
     "To: Sam Green <sam@green.example>\nSubject: [#5111] Error\n\n" + OLD_FLAT + "\n",
     mailer="Microsoft-MacOutlook/16.93.25011212")
new = "Здравствуйте,\n\nиспользую Яндекс Браузер, скриншот во вложении.\n\nДмитрий"
case("owa-ru-cherta-ot-otpravleno", "RE: [#5112] Ошибка", "Дмитрий <dmitry@firma.example>", new,
     new + "\n\n________________________________\nОт: Example Helpdesk <helpdesk@example.com>\n"
     "Отправлено: 3 марта 2025 г. 10:15\nКому: Дмитрий <dmitry@firma.example>\nТема: [#5112] Ошибка\n\n"
     + OLD_FLAT + "\n")
new = "Bonjour,\n\nj'utilise Firefox. La capture est jointe.\n\nBien à vous,\nClaire"
case("outlook-fr-html-only-de-envoye-espace", "RE : [#5113] Erreur",
     "Claire Roux <claire@roux.example>", new,
     html="<html><body><div class=WordSection1><p class=MsoNormal>Bonjour,<o:p></o:p></p>"
     "<p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>j'utilise Firefox. La capture est jointe."
     "<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>Bien à vous,<o:p></o:p></p>"
     "<p class=MsoNormal>Claire<o:p></o:p></p><div id=appendonsend></div><hr style='display:inline-block'>"
     "<div id=divRplyFwdMsg dir=ltr><font face=Calibri><b>De :</b> Example Helpdesk "
     "&lt;helpdesk@example.com&gt;<br><b>Envoyé :</b> lundi 3 mars 2025 10:15<br><b>À :</b> Claire Roux "
     "&lt;claire@roux.example&gt;<br><b>Objet :</b> [#5113] Erreur</font><div>&nbsp;</div></div>"
     "<div><p>Bonjour,</p><p>pouvez-vous nous dire quel navigateur vous utilisez ?</p></div></body></html>")
new = "Buongiorno,\n\nuso Chrome.\n\nCordiali saluti\nGiulia"
case("outlook-it-html-and-text-da-inviato", "R: [#5114] Errore",
     "Giulia Bianchi <giulia@ditta.example>", new,
     new + "\n\nDa: Example Helpdesk <helpdesk@example.com>\nInviato: lunedì 3 marzo 2025 10:15\n"
     "A: Giulia Bianchi <giulia@ditta.example>\nOggetto: [#5114] Errore\n\n" + OLD_FLAT + "\n",
     html="<html><body><p class=MsoNormal>Buongiorno,</p><p class=MsoNormal>&nbsp;</p><p class=MsoNormal>"
     "uso Chrome.</p></body></html>")
new = "お世話になっております。\n\nブラウザはEdgeです。スクリーンショットを添付します。\n\n佐藤"
case("outlook-ja-sashidashinin", "RE: [#5115] エラー", "佐藤 花子 <sato@corp.example>", new,
     new + "\n\n差出人: Example Helpdesk <helpdesk@example.com>\n送信日時: 2025年3月3日 10:15\n"
     "宛先: 佐藤 花子 <sato@corp.example>\n件名: [#5115] エラー\n\n" + OLD_FLAT + "\n")
new = "您好，\n\n我用的是Chrome浏览器，截图在附件里。\n\n李伟"
case("outlook-zh-fajianren", "答复: [#5116] 错误", "李伟 <liwei@corp.example>", new,
     new + "\n\n发件人: Example Helpdesk <helpdesk@example.com>\n发送时间: 2025年3月3日 10:15\n"
     "收件人: 李伟 <liwei@corp.example>\n主题: [#5116] 错误\n\n" + OLD_FLAT + "\n")
new = "Merhaba,\n\nChrome kullanıyoruz.\n\nİyi çalışmalar\nMehmet"
case("outlook-tr-kimden-gonderildi", "YNT: [#5117] Hata", "Mehmet Demir <mehmet@firma.example>",
     new,
     new + "\n\nKimden: Example Helpdesk <helpdesk@example.com>\nGönderildi: 3 Mart 2025 Pazartesi 10:15\n"
     "Kime: Mehmet Demir <mehmet@firma.example>\nKonu: [#5117] Hata\n\n" + OLD_FLAT + "\n")
new = "Dzień dobry,\n\nkorzystam z Firefoksa.\n\nPozdrawiam\nAnna"
case("outlook-pl-od-wyslano-do-temat", "RE: [#5118] Błąd", "Anna Kowalska <anna@firma.example>",
     new,
     new + "\n\nOd: Example Helpdesk <helpdesk@example.com>\nWysłano: poniedziałek, 3 marca 2025 10:15\n"
     "Do: Anna Kowalska <anna@firma.example>\nTemat: [#5118] Błąd\n\n" + OLD_FLAT + "\n")
new = "Olá,\n\nutilizo o Edge.\n\nCumprimentos,\nRui"
case("outlook-pt-de-enviado-para-assunto", "RE: [#5119] Erro", "Rui Costa <rui@empresa.example>",
     new,
     new + "\n\nDe: Example Helpdesk <helpdesk@example.com>\nEnviado: 3 de março de 2025 10:15\n"
     "Para: Rui Costa <rui@empresa.example>\nAssunto: [#5119] Erro\n\n" + OLD_FLAT + "\n")
new = (
    "Hello,\n\nEdge, screenshot attached.\n\nKind regards,\nOmar\n\nThis e-mail and any attachments are "
       "confidential and intended solely for the addressee.")
case("outlook-en-disclaimer-above-history", "RE: [#5120] Error",
     "Omar Haddad <omar@haddad.example>", new,
     new + "\n\n" + outlook_en("Omar Haddad <omar@haddad.example>", "Error") + "\n")

# Apple, iOS, Android
# ----------------------------------------------------------------------------------
new = "Добрый день,\n\nSafari, скриншот прилагаю.\n\nЕлена"
case("apple-ru-napisal-a", "Re: [#5130] Ошибка", "Елена <elena@icloud.example>", new,
     new + "\n\n> 3 мар. 2025 г., в 10:15, Example Helpdesk <helpdesk@example.com> написал(а):\n>\n"
     + quoted(OLD) + "\n")
new = "Chrome auf dem Handy.\n\nLG Tim"
case("ios-de-am-um-schrieb-footer", "AW: [#5131] Fehler", "Tim Berger <tim@berger.example>", new,
     new + "\n\nVon meinem iPhone gesendet\n\n> Am 03.03.2025 um 10:15 schrieb Example Helpdesk "
     "<helpdesk@example.com>:\n>\n> \ufeff" + quoted(OLD)[2:] + "\n")
new = "Спасибо, сейчас пришлю скриншот."
case("mailru-ru-mobile-footer", "Re: [#5132] Ошибка", "Игорь <igor@mail.example>", new,
     new + "\n\n\n--\nОтправлено из мобильной Почты Mail.ru\n\n\nпонедельник, 3 марта 2025 г., 10:15 +0300 от "
     "Example Helpdesk <helpdesk@example.com>:\n\n" + quoted(OLD, ">") + "\n")
new = "Хорошо, спасибо."
case("yandex-ru-mobile-footer-dated", "Re: [#5133] Ошибка", "Светлана <sveta@yandex.example>", new,
     new + "\n\n-- \nОтправлено из мобильного приложения Яндекс Почты\n\n03.03.2025, 10:15, \"Example Helpdesk\" "
     "<helpdesk@example.com>:\n" + quoted(OLD, ">") + "\n")
new = "Firefox on Android, screenshot attached."
case("k9-en-gmt-wrote-no-space-quote", "Re: [#5134] Error", "Nick Fox <nick@fox.example>", new,
     new + "\n\nOn 3 March 2025 10:15:12 GMT, Example Helpdesk <helpdesk@example.com> wrote:\n"
     + quoted(OLD,
              ">") + "\n\n-- \nSent from my Android device with K-9 Mail. Please excuse my brevity.\n",
     mailer="")
new = "Chrome, see screenshot."
case("fairemail-en-date-wrote", "Re: [#5135] Error", "Lina Park <lina@park.example>", new,
     new + "\n\nMarch 3, 2025 10:15:12 AM Example Helpdesk <helpdesk@example.com> wrote:\n\n"
     + quoted(OLD) + "\n")
new = "Yes I use Chrome\nThanks"
case("yahoo-en-android-footer-no-space", "Re: [#5136] Error", "Ruth Ames <ruth.ames@yahoo.example>",
     new,
     new + "\n\nSent from Yahoo Mail on Android\n\n  On Mon, 3 Mar 2025 at 10:15, Example Helpdesk"
     "<helpdesk@example.com> wrote:   " + OLD_FLAT.replace("\n", "\n  ") + "\n")
new = "Edge. Screenshot attached."
case("samsung-en-original-message-date-gmt", "Re: [#5137] Error", "Paul Kim <paul@kim.example>",
     new,
     new + "\n\n\n\nSent from my Galaxy\n\n\n-------- Original message --------\nFrom: Example Helpdesk "
     "<helpdesk@example.com> \nDate: 03/03/2025 10:15 (GMT+00:00) \nTo: Paul Kim <paul@kim.example> \n"
     "Subject: [#5137] Error \n\n" + OLD_FLAT + "\n")

# Other desktop and web clients
# ----------------------------------------------------------------------------
new = "Hello,\n\nwe use Safari on macOS 14.\n\nRegards,\nIan"
case("zoho-en-dashed-wrote-no-colon", "Re: [#5140] Error", "Ian Ross <ian@ross.example>", new,
     new + "\n\n\n---- On Mon, 03 Mar 2025 10:15:00 +0000 Example Helpdesk <helpdesk@example.com> wrote ---\n\n"
     + OLD_FLAT + "\n")
new = "Moin,\n\nwir nutzen Firefox ESR.\n\nGruß\nHauke"
case("roundcube-de-komma-schrieb", "Re: [#5141] Fehler", "Hauke Jansen <hauke@jansen.example>", new,
     new + "\n\nAm 03.03.2025 10:15, schrieb Example Helpdesk:\n" + quoted(OLD) + "\n")
new = "Bonjour,\n\nnous utilisons Firefox.\n\nCordialement\nLuc"
case("sogo-fr-le-a-ecrit", "Re: [#5142] Erreur", "Luc Petit <luc@petit.example>", new,
     new + "\n\nLe lundi, mars 03, 2025 10:15 CET, \"Example Helpdesk\" <helpdesk@example.com> a écrit:\n \n"
     + quoted(OLD) + "\n")
new = "Firefox 123.\n\nJoe"
case("mutt-en-bottom-post-after-quote", "Re: [#5143] Error", "Joe Hart <joe@hart.example>", new,
     "* Example Helpdesk <helpdesk@example.com> [2025-03-03 10:15 +0000]:\n" + quoted(
         OLD) + "\n\n" + new
     + "\n\n-- \nJoe Hart\n", mailer="")
new = "Chrome, screenshot attached.\n\nBest\nVera"
case("notes-en-wrote-on-date", "Re: [#5144] Error", "Vera Stone <vera@stone.example>", new,
     new + "\n\n\n\nFrom:\tExample Helpdesk <helpdesk@example.com>\nTo:\tVera Stone <vera@stone.example>\n"
     "Date:\t03/03/2025 10:15\nSubject:\t[#5144] Error\n\n\n\n" + OLD_FLAT + "\n")
new = "Chrome. Thanks!"
case("protonmail-en-on-monday-wrote", "Re: [#5145] Error", "Kai Berg <kai@proton.example>", new,
     new + "\n\nOn Monday, March 3rd, 2025 at 10:15, Example Helpdesk <helpdesk@example.com> wrote:\n\n\n"
     + quoted(OLD) + "\n")

# Forwards
# ------------------------------------------------------------------------------------------------
fwd = ("---------- Forwarded message ---------\nFrom: Facilities <facilities@harbour.example>\n"
       "Date: Mon, 3 Mar 2025 at 09:40\nSubject: Room booking screen blank\nTo: Tom Baker "
       "<t.baker@harbour.example>\n\n\nHi Tom, the room booking screen in B12 is blank again.\n\nFacilities")
case("gmail-en-forward-without-note", "Fwd: Room booking screen blank",
     "Tom Baker <t.baker@harbour.example>",
     fwd, fwd + "\n")
fwd = ("Could you help with this one?\n\nTom\n\n________________________________\nFrom: Facilities "
       "<facilities@harbour.example>\nSent: 03 March 2025 09:40\nTo: Tom Baker <t.baker@harbour.example>\n"
       "Subject: Room booking screen blank\n\nHi Tom, the room booking screen in B12 is blank again.")
case("owa-en-fw-rule-header-block", "FW: Room booking screen blank",
     "Tom Baker <t.baker@harbour.example>",
     fwd, fwd + "\n")
fwd = ("Hi,\n\nsee the bounce below.\n\n----- Forwarded message from Mail Delivery System "
       "<mailer-daemon@harbour.example> -----\n\nDate: Mon, 3 Mar 2025 09:40:00 +0000\nFrom: Mail Delivery System "
       "<mailer-daemon@harbour.example>\nTo: joe@hart.example\nSubject: Undelivered Mail Returned to Sender\n\n"
       "This is the mail system at host harbour.example.\n\n----- End forwarded message -----")
case("mutt-en-forwarded-message-from", "Fwd: Undelivered Mail Returned to Sender",
     "Joe Hart <joe@hart.example>",
     fwd, fwd + "\n", mailer="NeoMutt/20241212")
fwd = (
    "Bitte um Prüfung.\n\n-------- Weitergeleitete Nachricht --------\nBetreff: \tLizenzschlüssel ungültig\n"
       "Datum: \tMon, 3 Mar 2025 09:40:00 +0100\nVon: \tEinkauf <einkauf@firma.example>\nAn: \tHauke Jansen "
       "<hauke@jansen.example>\n\n\n\nDer Lizenzschlüssel wird als ungültig abgelehnt.")
case("thunderbird-de-weitergeleitete-nachricht-tabs", "WG: Lizenzschlüssel ungültig",
     "Hauke Jansen <hauke@jansen.example>", fwd, fwd + "\n", mailer="Mozilla Thunderbird")
new = "FYI – the printer works now, thank you."
case("outlook-en-fyi-reply-above-original", "RE: [#5150] Printer",
     "Omar Haddad <omar@haddad.example>", new,
     new + "\n\n-----Original Message-----\n" + outlook_en("Omar Haddad <omar@haddad.example>",
                                                           "Printer") + "\n")

# Customer's own words around quotes
# -------------------------------------------------------------------------
new = "Hi,\n\nChrome 122.\n\nYes, attached.\n\nCheers\nRob"
case("thunderbird-en-inline-browser-and-screenshot", "Re: [#5160] Error",
     "Rob Hale <rob@hale.example>",
     "Hi,\n\nChrome 122.\n\nYes, attached.\n\nCheers\nRob",
     "Hi,\n\nOn 03/03/2025 10:15, Example Helpdesk wrote:\n> Hello,\n>\n> thank you for getting in touch. "
     "Could you tell us which browser you use\n\nChrome 122.\n\n> and send a screenshot of the error?\n\n"
     "Yes, attached.\n\n> Best regards,\n> Priya Nair\n\nCheers\nRob\n")
new = "👍"
case("gmailandroid-en-emoji-only", "Re: [#5161] Error", "Ali Khan <ali@khan.example>", new,
     new + "\n\nOn Mon, 3 Mar 2025, 10:15 Example Helpdesk, <helpdesk@example.com> wrote:\n\n" + quoted(OLD) + "\n")
new = (
    "Hello,\n\nThe error says:\n\n    TypeError: Cannot read properties of undefined (reading 'id')\n"
       "        at render (app.js:1042:17)\n\nChrome 122.\n\nMaya")
case("gmail-en-stack-trace-indented", "Re: [#5162] Error", "Maya Roy <maya@roy.example>", new,
     new + "\n\nOn Mon, 3 Mar 2025 at 10:15, Example Helpdesk <helpdesk@example.com> wrote:\n\n"
     + quoted(OLD) + "\n")
new = ("Hi Priya,\n\nfrom: our IT team's notes\nsent: every Monday\n\nSafari on iPad.\n\nNoor")
case("apple-en-lowercase-header-words-in-text", "Re: [#5163] Error", "Noor Ali <noor@ali.example>",
     new,
     new + "\n\nOn 3 Mar 2025, at 10:15, Example Helpdesk <helpdesk@example.com> wrote:\n\n" + quoted(OLD) + "\n")

"""`maild report` and the account review pack, over April 2026 played through the real pipeline
(tests/report_fixture.py): every figure checked against values worked out by hand here.

Office hours are 09:00-17:30 Europe/London (8:30 a working day); Good Friday 3 April and Easter
Monday 6 April 2026 and the early May bank holiday (4 May) are closed. The default targets:
P1 15 minutes around the clock (no resolution target); P2 4 hours / 3 working days (25:30);
P3 1 working day (8:30) / 10 working days (85:00). Durations below are hours:minutes.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import MAILD
from maild.report import load
from maild.report.model import Period
from maild.report.render import as_json
from maild.schedule import reminders
from maild.store.models import Outbox
from png import colours
from report_fixture import Month, april, london

APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))
# the monthly-meeting reminder: the second Monday of May, 09:00
PACK_TIME = london(2026, 5, 11, 9, 5)


def hm(text: str) -> int:
    """`26:30` -> seconds."""
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


@pytest.fixture
def month(tmp_path: Path) -> Month:
    return april(tmp_path)


# Per incident: (response seconds, outcome, margin), (resolution seconds, outcome, margin), waiting.
EXPECTED = {
    # #2 opened Wed 1 Apr 00:30 BST: the office opens at 09:00, answered 10:00 -> 1:00 of 8:30.
    # Never resolved: 1 Apr 09:00 to Mon 11 May 09:05 is 25 working days (1, 2, 7-10, 13-17, 20-24,
    # 27-30 April; 1, 5-8 May) x 8:30 = 212:30, plus 0:05 -> 212:35, past 85:00 by 127:35.
    2: ((hm("1:00"), "met", hm("7:30")), (hm("212:35"), "missed", -hm("127:35")), 0),
    # #3 opened Thu 2 Apr 14:00 as P3, P2 from 15:00 (its clock starts again), answered 16:00
    # -> 1:00
    # of 4:00. Resolved Tue 7 Apr 11:00: Thu 15:00-17:30 2:30, Good Friday and Easter Monday closed,
    # Tue 09:00-11:00 2:00 -> 4:30 of 25:30, 21:00 to spare.
    3: ((hm("1:00"), "met", hm("3:00")), (hm("4:30"), "met", hm("21:00")), 0),
    # #5 opened Sat 11 Apr 10:00: the clock starts Mon 09:00; #pending with the answer Mon 14:00 ->
    # 5:00 of 8:30. Waiting Mon 14:00 to the customer's reply Wed 09:50, which restarts it (3:30 +
    # 8:30 + 0:50 = 12:50; the #reopen at 10:00 finds it open). Resolved Fri 17 Apr 12:00: Mon 5:00
    # + Wed 7:40 + Thu 8:30 + Fri 3:00 = 24:10 of 85:00.
    5: ((hm("5:00"), "met", hm("3:30")), (hm("24:10"), "met", hm("60:50")), hm("12:50")),
    # #7 P1 Sun 19 Apr 22:00, around the clock: answered 22:40 -> 0:40 of 0:15, missed by 0:25;
    # resolved Mon 01:30 -> 3:30, no resolution target.
    7: ((hm("0:40"), "missed", -hm("0:25")), (hm("3:30"), "no_target", None), 0),
    # #9 P2 from Fri 24 Apr 16:00: answered Mon 27 Apr 14:00 -> 1:30 + 5:00 = 6:30, missed by 2:30;
    # resolved Thu 30 Apr 17:00: 1:30 + 8:30 x 3 + 8:00 = 35:00, missed by 9:30.
    9: ((hm("6:30"), "missed", -hm("2:30")), (hm("35:00"), "missed", -hm("9:30")), 0),
    # #10 Wed 29 Apr 09:00, no answer by Mon 11 May 09:05: 29, 30 April, 1 May (4 May closed),
    # 5-8 May = 7 days x 8:30 = 59:30, plus 0:05 -> 59:35. Response missed by 51:05;
    # resolution open.
    10: ((hm("59:35"), "missed", -hm("51:05")), (hm("59:35"), "open", None), 0),
}


def test_incidents_against_hand_computed_times(month: Month) -> None:
    data = as_json(load.report(month.settings, APRIL, PACK_TIME))
    rows = {i["number"]: i for i in data["incidents"]}
    # #1 (31 March, 23:30 BST) is outside April; #2 (1 April, 00:30 BST = 31 March 23:30 UTC) is in.
    # #4 is a feature request, #6 was lowered to P4, #8 is an escalation.
    assert sorted(rows) == [2, 3, 5, 7, 9, 10]
    for number, (response, resolution, waiting) in EXPECTED.items():
        row = rows[number]
        assert (row["response"]["seconds"], row["response"]["outcome"], row["response"][
            "margin_seconds"]) \
            == response, number
        assert (row["resolution"]["seconds"], row["resolution"]["outcome"], row["resolution"][
            "margin_seconds"]) \
            == resolution, number
        assert row["waiting_seconds"] == waiting, number
    # 15:00 BST
    assert rows[3]["priorities"] == [3, 2] and rows[3]["clock_from"] == "2026-04-02T14:00:00Z"
    assert rows[3]["opened_at"] == "2026-04-02T13:00:00Z" and rows[3][
        "resolved_at"] == "2026-04-07T10:00:00Z"
    assert rows[7]["clock"] == "always" and rows[7]["response"]["target_seconds"] == 15 * 60
    assert rows[10]["responded_at"] is None and rows[10]["status"] == "new"


def test_summaries_against_hand_computed_figures(month: Month) -> None:
    data = as_json(load.report(month.settings, APRIL, PACK_TIME))
    summary = data["summary"]
    by_priority = {s["group"]: s for s in summary["by_priority"]}
    by_organisation = {s["group"]: s for s in summary["by_organisation"]}

    def figures(s: dict) -> tuple:
        return (s["count"], s["respond_median_seconds"], s["respond_p90_seconds"], s[
            "response_met"],
                s["response_decided"], s["response_met_percent"], s["resolve_median_seconds"],
                s["resolve_p90_seconds"], s["resolution_met"], s["resolution_decided"], s[
                    "resolution_met_percent"])

    # Medians and p90 over responses made / incidents resolved; p90 by nearest rank (ceil(0.9
    # n)-th).
    # P2 (#3, #9): respond 1:00, 6:30 -> median 3:45, p90 the 2nd = 6:30; resolve 4:30, 35:00 ->
    # median 19:45, p90 35:00; one met and one missed each.
    assert figures(by_priority["P2"]) == (2, hm("3:45"), hm("6:30"), 1, 2, 50.0, hm("19:45"), hm(
        "35:00"), 1, 2, 50.0)
    # P3 (#2, #5, #10): responses made 1:00, 5:00 -> median 3:00, p90 5:00; met #2 #5, missed
    # #10 (still
    # unanswered, past target) -> 2/3. Resolved only #5 (24:10); #2 missed while open, #10
    # undecided -> 1/2.
    assert figures(by_priority["P3"]) == (3, hm("3:00"), hm("5:00"), 2, 3, 66.7, hm("24:10"), hm(
        "24:10"), 1, 2, 50.0)
    # P1 (#7): 0:40 missed; resolved in 3:30 with no target to meet -> no resolution percentage.
    assert figures(by_priority["P1"]) == (1, hm("0:40"), hm("0:40"), 0, 1, 0.0, hm("3:30"), hm(
        "3:30"), 0, 0, None)
    assert figures(by_organisation["brookes"]) == figures(by_priority["P1"])
    # uni-bath (#2 #3 #5 #9 #10): responses 1:00 1:00 5:00 6:30 -> median 3:00, p90 the 4th =
    # 6:30; met
    # 3 of 5. Resolved 4:30 24:10 35:00 -> median 24:10, p90 the 3rd = 35:00; met #3 #5 of #2
    # #3 #5 #9.
    assert figures(by_organisation["uni-bath"]) == (5, hm("3:00"), hm("6:30"), 3, 5, 60.0, hm(
        "24:10"), hm("35:00"),
                                                    2, 4, 50.0)
    # All six: responses 0:40 1:00 1:00 5:00 6:30 -> median 1:00, p90 the 5th = 6:30; 3 met of 6.
    # Resolved 3:30 4:30 24:10 35:00 -> median 14:20, p90 the 4th = 35:00; 2 met of 4 decided.
    assert figures(summary["overall"]) == (6, hm("1:00"), hm("6:30"), 3, 6, 50.0, hm("14:20"), hm(
        "35:00"), 2, 4, 50.0)


def test_feature_requests_escalations_and_weekly_counts(month: Month) -> None:
    data = as_json(load.report(month.settings, APRIL, PACK_TIME))
    [feature] = data["feature_requests"]
    assert (feature["number"], feature["status"], feature["assignee"], feature["account_manager"],
            feature["outcome"]) \
        == (4, "new", "bob", "bob", "not answered yet")
    [escalation] = data["escalations"]
    assert (escalation["number"], escalation["subject"], escalation["assignee"], escalation[
        "outcome"]) \
        == (8, "Repeated outages", "carol", "resolved by carol on 2026-04-22")
    # Every ticket opened in April by week (Monday), by its priority now: #2 P3 and #3 P2 (w/c
    # 30 Mar),
    # #4 P4 and #5 P3, #6 P4, #7 P1, #8 P2 and #9 P2, #10 P3.
    assert [(w["week_of"], w["p1"], w["p2"], w["p3"], w["p4"]) for w in data["weekly"]] == [
        ("2026-03-30", 0, 1, 1, 0), ("2026-04-06", 0, 0, 1, 1), ("2026-04-13", 1, 0, 0, 1),
        ("2026-04-20", 0, 2, 0, 0), ("2026-04-27", 0, 0, 1, 0)]


def test_a_raised_priority_after_the_answer_has_no_response_to_judge(month: Month) -> None:
    """Answered as a P3, raised to P1 the next day: the P1 response target never ran (the engine
    counts it met as the ticket had left `new`), so it is neither met nor missed here."""
    month.at(london(2026, 4, 21, 10, 0)).customer("late", "u11@bath.example.ac.uk", "Slow pages")
    month.at(london(2026, 4, 21, 11, 0)).staff("late", "erin", "Looking.")
    month.at(london(2026, 4, 22, 9, 0)).staff("late", "erin", "#priority 1")
    row = next(i for i in as_json(load.report(month.settings, APRIL, PACK_TIME))["incidents"] if i[
        "number"] == 11)
    assert row["priorities"] == [3, 1] and row["response"]["outcome"] == "before_priority"
    assert row["response"]["seconds"] is None and row["response"]["margin_seconds"] is None


# ---------------------------------------------------------------- the command line

def report_cli(month: Month, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*MAILD, "-c", str(month.settings.config.path), "report", *args],
                          capture_output=True,
                          text=True, timeout=60)


def test_cli_json_md_csv_html(month: Month) -> None:
    # The command uses the real clock (after April 2026), so only what no longer moves is compared:
    # resolved incidents, and outcomes that are final.
    period = ("--since", "2026-04-01", "--until", "2026-04-30")
    result = report_cli(month, *period, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"period", "generated_at", "organisation", "incidents", "summary",
                         "feature_requests",
                         "escalations", "weekly"}
    rows = {i["number"]: i for i in data["incidents"]}
    for number in (3, 5, 7, 9):
        assert (rows[number]["response"]["seconds"], rows[number]["resolution"]["seconds"]) == \
               (EXPECTED[number][0][0], EXPECTED[number][1][0])
    assert rows[10]["response"]["outcome"] == "missed"

    md = report_cli(month, *period).stdout
    assert ("| 3 | uni-bath | P3 > P2 | resolved | 2026-04-02 14:00 | 2026-04-02 16:00 | "
            "2026-04-07 11:00 | 1:00 | 4:00 | met (3:00 spare) | 4:30 | 25:30 | "
            "met (21:00 spare) | 0:00 |") in md
    assert ("| 9 | uni-bath | P3 > P2 | resolved | 2026-04-24 16:00 | 2026-04-27 14:00 | "
            "2026-04-30 17:00 | 6:30 | 4:00 | MISSED by 2:30 | 35:00 | 25:30 | "
            "MISSED by 9:30 | 0:00 |") in md
    assert "| P2 | 2 | 3:45 | 6:30 | 50% (1/2) | 19:45 | 35:00 | 50% (1/2) |" in md
    assert ("| 8 | uni-bath | Repeated outages | resolved | 2026-04-20 09:00 | carol | bob | "
            "resolved by carol on 2026-04-22 |") in md

    sections = report_cli(month, *period, "--format", "csv").stdout.split("\n\n")
    assert len(sections) == 4
    incidents = list(csv.DictReader(io.StringIO(sections[0])))
    assert [r["number"] for r in incidents] == ["2", "3", "5", "7", "9", "10"]
    assert incidents[1]["resolution_seconds"] == str(hm("4:30")) and incidents[1][
        "priorities"] == "3 2"

    page = report_cli(month, *period, "--format", "html").stdout
    parser = Tags()
    parser.feed(page)
    assert parser.external == [] and "table" in parser.seen and "MISSED by 9:30" in page

    only = json.loads(report_cli(month, *period, "--organisation", "brookes", "--format",
                                 "json").stdout)
    assert [i["number"] for i in only["incidents"]] == [7] and only["escalations"] == []
    # March as well: #1, answered and resolved on 1 April at 10:00 (office opens 09:00: 1:00 each).
    march = json.loads(report_cli(month, "--since", "2026-03-01", "--until", "2026-04-30",
                                  "--format", "json").stdout)
    first = march["incidents"][0]
    assert (first["number"], first["response"]["seconds"], first["resolution"]["seconds"]) == (
        1, 3600, 3600)


def test_cli_refuses_a_backwards_period_and_an_unknown_organisation(month: Month) -> None:
    backwards = report_cli(month, "--since", "2026-05-01", "--until", "2026-04-01")
    assert backwards.returncode == 2 and "before it starts" in backwards.stderr
    unknown = report_cli(month, "--organisation", "nobody")
    assert unknown.returncode == 1 and "no organisation 'nobody'" in unknown.stderr


class Tags(HTMLParser):
    """The tags a page uses, and any reference that would load something from outside."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.add(tag)
        self.external += [f"{tag} {k}={v}" for k, v in attrs if k in ("src", "href",
                                                                      "background") and v]
        if tag in ("script", "link", "iframe", "object", "embed"):
            self.external.append(tag)


# ---------------------------------------------------------------- the pack in the reminders

def reminder_mail(month: Month, purpose: str, before: object, due: object) -> EmailMessage:
    # maild was running before: the reminder is not "missed"
    reminders.process_due(month.settings, before)
    reminders.process_due(month.settings, due)
    [row] = Outbox.select().where(Outbox.purpose == purpose)
    return message_from_bytes(bytes(row.content),  # type: ignore[return-value]
                              policy=policy.default)


def monthly_pack(month: Month) -> EmailMessage:
    return reminder_mail(month, "monthly_meeting", london(2026, 5, 11, 8, 0), PACK_TIME)


def test_monthly_meeting_mail_carries_the_pack_in_both_parts(month: Month) -> None:
    mail = monthly_pack(month)
    assert mail.get_content_type() == "multipart/alternative" and mail[
        "To"] == "Bob Account <bob@example.com>"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    # University of Bath only (#7 is Brookes'): the P2 and P3 rows and the total, as
    # hand-computed above.
    summary = [("P2", "2", "3:45 / 6:30", "50% (1/2)", "19:45 / 35:00", "50% (1/2)"),
               ("P3", "3", "3:00 / 5:00", "66.7% (2/3)", "24:10 / 24:10", "50% (1/2)"),
               ("all", "5", "3:00 / 6:30", "60% (3/5)", "24:10 / 35:00", "50% (2/4)")]
    for group, count, respond, met, resolve, resolved in summary:
        assert f"  {group:<9} {count:>9}  {respond:<20} {met:<14} {resolve:<20} {resolved}" in text
        cells = [group, count, *respond.split(" / "), met, *resolve.split(" / "), resolved]
        assert ">" + "</td><td style=\"padding:4px 8px;border-bottom:1px solid #ddd\">".join(
            cells) + "</td></tr>" \
            in html, group
    # Missed targets: #2 (resolution, still open), #9 (both), #10 (response, unanswered).
    for line in (
        "#2 P3 opened 2026-04-01 00:30: response 1:00 / 8:30 met (7:30 spare); "
                 "resolution 212:35 / 85:00 MISSED by 127:35",
                 "#9 P3 > P2 opened 2026-04-24 16:00: response 6:30 / 4:00 MISSED by 2:30; "
                 "resolution 35:00 / 25:30 MISSED by 9:30",
                 "#10 P3 opened 2026-04-29 09:00: response 59:35 / 8:30 "
                 "MISSED by 51:05"):
        assert line in text
    for cell in ("212:35 / 85:00: MISSED by 127:35", "6:30 / 4:00: MISSED by 2:30",
                 "59:35 / 8:30: MISSED by 51:05"):
        assert cell in html
    # Open tickets opened by the end of April: #2, #4 (the feature request), #6 (P4), #10.
    assert "Open tickets (4)" in text and "Open tickets (4)" in html
    for number in (2, 4, 6, 10):
        assert f"  #{number} " in text and f">#{number}</td>" in html
    # The chart: weeks of April (uni-bath's tickets: no P1, #7 is Brookes'), same counts both parts.
    for label, counts, total in (("30 Mar", "0/1/1/0", 2), ("06 Apr", "0/0/1/1", 2), ("13 Apr",
                                                                                      "0/0/0/1", 1),
                                 ("20 Apr", "0/2/0/0", 2), ("27 Apr", "0/0/1/0", 1)):
        assert f"  w/c {label}  {counts}  {total}" in text
        assert f"w/c {label}</td>" in html
    # The existing lines are still there.
    assert "Their tickets in April 2026: 8 opened (P2: 3, P3: 3, P4: 2), 4 still open." in text


def test_customer_text_is_escaped_in_the_html_part(month: Month) -> None:
    month.at(london(2026, 4, 30, 12, 0)).customer("hostile", "u12@bath.example.ac.uk",
                                                  'Feature request: <script>alert("x")</script> '
                                                  '& <b>bold</b>')
    html = monthly_pack(month).get_body(("html",)).get_content()
    assert "<script>" not in html and (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold" in html)


def test_annual_review_notice_carries_the_contract_year(month: Month) -> None:
    # uni-bath's contract started 1 March 2024: the anniversary 1 March 2027, the notice six weeks
    # before, Monday 18 January 2027, with the contract year from 1 March 2026 up to the day before.
    mail = reminder_mail(month, "annual_review_notice", london(2027, 1, 18, 8, 0), london(2027, 1,
                                                                                          18, 9, 5))
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    label = "the contract year from 01 March 2026 (to 17 January 2027 so far)"
    assert f"Service figures for {label}" in text and label in html
    # Six uni-bath incidents now: #1 (31 March) as well. Resolved ones keep their figures:
    # #1 1:00 (opened 23:30, answered and resolved 10:00), #3 4:30, #5 24:10, #9 35:00 -> median
    # (4:30 + 24:10) / 2 = 14:20, p90 the 4th = 35:00.
    assert "Priority 1-3 incidents opened from 2026-03-01 to 2027-01-17: 6." in text
    assert "  all               6  1:00 / 6:30" in text and "14:20 / 35:00" in text
    assert ">all</td>" in html and ">14:20</td>" in html


# ---------------------------------------------------------------- a real browser engine

def test_the_pack_renders_in_headless_chromium(month: Month, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, ("chromium is not installed: scripts/test installs Debian's package "
                      "(apt-get install -y chromium); this test does not skip")
    page = tmp_path / "pack.html"
    page.write_text(monthly_pack(month).get_body(("html",)).get_content(), encoding="utf-8")
    parser = Tags()
    parser.feed(page.read_text(encoding="utf-8"))
    assert parser.external == [], "the pack must load nothing from outside"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--enable-logging=stderr", "--v=0",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert ("University of Bath: service figures for April 2026" in dom.stdout
            and "MISSED by 9:30" in dom.stdout)
    assert "Uncaught" not in dom.stderr and ":CONSOLE(" not in dom.stderr, dom.stderr[-2000:]

    screenshot = tmp_path / "pack.png"
    shot = subprocess.run([chromium, *flags, f"--screenshot={screenshot}",
                           "--window-size=1000,1400",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
    print(f"\npack screenshot: {screenshot}", file=sys.stderr)
    print(f"pack screenshot: {screenshot}")
    width, height, counts = colours(screenshot)
    assert (width, height) == (1000, 1400) and screenshot.stat().st_size > 20_000
    white = counts[(255, 255, 255)]
    assert white < width * height * 0.99, "the page is (almost) blank"
    # The chart's bars were drawn: P2 orange and P3 blue (uni-bath had no P1 in April; P4 grey
    # shares
    # its colour with the legend only) cover many pixels each, not just the legend's 10x10 swatch.
    assert counts[(0xE6, 0x7E, 0x22)] > 1000 and counts[(0x2E, 0x86, 0xC1)] > 1000

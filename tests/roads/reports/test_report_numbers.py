"""The report's numbers and sentences on the hand-made weeks (conftest.py), worked out by hand."""

from datetime import date, datetime

import pytest

from roads.issues.window import CHINA_TZ
from roads.patrols.rates import area_rates
from roads.reports.compose import compose
from roads.reports.figures import Figure
from roads.reports.periods import containing
from roads.reports.providers import PROVIDERS, issue_figures, patrol_figures


def values(figures: list[Figure]) -> dict:
    return {f.key: f.value for f in figures}


def test_the_issue_figures_are_counted_by_hand(conn, hand_made):
    week, before = hand_made.week, hand_made.week.previous()
    assert values(issue_figures(conn, week.start, week.end)) == {
        "issues_reported": 5, "issues_filed": 3, "issues_closed": 2, "issues_closed_rate": 66.7,
        "issues_on_time_rate": 33.3, "issues_open_overdue": 2}
    assert values(issue_figures(conn, before.start, before.end)) == {
        "issues_reported": 8, "issues_filed": 8, "issues_closed": 6, "issues_closed_rate": 75.0,
        "issues_on_time_rate": 50.0, "issues_open_overdue": 2}


def test_the_summary_says_the_change_against_last_week(conn, hand_made):
    report = compose(conn, hand_made.week, providers=[issue_figures])
    assert report.summary[0] == (
        "本周新增问题 5 件，较上周减少 3 件（−37.5%）；立案 3 件，较上周减少 5 件（−62.5%）；"
        "结案 2 件，较上周减少 4 件（−66.7%）；结案率 66.7%，较上周降低 8.3 个百分点；"
        "按期结案率 33.3%，较上周降低 16.7 个百分点；超期未结 2 件，与上周持平。")
    verdicts = {row.figure.key: row.verdict for row in report.rows}
    assert verdicts == {"issues_reported": "好转", "issues_filed": "—", "issues_closed": "变差",
                        "issues_closed_rate": "变差", "issues_on_time_rate": "变差", "issues_open_overdue": "持平"}


def test_the_key_cases_put_the_longest_overdue_first(conn, hand_made):
    report = compose(conn, hand_made.week, providers=[])
    described = [case.description for case in report.key_cases]
    # c (open since Tuesday) and d (since Wednesday) are overdue longest at the week's end; then b
    # closed 68 h late; the rejected e is never a key case.
    assert described[:3] == ["本周案卷2", "本周案卷3", "本周案卷1"]
    assert "本周案卷4" not in described


def test_the_patrol_rate_is_the_one_of_the_leader_figures(conn):
    week = compose(conn, containing("weekly", date(2026, 11, 11)), providers=[patrol_figures])
    expected = area_rates(conn, "district", week.window)[0]
    rate = next(r for r in week.rows if r.figure.key == "patrol_rate")
    assert rate.figure.value == pytest.approx(round(expected["rate"] * 100, 1))
    assert week.window.start == datetime(2026, 11, 9, tzinfo=CHINA_TZ)  # Monday 00:00 Beijing time


def test_adding_an_instrument_is_one_more_provider(conn, hand_made):
    def dust(conn, start, end):
        return [Figure("dust_mean", "平均积尘量", 4.35 if start == hand_made.week.start else 5.1, "g/m²", "lower")]

    report = compose(conn, hand_made.week, providers=[*PROVIDERS, dust])
    assert report.summary[len(PROVIDERS)] == "本周平均积尘量 4.35 g/m²，较上周减少 0.75 g/m²（−14.7%）。"
    assert report.rows[-1].verdict == "好转"

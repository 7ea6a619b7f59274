"""A check-in answer's standing, the one rule behind summaries, nudges and streaks."""

from bot.rhythms.answers import AWAY, LATE, MISSING, ON_TIME, perfect, standings
from bot.rhythms.models import Answer, Checkin

PEOPLE = [{"team": "T1", "user": "UA"}, {"team": "T1", "user": "UB"}, {"team": "T2", "user": "UC"}]


def checkin(*answers: tuple[str, str, bool], expected=PEOPLE) -> Checkin:
    return Checkin(
        status="sent",
        expected=expected,
        answers=[Answer(team_id=team, user_id=user, late=late) for team, user, late in answers],
    )


def test_each_expected_person_stands_on_their_first_answer_or_their_absence():
    result = standings(checkin(("T1", "UA", False), ("T1", "UB", True), ("T1", "UA", True)), away={("T2", "UC")})
    assert result == {("T1", "UA"): ON_TIME, ("T1", "UB"): LATE, ("T2", "UC"): AWAY}


def test_unanswered_and_not_away_is_missing_and_answering_beats_being_away():
    result = standings(checkin(("T1", "UA", False)), away={("T1", "UA")})
    assert result == {("T1", "UA"): ON_TIME, ("T1", "UB"): MISSING, ("T2", "UC"): MISSING}


def test_the_same_user_id_in_another_team_is_another_person():
    assert standings(checkin(("T9", "UA", False)))[("T1", "UA")] == MISSING


def test_a_streak_counts_only_check_ins_everyone_answered_on_time():
    everyone = [("T1", "UA", False), ("T1", "UB", False), ("T2", "UC", False)]
    assert perfect(checkin(*everyone))
    assert not perfect(checkin(*everyone[:2], ("T2", "UC", True)))
    assert not perfect(checkin(*everyone[:2]))
    assert not perfect(checkin(expected=[]))

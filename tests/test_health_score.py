"""The health score: one pure function from a window's facts to named parts with weights."""

from hypothesis import given
from hypothesis import strategies as st

from bot.governance.health import WEIGHTS, HealthFacts, health_score, parts_of


def test_weights_add_up_to_one_hundred_and_every_part_is_named():
    assert sum(WEIGHTS.values()) == 100
    assert [p.key for p in health_score(HealthFacts()).parts] == list(WEIGHTS)


def test_an_empty_window_is_neutral_where_nothing_can_be_judged_and_kudos_count_against():
    parts = parts_of(HealthFacts())
    assert parts == {"checkins": 50, "escalations": 100, "feedback": 50, "actions": 100, "repeats": 100, "kudos": 0}
    assert health_score(HealthFacts()).score == round((50 * 20 + 100 * 20 + 50 * 20 + 100 * 15 + 100 * 10) / 100)


def test_a_healthy_partnership_scores_one_hundred():
    facts = HealthFacts(
        checkins_expected=40,
        checkins_on_time=40,
        targets_due=10,
        targets_met=10,
        feedback_scores=(5.0, 5.0),
        actions_due=3,
        kudos_client_to_vendor=6,
        kudos_vendor_to_client=9,
    )
    health = health_score(facts)
    assert health.score == 100 and health.pulling_down() == []


def test_each_part_follows_its_rule():
    facts = HealthFacts(
        checkins_expected=20,
        checkins_on_time=15,
        targets_due=4,
        targets_met=3,
        escalations_overdue=1,
        feedback_scores=(4.0, None),  # one side silent: counts 0
        actions_due=4,
        actions_overdue=1,
        repeated_points=2,
        kudos_client_to_vendor=3,
        kudos_vendor_to_client=0,
    )
    assert parts_of(facts) == {
        "checkins": 75,
        "escalations": 60,  # 75 % of targets met, minus 15 for the open overdue one
        "feedback": 37.5,  # (4-1)/4 = 75, silence 0
        "actions": 75,
        "repeats": 50,
        "kudos": 25,  # 3 of 6 one way, none the other
    }
    health = health_score(facts)
    assert health.score == round((75 * 20 + 60 * 20 + 37.5 * 20 + 75 * 15 + 50 * 10 + 25 * 15) / 100)
    # Feedback costs 12.5 points, kudos 11.25: the two pulling it down most.
    assert [p.key for p in health.pulling_down()] == ["feedback", "kudos"]


def test_penalties_never_go_below_zero():
    parts = parts_of(
        HealthFacts(targets_due=1, escalations_overdue=30, repeated_points=9, actions_due=1, actions_overdue=5)
    )
    assert parts["escalations"] == parts["repeats"] == parts["actions"] == 0


counts = st.integers(min_value=0, max_value=500)


@given(
    expected=counts,
    on_time=counts,
    due=counts,
    met=counts,
    overdue=counts,
    scores=st.lists(st.one_of(st.none(), st.floats(min_value=1, max_value=5)), max_size=12),
    actions_due=counts,
    actions_overdue=counts,
    repeats=counts,
    cv=counts,
    vc=counts,
)
def test_any_facts_give_a_score_between_0_and_100(
    expected, on_time, due, met, overdue, scores, actions_due, actions_overdue, repeats, cv, vc
):
    facts = HealthFacts(
        checkins_expected=expected,
        checkins_on_time=min(on_time, expected),
        targets_due=due,
        targets_met=min(met, due),
        escalations_overdue=overdue,
        feedback_scores=tuple(scores),
        actions_due=actions_due,
        actions_overdue=min(actions_overdue, actions_due),
        repeated_points=repeats,
        kudos_client_to_vendor=cv,
        kudos_vendor_to_client=vc,
    )
    health = health_score(facts)
    assert 0 <= health.score <= 100
    assert all(0 <= p.score <= 100 for p in health.parts)
    assert len(health.pulling_down()) <= 2

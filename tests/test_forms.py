"""Block Kit builders apply Slack's limits themselves, so no caller has to."""

from bot.slack import forms


def test_every_text_is_held_to_its_slack_limit():
    long = "x" * 5000
    assert len(forms.plain(long)["text"]) == 150
    assert len(forms.option(long, long)["text"]["text"]) == 150 and len(forms.option(long, long)["value"]) == 150
    button = forms.button(long, "act", value=long)
    assert len(button["text"]["text"]) == 75 and len(button["value"]) == 2000
    view = forms.modal("cb", long, [], submit=long)
    assert len(view["title"]["text"]) == 24 and len(view["submit"]["text"]) == 24
    assert len(forms.section(long)["text"]["text"]) == 3000 and forms.section(long)["text"]["text"].endswith("…")
    assert len(forms.context(long)["elements"][0]["text"]) == 3000


def test_a_text_input_never_starts_longer_than_it_may_be():
    block = forms.text_input("title", "x" * 500, initial="y" * 900, max_length=500)
    assert block["label"]["text"] == "x" * 150
    assert block["element"]["initial_value"] == "y" * 500 and block["element"]["max_length"] == 500
    assert forms.text_input("t", "T", max_length=10_000)["element"]["max_length"] == 3000


def test_choices_start_on_the_option_with_the_initial_value():
    options = [forms.option("One", "1"), forms.option("Two", "2")]
    assert forms.static_select("n", "N", options, initial="2")["element"]["initial_option"] == options[1]
    assert "initial_option" not in forms.radio_buttons("n", "N", options)["element"]
    assert forms.checkboxes("n", "N", options, initial=["1"])["element"]["initial_options"] == [options[0]]


def test_each_input_answers_under_the_action_id_state_values_reads():
    inputs = [
        forms.text_input("a", "A"),
        forms.static_select("b", "B", [forms.option("x", "x")]),
        forms.radio_buttons("c", "C", [forms.option("x", "x")]),
        forms.checkboxes("d", "D", [forms.option("x", "x")]),
        forms.users_select("e", "E"),
        forms.multi_users_select("f", "F"),
        forms.conversations_select("g", "G", initial="C1"),
        forms.datepicker("h", "H"),
        forms.timepicker("i", "I", initial="09:00"),
    ]
    assert all(block["type"] == "input" and block["element"]["action_id"] == "value" for block in inputs)

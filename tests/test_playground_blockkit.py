"""The playground's Block Kit renderer: JSON in, HTML out, drawn as Slack draws it for one viewer."""

from datetime import datetime, timezone

from playground import blockkit
from playground.blockkit import Context, mrkdwn

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def ctx(**kwargs) -> Context:
    return Context(names={"U1": "Carla", "C1": "acme-globex"}, tz="Europe/London", now=NOW, **kwargs)


def test_mrkdwn_styles_code_links_and_emoji():
    html = mrkdwn("*bold* _italic_ ~gone~ `*not bold*` <https://example.com|the site> :tada: :no_such_emoji:", ctx())
    assert "<b>bold</b>" in html and "<i>italic</i>" in html and "<s>gone</s>" in html
    assert "<code>*not bold*</code>" in html
    assert '<a href="https://example.com" target="_blank" rel="noopener">the site</a>' in html
    assert "🎉" in html and ":no_such_emoji:" in html


def test_mrkdwn_lists_quotes_and_code_blocks():
    html = mrkdwn("> said so\n• one\n• two\n1. first\n```\n*raw* <b>\n```", ctx())
    assert "<blockquote>said so</blockquote>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<ol><li>first</li></ol>" in html
    assert "<pre>*raw* &lt;b&gt;</pre>" in html


def test_mentions_and_channels_show_names_and_specials():
    html = mrkdwn("<@U1> <@U9|someone> <#C1> <!here>", ctx())
    assert "@Carla" in html and "@someone" in html and "#acme-globex" in html and "@here" in html


def test_user_text_stays_escaped():
    """Slack text arrives with &lt; &gt; &amp; escaped; it must never become markup."""
    html = mrkdwn("a &lt;script&gt;alert(1)&lt;/script&gt; &amp; b", ctx())
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; b" in html


def test_dates_are_drawn_in_the_viewers_timezone():
    epoch = int(datetime(2026, 11, 23, 17, 30, tzinfo=timezone.utc).timestamp())
    token = f"<!date^{epoch}^{{date_short_pretty}} at {{time}}|fallback>"
    assert "today at 5:30 PM" in mrkdwn(token, ctx())
    manila = Context(tz="Asia/Manila", now=NOW)
    assert "tomorrow at 1:30 AM" in mrkdwn(token, manila)
    assert "2026-11-23" in mrkdwn(f"<!date^{epoch}^{{date_num}}|x>", ctx())
    assert "Monday, November 23rd, 2026" in mrkdwn(f"<!date^{epoch}^{{date_long}}|x>", ctx())


def test_layout_blocks():
    html = blockkit.blocks(
        [
            {"type": "header", "text": {"type": "plain_text", "text": "Status :tada:"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Open*"},
             "fields": [{"type": "mrkdwn", "text": "*P1*"}, {"type": "plain_text", "text": "2"}]},
            {"type": "divider"},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "_small_"},
                                             {"type": "image", "image_url": "https://x/i.png", "alt_text": "i"}]},
            {"type": "image", "image_url": "https://x/big.png", "alt_text": "chart",
             "title": {"type": "plain_text", "text": "Chart"}},
        ],
        ctx(),
    )  # fmt: skip
    assert '<div class="bk-header">Status 🎉</div>' in html
    assert '<div class="bk-fields"><div class="bk-field"><b>P1</b></div><div class="bk-field">2</div></div>' in html
    assert '<hr class="bk-divider">' in html
    assert '<div class="bk-context"><span><i>small</i></span><img' in html
    assert '<figcaption>Chart</figcaption><img src="https://x/big.png" alt="chart">' in html


def test_buttons_carry_style_value_and_ids_for_the_payload():
    html = blockkit.blocks(
        [{"type": "actions", "block_id": "card", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go", "value": "7",
             "style": "primary"},
            {"type": "button", "text": {"type": "plain_text", "text": "Stop"}, "action_id": "stop", "style": "danger",
             "confirm": {"text": {"type": "plain_text", "text": "Sure?"}}},
            {"type": "button", "text": {"type": "plain_text", "text": "No id"}},
        ]}],
        ctx(),
    )  # fmt: skip
    assert 'class="bk-button primary" data-block="card" data-action="go" data-type="button" data-value="7"' in html
    assert 'class="bk-button danger"' in html and 'data-confirm="Sure?"' in html
    assert 'data-action="card-a2"' in html  # Slack names elements without an action_id; so do we, stably


def test_interactive_elements():
    options = [{"text": {"type": "plain_text", "text": n}, "value": v} for n, v in (("One", "1"), ("Two", "2"))]
    elements = [
        {"type": "static_select", "action_id": "s", "options": options, "initial_option": options[1]},
        {"type": "multi_static_select", "action_id": "m", "options": options},
        {"type": "users_select", "action_id": "u", "initial_user": "U1"},
        {"type": "overflow", "action_id": "o", "options": options},
        {"type": "datepicker", "action_id": "d", "initial_date": "2026-12-01"},
        {"type": "timepicker", "action_id": "t", "initial_time": "09:30"},
        {"type": "radio_buttons", "action_id": "r", "options": options},
        {"type": "checkboxes", "action_id": "c", "options": options, "initial_options": [options[0]]},
        {"type": "number_input", "action_id": "n", "is_decimal_allowed": False, "min_value": "1"},
    ]
    html = blockkit.blocks([{"type": "actions", "block_id": "b", "elements": elements}], ctx(people=[("U1", "Carla")]))
    assert '<option value="2" selected>Two</option>' in html
    assert 'data-type="multi_static_select" multiple>' in html
    assert '<option value="U1" selected>Carla</option>' in html
    assert 'class="bk-overflow"' in html
    assert 'type="date"' in html and 'value="2026-12-01"' in html
    assert 'type="time"' in html and 'value="09:30"' in html
    assert 'type="radio" name="b/r" value="1">' in html
    assert 'type="checkbox" name="b/c" value="1" checked>' in html
    assert 'type="number"' in html and 'min="1"' in html and 'step="1"' in html


def test_inputs_show_what_was_typed_and_their_errors():
    view_blocks = [
        {"type": "input", "block_id": "title", "label": {"type": "plain_text", "text": "Title"},
         "element": {"type": "plain_text_input", "action_id": "value", "initial_value": "first"}},
        {"type": "input", "block_id": "why", "optional": True, "label": {"type": "plain_text", "text": "Why"},
         "hint": {"type": "plain_text", "text": "A sentence"},
         "element": {"type": "plain_text_input", "action_id": "value", "multiline": True}},
    ]  # fmt: skip
    typed = {"title": {"value": {"type": "plain_text_input", "value": "typed <b>"}}}
    html = blockkit.blocks(view_blocks, ctx(state=typed, errors={"title": "Too short."}))
    assert 'value="typed &lt;b&gt;"' in html and "first" not in html
    assert '<label class="bk-label" for="input-title-value">Title</label>' in html
    assert 'class="bk-input-block has-error"' in html and '<div class="bk-error" role="alert">Too short.</div>' in html
    assert "<textarea" in html and "(optional)" in html and "A sentence" in html


def test_what_is_not_drawn_says_so():
    html = blockkit.blocks([{"type": "video", "title": {"type": "plain_text", "text": "v"}}], ctx())
    assert "video block is not drawn by the playground" in html


def test_a_message_without_blocks_shows_its_text():
    assert "<b>hi</b>" in blockkit.message({"text": "*hi*", "blocks": []}, ctx())

"""Block Kit in, HTML out: the one place that knows how Slack draws blocks, elements and mrkdwn.

A `Context` says who is looking (names for mentions, their timezone for `<!date>` tokens) and, for
modals, what was typed and which inputs carry errors. Every interactive element carries
data-block / data-action / data-type so the page can send Slack's payloads back."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup

EMOJI = {
    "white_check_mark": "✅", "warning": "⚠️", "x": "❌", "tada": "🎉", "hourglass": "⌛", "red_circle": "🔴",
    "repeat": "🔁", "construction": "🚧", "zipper_mouth_face": "🤐", "triangular_flag_on_post": "🚩",
    "star2": "🌟", "small_blue_diamond": "🔹", "large_orange_diamond": "🔶", "shield": "🛡️",
    "rotating_light": "🚨", "palm_tree": "🌴", "mute": "🔇", "fire": "🔥", "dart": "🎯", "clap": "👏",
    "calendar": "📅", "birthday": "🎂", "bar_chart": "📊", "alarm_clock": "⏰", "thumbsup": "👍", "+1": "👍",
    "heart": "❤️", "eyes": "👀", "raised_hands": "🙌", "rocket": "🚀", "wave": "👋", "pray": "🙏",
    "smile": "😄", "slightly_smiling_face": "🙂", "memo": "📝", "pushpin": "📌", "bell": "🔔", "star": "⭐",
    "100": "💯", "muscle": "💪", "handshake": "🤝", "bulb": "💡", "speech_balloon": "💬", "lock": "🔒",
    "ok_hand": "👌", "sparkles": "✨", "trophy": "🏆", "chart_with_upwards_trend": "📈", "silence": "🤫",
}  # fmt: skip


@dataclass
class Context:
    names: dict[str, str] = field(default_factory=dict)  # user or channel id -> name
    tz: str = "UTC"
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    people: list[tuple[str, str]] = field(default_factory=list)  # (id, name) for users selects
    channels: list[tuple[str, str]] = field(default_factory=list)  # (id, name) for conversation selects
    state: dict = field(default_factory=dict)  # modal: {block_id: {action_id: element state}}
    errors: dict = field(default_factory=dict)  # modal: {block_id: message}


def esc(value) -> str:
    return html.escape(str(value), quote=True)


# -- mrkdwn ---------------------------------------------------------------------------------
_TOKEN = re.compile(r"<([^<>\n]+)>")
_CODE_BLOCK = re.compile(r"```(.*?)```", re.S)
_INLINE_CODE = re.compile(r"`([^`\n]+)`")
_STYLES = [
    (re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])"), "b"),
    (re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)(?<!\s)_(?![\w_])"), "i"),
    (re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)(?<!\s)~(?![\w~])"), "s"),
]
_EMOJI = re.compile(r":([a-z0-9_+-]+):")
_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


def _day(moment: datetime) -> str:
    suffix = "th" if 10 <= moment.day % 100 <= 20 else _ORDINAL.get(moment.day % 10, "th")
    return f"{moment.day}{suffix}"


def format_date(epoch: int, fmt: str, ctx: Context) -> str:
    """Slack's <!date^…> tokens, drawn in the viewer's timezone."""
    zone = ZoneInfo(ctx.tz)
    moment = datetime.fromtimestamp(epoch, timezone.utc).astimezone(zone)
    today = ctx.now.astimezone(zone).date()
    relative = {today: "today", today - timedelta(days=1): "yesterday", today + timedelta(days=1): "tomorrow"}
    plain = {
        "date_num": moment.strftime("%Y-%m-%d"),
        "date": f"{moment:%B} {_day(moment)}, {moment.year}",
        "date_short": f"{moment:%b} {moment.day}, {moment.year}",
        "date_long": f"{moment:%A}, {moment:%B} {_day(moment)}, {moment.year}",
        "time": moment.strftime("%I:%M %p").lstrip("0"),
        "time_secs": moment.strftime("%I:%M:%S %p").lstrip("0"),
        "day_divider_pretty": f"{moment:%A}, {moment:%B} {_day(moment)}",
    }
    for name in ("date", "date_short", "date_long"):
        plain[name + "_pretty"] = relative.get(moment.date(), plain[name])
    return re.sub(r"\{(\w+)\}", lambda m: plain.get(m.group(1), m.group(0)), fmt)


def _token(inner: str, ctx: Context) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        name = ctx.names.get(target[1:]) or label or target[1:]
        return f'<span class="mention" data-user="{esc(target[1:])}">@{esc(name)}</span>'
    if target.startswith("#"):
        name = ctx.names.get(target[1:]) or label or target[1:]
        return f'<span class="mention channel">#{esc(name)}</span>'
    if target.startswith("!date^"):
        parts = target.split("^")
        try:
            text = format_date(int(parts[1]), parts[2], ctx)
        except (IndexError, ValueError):
            return esc(label or inner)
        return f'<time class="date" title="{esc(ctx.tz)}">{esc(text)}</time>'
    if target.startswith("!subteam^"):
        return f'<span class="mention">{esc(label or "@group")}</span>'
    if target.startswith("!"):
        return f'<span class="mention">@{esc(target[1:])}</span>'
    if target.startswith(("http://", "https://", "mailto:")):
        return f'<a href="{esc(target)}" target="_blank" rel="noopener">{esc(html.unescape(label or target))}</a>'
    return esc(html.unescape("<" + inner + ">"))


def _inline(text: str, ctx: Context) -> str:
    saved: list[str] = []

    def keep(rendered: str) -> str:
        saved.append(rendered)
        return f"\x00{len(saved) - 1}\x00"

    text = _INLINE_CODE.sub(lambda m: keep(f"<code>{esc(html.unescape(m.group(1)))}</code>"), text)
    text = _TOKEN.sub(lambda m: keep(_token(m.group(1), ctx)), text)
    text = esc(html.unescape(text))
    for pattern, tag in _STYLES:
        text = pattern.sub(lambda m, tag=tag: f"<{tag}>{m.group(1)}</{tag}>", text)
    text = _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    return re.sub("\x00(\\d+)\x00", lambda m: saved[int(m.group(1))], text)


def _lines(text: str, ctx: Context) -> str:
    out: list[str] = []
    open_list = None
    for line in text.split("\n"):
        bullet = re.match(r"^\s*(?:•|◦|-|\*)\s+(.*)$", line)
        numbered = re.match(r"^\s*\d+[.)]\s+(.*)$", line)
        kind = "ul" if bullet else "ol" if numbered else None
        if open_list and kind != open_list:
            out.append(f"</{open_list}>")
            open_list = None
        if kind:
            if open_list is None:
                out.append(f"<{kind}>")
                open_list = kind
            out.append(f"<li>{_inline((bullet or numbered).group(1), ctx)}</li>")
        elif line.startswith(("&gt;", ">")):
            out.append(f"<blockquote>{_inline(re.sub(r'^(&gt;|>) ?', '', line), ctx)}</blockquote>")
        else:
            out.append(_inline(line, ctx) + "<br>")
    if open_list:
        out.append(f"</{open_list}>")
    return "".join(out).removesuffix("<br>")


def mrkdwn(text: str, ctx: Context) -> Markup:
    parts = _CODE_BLOCK.split(text or "")
    rendered = [
        f"<pre>{esc(html.unescape(part.strip(chr(10))))}</pre>" if index % 2 else _lines(part, ctx)
        for index, part in enumerate(parts)
    ]
    return Markup("".join(rendered))


def text_object(obj: dict | None, ctx: Context) -> Markup:
    if not obj:
        return Markup("")
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text", ""), ctx)
    return Markup(_EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), esc(obj.get("text", ""))))


# -- elements -------------------------------------------------------------------------------
def element_ids(block: dict, block_index: int, element: dict, element_index: int = 0) -> tuple[str, str]:
    """Slack gives blocks and elements ids when the app did not; these are stable for one message."""
    block_id = block.get("block_id") or f"b{block_index}"
    return block_id, element.get("action_id") or f"{block_id}-a{element_index}"


def _options(element: dict) -> list[dict]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def find_option(element: dict, value: str) -> dict | None:
    return next((o for o in _options(element) if o.get("value") == value), None)


def _current(element: dict, state: dict | None):
    """What the element shows now: what the person chose in this modal, else its initial value."""
    kind = element.get("type")
    if state:
        for key in ("value", "selected_option", "selected_options", "selected_user", "selected_users",
                    "selected_conversation", "selected_channel", "selected_date", "selected_time"):  # fmt: skip
            if key in state:
                chosen = state[key]
                if key == "selected_option":
                    return chosen["value"] if chosen else None
                if key == "selected_options":
                    return [o["value"] for o in chosen or []]
                return chosen
    if kind in ("static_select", "radio_buttons", "overflow"):
        return (element.get("initial_option") or {}).get("value")
    if kind in ("checkboxes", "multi_static_select"):
        return [o["value"] for o in element.get("initial_options") or []]
    initial_keys = {"users_select": "initial_user", "multi_users_select": "initial_users",
                    "conversations_select": "initial_conversation", "channels_select": "initial_channel",
                    "datepicker": "initial_date", "timepicker": "initial_time"}  # fmt: skip
    return element.get(initial_keys.get(kind, "initial_value"))


def initial_value(element: dict):
    return _current(element, None)


def _select(attrs: str, choices: list[tuple[str, str]], chosen, placeholder: str, multiple: bool) -> str:
    chosen_set = set(chosen) if isinstance(chosen, list) else {chosen}
    options = [] if multiple else [f'<option value="">{esc(placeholder or "Select an item")}</option>']
    for value, label in choices:
        selected = " selected" if value in chosen_set else ""
        options.append(f'<option value="{esc(value)}"{selected}>{esc(label)}</option>')
    return f"<select {attrs}{' multiple' if multiple else ''}>{''.join(options)}</select>"


def element(el: dict, block_id: str, action_id: str, ctx: Context, state: dict | None = None, dom_id: str = "") -> str:
    kind = el.get("type", "")
    attrs = f'data-block="{esc(block_id)}" data-action="{esc(action_id)}" data-type="{esc(kind)}"'
    if dom_id:
        attrs += f' id="{esc(dom_id)}"'
    placeholder = (el.get("placeholder") or {}).get("text", "")
    chosen = _current(el, state)
    if kind == "button":
        style = f" {esc(el['style'])}" if el.get("style") in ("primary", "danger") else ""
        confirm = el.get("confirm")
        confirm_attr = f' data-confirm="{esc((confirm.get("text") or {}).get("text", ""))}"' if confirm else ""
        return (
            f'<button type="button" class="bk-button{style}" {attrs} data-value="{esc(el.get("value", ""))}"'
            f"{confirm_attr}>{text_object(el.get('text'), ctx)}</button>"
        )
    if kind == "image":
        return f'<img class="bk-image-el" src="{esc(el.get("image_url", ""))}" alt="{esc(el.get("alt_text", ""))}">'
    if kind in ("static_select", "multi_static_select", "external_select", "overflow"):
        choices = [(o["value"], o["text"]["text"]) for o in _options(el)]
        if kind == "overflow":
            return _select(f'class="bk-overflow" {attrs}', choices, None, "⋯", False)
        return _select(f'class="bk-select" {attrs}', choices, chosen, placeholder, kind.startswith("multi"))
    if kind in ("users_select", "multi_users_select"):
        return _select(f'class="bk-select" {attrs}', ctx.people, chosen, placeholder, kind.startswith("multi"))
    if kind in ("conversations_select", "channels_select", "multi_conversations_select", "multi_channels_select"):
        choices = [(cid, f"#{name}") for cid, name in ctx.channels]
        return _select(f'class="bk-select" {attrs}', choices, chosen, placeholder, kind.startswith("multi"))
    if kind in ("radio_buttons", "checkboxes"):
        control = "radio" if kind == "radio_buttons" else "checkbox"
        chosen_set = set(chosen) if isinstance(chosen, list) else {chosen}
        name = f"{block_id}/{action_id}"
        items = []
        for option in _options(el):
            checked = " checked" if option["value"] in chosen_set else ""
            described = option.get("description")
            items.append(
                f'<label class="bk-choice"><input type="{control}" name="{esc(name)}" value="{esc(option["value"])}"'
                f"{checked}> <span>{text_object(option.get('text'), ctx)}"
                f"{f'<small>{text_object(described, ctx)}</small>' if described else ''}</span></label>"
            )
        return f'<div class="bk-choices" {attrs}>{"".join(items)}</div>'
    if kind in ("datepicker", "timepicker"):
        control = "date" if kind == "datepicker" else "time"
        return f'<input class="bk-input" type="{control}" {attrs} value="{esc(chosen or "")}">'
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        control = {"number_input": "number", "email_text_input": "email", "url_text_input": "url"}.get(kind, "text")
        limits = "".join(
            f' {name}="{esc(el[key])}"'
            for key, name in (("max_length", "maxlength"), ("min_value", "min"), ("max_value", "max"))
            if el.get(key) is not None
        )
        if kind == "number_input":
            limits += ' step="any"' if el.get("is_decimal_allowed") else ' step="1"'
        common = f'class="bk-input" {attrs} placeholder="{esc(placeholder)}"{limits}'
        if el.get("multiline"):
            return f"<textarea {common} rows=4>{esc(chosen or '')}</textarea>"
        return f'<input type="{control}" {common} value="{esc(chosen or "")}">'
    return f'<span class="bk-unsupported">[{esc(kind)} is not drawn by the playground]</span>'


# -- blocks ---------------------------------------------------------------------------------
def block(b: dict, index: int, ctx: Context) -> str:
    kind = b.get("type")
    if kind == "header":
        return f'<div class="bk-header">{text_object(b.get("text"), ctx)}</div>'
    if kind == "divider":
        return '<hr class="bk-divider">'
    if kind == "section":
        body = f'<div class="bk-text">{text_object(b.get("text"), ctx)}</div>' if b.get("text") else ""
        if b.get("fields"):
            cells = "".join(f'<div class="bk-field">{text_object(f, ctx)}</div>' for f in b["fields"])
            body += f'<div class="bk-fields">{cells}</div>'
        accessory = ""
        if b.get("accessory"):
            block_id, action_id = element_ids(b, index, b["accessory"])
            accessory = f'<div class="bk-accessory">{element(b["accessory"], block_id, action_id, ctx)}</div>'
        return f'<div class="bk-section"><div class="bk-main">{body}</div>{accessory}</div>'
    if kind == "context":
        parts = [
            element(e, "", "", ctx) if e.get("type") == "image" else f"<span>{text_object(e, ctx)}</span>"
            for e in b.get("elements") or []
        ]
        return f'<div class="bk-context">{"".join(parts)}</div>'
    if kind == "actions":
        parts = []
        for number, el in enumerate(b.get("elements") or []):
            block_id, action_id = element_ids(b, index, el, number)
            parts.append(element(el, block_id, action_id, ctx, (ctx.state.get(block_id) or {}).get(action_id)))
        return f'<div class="bk-actions">{"".join(parts)}</div>'
    if kind == "image":
        title = f"<figcaption>{text_object(b.get('title'), ctx)}</figcaption>" if b.get("title") else ""
        src, alt = esc(b.get("image_url", "")), esc(b.get("alt_text", ""))
        return f'<figure class="bk-image">{title}<img src="{src}" alt="{alt}"></figure>'
    if kind == "input":
        el = b.get("element") or {}
        block_id, action_id = element_ids(b, index, el)
        optional = ' <span class="bk-optional">(optional)</span>' if b.get("optional") else ""
        hint = f'<div class="bk-hint">{text_object(b.get("hint"), ctx)}</div>' if b.get("hint") else ""
        error = ctx.errors.get(block_id)
        shown = f'<div class="bk-error" role="alert">{esc(error)}</div>' if error else ""
        dom_id = f"input-{block_id}-{action_id}"
        control = element(el, block_id, action_id, ctx, (ctx.state.get(block_id) or {}).get(action_id), dom_id)
        label = f'<label class="bk-label" for="{esc(dom_id)}">{text_object(b.get("label"), ctx)}{optional}</label>'
        return (
            f'<div class="bk-input-block{" has-error" if error else ""}" data-input-block="{esc(block_id)}">'
            f"{label}{control}{shown}{hint}</div>"
        )
    if kind == "rich_text":
        texts = [
            "".join(part.get("text", "") for part in section.get("elements") or [])
            for section in b.get("elements") or []
        ]
        return f'<div class="bk-text">{mrkdwn(chr(10).join(texts), ctx)}</div>'
    return f'<div class="bk-unsupported">[{esc(kind)} block is not drawn by the playground]</div>'


def blocks(items: list[dict] | None, ctx: Context) -> Markup:
    return Markup("".join(block(b, index, ctx) for index, b in enumerate(items or [])))


def message(msg: dict, ctx: Context) -> Markup:
    """A message's body: its blocks, or its text when it has none (as Slack does)."""
    if msg.get("blocks"):
        return blocks(msg["blocks"], ctx)
    return Markup(f'<div class="bk-text">{mrkdwn(msg.get("text", ""), ctx)}</div>')

// The playground page: panes come rendered from the server; changes arrive as server-sent events.
const boot = JSON.parse(document.getElementById("boot").textContent);
const params = new URLSearchParams(location.search);
const known = (id) => boot.people.some((p) => p.id === id);
const ui = {
  as: [params.get("as"), localStorage.getItem("pg.as"), boot.as].find(known),
  channel: "C0PARTNER",
  tab: "channel",
  thread: null,
  modalKey: null,
  shown: {},
};
window.__pg = { timings: [], loads: 0 };

const $ = (selector, root = document) => root.querySelector(selector);
const pane = (name) => $(`[data-pane="${name}"]`);

function toast(text) {
  const box = $(".toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (box.hidden = true), 6000);
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ as: ui.as, ...body }),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) toast(data.error || `That did not work (HTTP ${response.status}).`);
  return data;
}

// -- panes ----------------------------------------------------------------------------------
function swap(name, element, html) {
  if (ui.shown[name] === html) return false;
  if (element.contains(document.activeElement) && document.activeElement.classList.contains("edit-box")) return false;
  ui.shown[name] = html;
  element.innerHTML = html;
  return true;
}

function apply(p) {
  ui.channel = p.channel;
  swap("sidebar", pane("sidebar"), p.sidebar);
  swap("header", pane("header"), p.header);
  const list = pane("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  if (swap("messages", list, p.messages) && (atBottom || !ui.scrolled)) {
    list.scrollTop = list.scrollHeight;
    ui.scrolled = true;
  }
  const thread = pane("thread");
  thread.hidden = !p.thread;
  if (p.thread) {
    const content = $("[data-thread-content]");
    if (swap("thread", content, p.thread)) content.scrollTop = content.scrollHeight;
  } else {
    ui.thread = null;
    ui.shown.thread = "";
  }
  const layer = pane("modal");
  const key = p.modal ? p.modal.id + p.modal.hash : null;
  if (key !== ui.modalKey) {
    ui.modalKey = key;
    layer.hidden = !p.modal;
    layer.innerHTML = p.modal ? p.modal.html : "";
    const first = layer.querySelector(".has-error input, .has-error textarea, input, textarea");
    if (first) first.focus();
  }
  $("[data-testid=clock]").textContent = p.clock;
  document.body.dataset.ready = "1";
}

async function load() {
  const query = new URLSearchParams({ as: ui.as, c: ui.channel, tab: ui.tab });
  if (ui.thread) query.set("thread", ui.thread);
  const response = await fetch("/ui/panes?" + query);
  apply(await response.json());
  window.__pg.loads += 1;
}

// One load at a time; calls made meanwhile share one more load that starts after it.
let current = null;
let queued = null;
function refresh() {
  if (!current) {
    current = load().finally(() => (current = null));
    return current;
  }
  if (!queued) queued = current.then(() => ((queued = null), refresh()));
  return queued;
}

async function refreshInspector() {
  const box = pane("inspector");
  if (box.hidden) return;
  const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.id));
  const response = await fetch("/ui/inspector");
  const list = $(".inspector-list", box);
  list.innerHTML = await response.text();
  list.querySelectorAll("details").forEach((d, i) => (d.dataset.id = String(i)));
  open.forEach((id) => list.querySelector(`details[data-id="${id}"]`)?.setAttribute("open", ""));
}

function listen() {
  const source = new EventSource("/ui/events");
  source.onopen = () => refresh(); // after a reconnect, catch up on what was missed meanwhile
  source.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (event.kind === "inspector") {
      if (event.error) $("[data-toggle-inspector]").classList.add("alert");
      refreshInspector();
      return;
    }
    if (event.user && event.user !== ui.as && event.kind !== "messages") return;
    if (event.ephemeral && event.user !== ui.as) return;
    refresh().then(() => {
      if (event.kind === "messages") window.__pg.timings.push({ ts: event.ts, ms: Date.now() - event.at });
    });
  };
}

// -- the person and where they look ------------------------------------------------------
function switchTo(user) {
  ui.as = user;
  localStorage.setItem("pg.as", user);
  const url = new URL(location.href);
  url.searchParams.set("as", user);
  history.replaceState(null, "", url);
  $("[data-switch-person]").value = user;
  if (ui.channel.startsWith("D")) ui.channel = "D" + user;
  ui.thread = null;
  ui.shown = {};
  ui.modalKey = undefined;
  return refresh();
}

// -- modals ---------------------------------------------------------------------------------
function collect(form) {
  const values = {};
  for (const element of form.querySelectorAll("[data-input-block] [data-action]")) {
    const { block, action, type } = element.dataset;
    let raw;
    if (element.classList.contains("bk-choices")) {
      const checked = [...element.querySelectorAll("input:checked")].map((input) => input.value);
      raw = type === "checkboxes" ? checked : checked[0] ?? null;
    } else if (element.tagName === "SELECT" && element.multiple) {
      raw = [...element.selectedOptions].map((option) => option.value);
    } else {
      raw = element.value;
    }
    (values[block] ??= {})[action] = raw;
  }
  return values;
}

function sourceOf(element) {
  const msg = element.closest(".msg");
  if (msg) return { channel: msg.dataset.channel, ts: msg.dataset.ts, ephemeral: !!msg.dataset.ephemeral };
  const modal = element.closest(".modal") || element.closest("[data-home-view]");
  if (!modal) return null;
  return { view_id: modal.dataset.viewId || modal.dataset.homeView };
}

function press(element, value) {
  const source = sourceOf(element);
  if (!source) return;
  if (element.dataset.confirm && !confirm(element.dataset.confirm)) return;
  return post("/ui/press", { source, block_id: element.dataset.block, action_id: element.dataset.action, value });
}

// -- clicks -------------------------------------------------------------------------------
let reactingTo = null;
document.addEventListener("click", async (event) => {
  const target = event.target.closest("button, a[data-goto]");
  if (!target) return;
  const data = target.dataset;
  if ("goto" in data) {
    event.preventDefault();
    ui.tab = data.goto === "home" ? "home" : "channel";
    if (data.goto !== "home") ui.channel = data.goto;
    ui.thread = null;
    // Slack tells the app when someone opens its Home tab (app_home_opened); the app publishes their view.
    if (data.goto === "home") await post("/ui/home", {});
    await refresh();
  } else if ("openThread" in data) {
    ui.thread = data.openThread;
    await refresh();
    $("[data-thread-composer]").focus();
  } else if ("closeThread" in data) {
    ui.thread = null;
    await refresh();
  } else if ("guidedSetup" in data) {
    await switchTo(boot.people[0].id);
    await post("/ui/type", { channel: "C0PARTNER", text: "/partner setup" });
  } else if ("modalSubmit" in data) {
    const modal = target.closest(".modal");
    await post("/ui/submit", { view_id: modal.dataset.viewId, values: collect($("form", modal)) });
  } else if ("modalClose" in data) {
    await post("/ui/close", { view_id: target.closest(".modal").dataset.viewId });
  } else if (target.classList.contains("bk-button")) {
    await press(target, data.value);
  } else if ("react" in data) {
    const msg = target.closest(".msg");
    await post("/ui/react", { channel: msg.dataset.channel, ts: msg.dataset.ts, name: data.react });
  } else if ("reactMenu" in data) {
    const menu = $(".react-menu");
    const box = target.getBoundingClientRect();
    reactingTo = target.closest(".msg");
    Object.assign(menu.style, { top: `${box.bottom + window.scrollY}px`, left: `${box.left - 160}px` });
    menu.hidden = false;
  } else if ("pickReaction" in data && reactingTo) {
    $(".react-menu").hidden = true;
    await post("/ui/react", { channel: reactingTo.dataset.channel, ts: reactingTo.dataset.ts, name: data.pickReaction });
  } else if ("edit" in data) {
    startEdit(target.closest(".msg"));
  } else if ("dismiss" in data) {
    await post("/ui/dismiss", { ts: data.dismiss });
  } else if ("travel" in data) {
    const answer = await post("/ui/time", { step: data.travel });
    const note = answer.note || (answer.moved ? `Moved; ${answer.performed} scheduled send(s) performed.` : "");
    $("[data-testid=travel-note]").textContent = note;
    await refresh();
  } else if ("reset" in data) {
    if (confirm("Start over? This deletes the playground's channel, messages and all of the bot's data.")) {
      await post("/ui/reset", { confirm: true });
      ui.thread = null;
      ui.shown = {};
      await refresh();
    }
  } else if ("toggleInspector" in data) {
    const box = pane("inspector");
    box.hidden = !box.hidden;
    target.classList.remove("alert");
    await refreshInspector();
  }
});

document.addEventListener("change", (event) => {
  const element = event.target;
  if (element.matches("[data-switch-person]")) return switchTo(element.value);
  const control = element.closest(".bk-actions [data-action], .bk-accessory [data-action]");
  if (!control || control.dataset.type === "button") return;
  let value = element.value;
  if (control.tagName === "SELECT" && control.multiple) value = [...control.selectedOptions].map((o) => o.value);
  if (control.dataset.type === "checkboxes")
    value = [...control.querySelectorAll("input:checked")].map((input) => input.value);
  press(control, value);
  if (control.dataset.type === "overflow") control.value = "";
});

document.addEventListener("mousedown", (event) => {
  if (!event.target.closest(".react-menu, [data-react-menu]")) $(".react-menu").hidden = true;
});

function startEdit(msg) {
  const body = $(".msg-body", msg);
  const box = document.createElement("textarea");
  box.className = "composer edit-box";
  box.value = msg.dataset.text || "";
  body.replaceChildren(box);
  box.focus();
  box.addEventListener("keydown", async (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      box.disabled = true; // no longer being edited: the next refresh may replace it
      await post("/ui/edit", { channel: msg.dataset.channel, ts: msg.dataset.ts, text: box.value });
      ui.shown = {};
      refresh();
    } else if (event.key === "Escape") {
      box.disabled = true;
      ui.shown = {};
      refresh();
    }
  });
}

// -- composers: commands, subcommands and @-mentions complete --------------------------------
function suggestions(text, caret) {
  const before = text.slice(0, caret);
  const mention = before.match(/@([\w.-]*)$/);
  if (mention) {
    const start = before.length - mention[0].length;
    return boot.people
      .filter((p) => p.name.toLowerCase().startsWith(mention[1].toLowerCase()))
      .map((p) => ({ label: `@${p.name}`, hint: p.label, text: before.slice(0, start) + `@${p.name} ` + text.slice(caret) }));
  }
  if (/^\/\S*$/.test(before))
    return Object.keys(boot.completions)
      .filter((c) => c.startsWith(before))
      .map((c) => ({ label: c, text: c + " " }));
  const typed = before.match(/^(\/\w+)\s+(.*)$/);
  if (typed && boot.completions[typed[1]])
    return boot.completions[typed[1]]
      .filter((s) => s.startsWith(typed[2]) && s !== typed[2])
      .slice(0, 12)
      .map((s) => ({ label: `${typed[1]} ${s}`, text: `${typed[1]} ${s}` }));
  return [];
}

function setUpComposer(box) {
  const list = box.parentElement.querySelector(".completions");
  let items = [];
  let active = -1;
  const draw = () => {
    list.hidden = items.length === 0;
    list.innerHTML = "";
    items.forEach((item, index) => {
      const row = document.createElement("div");
      row.className = "completion" + (index === active ? " active" : "");
      row.innerHTML = `<b></b> <span class="muted"></span>`;
      row.firstChild.textContent = item.label;
      row.lastChild.textContent = item.hint || "";
      row.addEventListener("mousedown", (event) => (event.preventDefault(), accept(index)));
      list.append(row);
    });
  };
  const accept = (index) => {
    box.value = items[index].text;
    box.focus();
    items = suggestions(box.value, box.value.length);
    active = -1;
    draw();
  };
  box.addEventListener("input", () => {
    items = suggestions(box.value, box.selectionStart);
    active = -1;
    draw();
  });
  box.addEventListener("keydown", async (event) => {
    if (items.length && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      active = (active + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      return draw();
    }
    if (items.length && (event.key === "Tab" || (event.key === "Enter" && active >= 0))) {
      event.preventDefault();
      return accept(Math.max(active, 0));
    }
    if (event.key === "Escape") return ((items = []), draw());
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      const text = box.value.trim();
      if (!text) return;
      box.value = "";
      items = [];
      draw();
      const inThread = "threadComposer" in box.dataset;
      await post("/ui/type", { channel: ui.channel, text, thread_ts: inThread ? ui.thread : null });
    }
  });
}

document.querySelectorAll("[data-composer]").forEach(setUpComposer);
document.querySelector("[data-switch-person]").value = ui.as;
listen();
refresh();

/* Complaint gateway chat widget. Plain JS, no framework, no build step, nothing loaded from
 * another host. Every text from a customer, the bot or an agent is inserted as text
 * (textContent), never as HTML. Messages wait in localStorage until the gateway says
 * "received", so nothing typed is lost to a reconnect, a sleeping tab or a reload. */
(() => {
  "use strict";
  const me = document.currentScript;
  if (!me || window.__cgwWidget) return;
  window.__cgwWidget = true;

  const opt = me.dataset;
  const origin = new URL(me.src, location.href).origin;
  const socketUrl = origin.replace(/^http/, "ws") + "/ws/chat";
  const storeKey = "cgw:" + origin;
  const pageMode = opt.mode === "page";
  const MAX_TEXT = 20000;
  const KEEP = 200; // messages kept in the browser for the restore after a reload

  const STRINGS = {
    en: {
      open: "Chat with us", close: "Close chat", title: "Customer support",
      placeholder: "Describe your problem…", send: "Send", sending: "Sending…", sent: "Sent",
      online: "Connected", connecting: "Connecting…", offline: "Offline: your messages will be sent when you are back",
      refused: "The chat cannot connect right now; your messages are kept and will be sent",
      ticket: "Ticket", joined: "{name} joined the chat", typing: "{name} is typing…",
      agent: "Agent", bot: "Assistant", you: "You",
      slow: "Too many messages at once. Sending again in {n} s.",
      noAgent: "No agent is online right now. We will answer by email: where can we write to you?",
      email: "Your email", emailSend: "Send my email", emailSaved: "Thank you, we will write to {email}.",
      myEmail: "My email address: {email}", survey: "Your rating",
      attach: "Attach an image or PDF", uploading: "Uploading…", failed: "Not sent", tooBig: "{name} is too large (at most {mb} MB).", uploadFailed: "{name} could not be sent: only images and PDF files.",
    },
    ru: {
      open: "Написать нам", close: "Закрыть чат", title: "Служба поддержки",
      placeholder: "Опишите проблему…", send: "Отправить", sending: "Отправляется…", sent: "Отправлено",
      online: "На связи", connecting: "Подключение…", offline: "Нет сети: сообщения уйдут, когда связь вернётся",
      refused: "Чат сейчас недоступен; сообщения сохранены и будут отправлены",
      ticket: "Обращение", joined: "{name} в чате", typing: "{name} печатает…",
      agent: "Оператор", bot: "Ассистент", you: "Вы",
      slow: "Слишком много сообщений подряд. Повторим через {n} с.",
      noAgent: "Сейчас нет операторов в сети. Мы ответим по почте: куда вам написать?",
      email: "Ваш email", emailSend: "Отправить email", emailSaved: "Спасибо, мы напишем на {email}.",
      myEmail: "Мой адрес почты: {email}", survey: "Ваша оценка",
      attach: "Приложить изображение или PDF", uploading: "Загрузка…", failed: "Не отправлено", tooBig: "{name} слишком большой (не более {mb} МБ).", uploadFailed: "{name} не отправлен: только изображения и PDF.",
    },
    "zh-Hans": {
      open: "联系我们", close: "关闭聊天", title: "客户服务",
      placeholder: "请描述您的问题…", send: "发送", sending: "发送中…", sent: "已发送",
      online: "已连接", connecting: "连接中…", offline: "网络已断开：恢复后将自动发送您的消息",
      refused: "暂时无法连接聊天；您的消息已保存，稍后发送",
      ticket: "工单", joined: "{name} 已加入对话", typing: "{name} 正在输入…",
      agent: "客服", bot: "助手", you: "您",
      slow: "消息发送过于频繁，{n} 秒后重试。",
      noAgent: "目前没有客服在线。我们将通过邮件回复：请留下您的邮箱。",
      email: "您的邮箱", emailSend: "提交邮箱", emailSaved: "谢谢，我们会发邮件到 {email}。",
      myEmail: "我的邮箱：{email}", survey: "您的评分",
      attach: "添加图片或 PDF", uploading: "上传中…", failed: "未发送", tooBig: "{name} 太大（最多 {mb} MB）。", uploadFailed: "{name} 无法发送：仅支持图片和 PDF。",
    },
    "zh-Hant": {
      open: "聯絡我們", close: "關閉聊天", title: "客戶服務",
      placeholder: "請描述您的問題…", send: "傳送", sending: "傳送中…", sent: "已傳送",
      online: "已連線", connecting: "連線中…", offline: "網路已中斷：恢復後將自動傳送您的訊息",
      refused: "暫時無法連線聊天；您的訊息已保存，稍後傳送",
      ticket: "工單", joined: "{name} 已加入對話", typing: "{name} 正在輸入…",
      agent: "客服", bot: "助理", you: "您",
      slow: "訊息傳送過於頻繁，{n} 秒後重試。",
      noAgent: "目前沒有客服在線。我們將以電子郵件回覆：請留下您的信箱。",
      email: "您的電子郵件", emailSend: "送出信箱", emailSaved: "謝謝，我們會寄信到 {email}。",
      myEmail: "我的電子郵件：{email}", survey: "您的評分",
      attach: "附加圖片或 PDF", uploading: "上傳中…", failed: "未傳送", tooBig: "{name} 太大（最多 {mb} MB）。", uploadFailed: "{name} 無法傳送：僅支援圖片和 PDF。",
    },
  };

  function pickLanguage() {
    for (const tag of [opt.lang, ...(navigator.languages || [navigator.language])]) {
      const t = String(tag || "").toLowerCase();
      if (t.startsWith("zh")) return /hant|-tw|-hk|-mo/.test(t) ? "zh-Hant" : "zh-Hans";
      if (t.startsWith("ru")) return "ru";
      if (t.startsWith("en")) return "en";
    }
    return "en";
  }
  const language = pickLanguage();
  const T = (key, values) =>
    STRINGS[language][key].replace(/\{(\w+)\}/g, (_, k) => String((values || {})[k] ?? ""));

  // ---- what the browser keeps: the session, the conversation, replies already shown
  const load = () => {
    try {
      return JSON.parse(localStorage.getItem(storeKey) || "{}") || {};
    } catch {
      return {};
    }
  };
  let state = { session: null, log: [], seen: [], ticket: null, agent: null, email: null, ...load() };
  // A file is not kept in storage: one whose upload a reload interrupted is marked unsent.
  for (const m of state.log) if (m.state === "uploading") m.state = "failed";
  const save = () => {
    state.log = state.log.filter((m, i, all) => m.state === "sending" || i >= all.length - KEEP);
    state.seen = state.seen.slice(-KEEP * 2);
    try {
      localStorage.setItem(storeKey, JSON.stringify(state));
    } catch {
      /* storage full or denied: the conversation still works, it just does not survive a reload */
    }
  };
  const newId = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return "c" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  // ---- the view, in an open shadow root so the host page's CSS cannot reach it
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const host = el("cgw-chat", { "data-cgw": "root" });
  // Inline and important: the one way a host page's own `!important` rules cannot hide it.
  host.style.setProperty("display", "block", "important");
  const root = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`
:host{all:initial}
*{box-sizing:border-box;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif}
[hidden]{display:none!important}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;padding:14px 20px;background:#1d4ed8;color:#fff;font-weight:600;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}
.launcher:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.panel{position:fixed;right:20px;bottom:20px;z-index:2147483001;width:370px;height:min(600px,calc(100vh - 40px));display:flex;flex-direction:column;background:#fff;color:#111;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);overflow:hidden}
.page .panel{position:static;width:100%;max-width:720px;height:100vh;height:100dvh;margin:0 auto;border-radius:0;box-shadow:none}
header{display:flex;align-items:center;gap:8px;padding:12px 14px;background:#1d4ed8;color:#fff}
header h2{margin:0;font-weight:600;flex:1}
header .ticket{font-size:13px;opacity:.9}
header button{background:none;border:0;color:#fff;font-size:22px;line-height:1;cursor:pointer;padding:4px 8px}
.status{font-size:12px;padding:4px 14px;background:#eef2ff;color:#333}
.status[data-state=online]{display:none}
.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#f8fafc}
.msg{max-width:85%;padding:8px 12px;border-radius:12px;white-space:pre-wrap;overflow-wrap:anywhere;background:#fff;border:1px solid #e2e8f0}
.msg[data-author=customer]{align-self:flex-end;background:#1d4ed8;color:#fff;border-color:#1d4ed8}
.msg[data-author=agent]{border-color:#16a34a}
.who{display:block;font-size:12px;font-weight:600;color:#15803d}
.meta{display:block;font-size:11px;opacity:.75;text-align:right}
.event,.notice{align-self:center;font-size:13px;color:#475569;text-align:center}
.notice{margin:0 12px 8px;padding:8px;border-radius:8px;background:#fef3c7;color:#713f12}
.choices{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.choices button{min-width:40px;min-height:40px;border:1px solid #1d4ed8;border-radius:8px;background:#fff;color:#1d4ed8;font-weight:600;cursor:pointer}
.choices button[aria-pressed=true]{background:#1d4ed8;color:#fff}
.typing{font-size:12px;color:#475569;padding:0 14px 4px;min-height:1em}
form{display:flex;gap:8px;padding:10px;border-top:1px solid #e2e8f0;background:#fff}
textarea,input{flex:1;resize:none;border:1px solid #cbd5e1;border-radius:8px;padding:8px;min-height:42px;max-height:120px;color:#111;background:#fff}
form .attach{background:#fff;color:#1d4ed8;border:1px solid #cbd5e1;padding:0 10px;font-size:18px}
.file{display:block;font-weight:600}
form button{border:0;border-radius:8px;padding:0 16px;background:#1d4ed8;color:#fff;font-weight:600;cursor:pointer}
@media (max-width:600px){.panel{inset:0;right:0;bottom:0;width:100%;height:100%;max-height:none;border-radius:0}}
`);
  root.adoptedStyleSheets = [sheet];

  const shell = el("div", { class: pageMode ? "page" : "widget", lang: language });
  const launcher = el("button", {
    type: "button", class: "launcher", "data-cgw": "launcher",
    "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "cgw-panel",
  }, T("open"));
  const panel = el("section", {
    id: "cgw-panel", class: "panel", "data-cgw": "panel", "aria-label": T("title"),
    ...(pageMode ? {} : { role: "dialog" }),
  });
  const header = el("header");
  const title = el("h2", {}, T("title"));
  const ticketBadge = el("span", { class: "ticket", "data-cgw": "ticket" });
  const closer = el("button", { type: "button", "aria-label": T("close"), "data-cgw": "close" }, "×");
  header.append(title, ticketBadge);
  if (!pageMode) header.append(closer);
  const status = el("div", { class: "status", role: "status", "data-cgw": "status" });
  const log = el("div", {
    class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": T("title"), tabindex: "0", "data-cgw": "log",
  });
  const notice = el("div", { class: "notice", role: "alert", "data-cgw": "notice", hidden: "" });
  const typing = el("div", { class: "typing", "aria-live": "polite", "data-cgw": "typing" });
  const form = el("form", { "data-cgw": "form" });
  const input = el("textarea", {
    "data-cgw": "input", rows: "1", maxlength: String(MAX_TEXT),
    "aria-label": T("placeholder"), placeholder: T("placeholder"),
  });
  const send = el("button", { type: "submit", "data-cgw": "send" }, T("send"));
  const attach = el("button", { type: "button", class: "attach", "data-cgw": "attach", "aria-label": T("attach"), title: T("attach") });
  // A drawn paperclip, not the emoji: a system without an emoji font would show a box.
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  const clip = document.createElementNS("http://www.w3.org/2000/svg", "path");
  for (const [k, v] of Object.entries({ viewBox: "0 0 24 24", width: "20", height: "20", "aria-hidden": "true" })) svg.setAttribute(k, v);
  clip.setAttribute("d", "M16.5 6.5l-7.8 7.8a1.5 1.5 0 002.1 2.1l7.8-7.8a3 3 0 00-4.2-4.2l-7.8 7.8a4.5 4.5 0 006.4 6.4l7-7");
  for (const [k, v] of Object.entries({ fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round" })) clip.setAttribute(k, v);
  svg.append(clip);
  attach.append(svg);
  const picker = el("input", {
    type: "file", hidden: "", multiple: "", "data-cgw": "file",
    accept: "image/png,image/jpeg,image/gif,image/webp,application/pdf",
  });
  form.append(attach, picker, input, send);
  const emailForm = el("form", { "data-cgw": "email-form", hidden: "" });
  const emailInput = el("input", {
    type: "email", required: "", autocomplete: "email", "data-cgw": "email", "aria-label": T("email"), placeholder: T("email"),
  });
  emailForm.append(emailInput, el("button", { type: "submit" }, T("emailSend")));
  panel.append(header, status, log, typing, notice, emailForm, form);
  if (!pageMode) {
    panel.hidden = true;
    shell.append(launcher);
  }
  shell.append(panel);
  root.append(shell);

  // ---- rendering: one node per message, keyed by its id
  const nodes = new Map();
  function messageNode(m) {
    const node = el("div", { class: "msg", "data-cgw": "message", "data-author": m.author, "data-id": m.id });
    if (m.author === "agent") node.append(el("span", { class: "who", "data-cgw": "agent-name" }, m.name || T("agent")));
    if (m.file) node.append(el("span", { class: "file", "data-cgw": "file-name" }, "📎 " + m.file));
    node.append(el("span", { class: "text" }, m.text));
    if (m.author === "customer") {
      node.append(el("span", { class: "meta", "data-cgw": "state" }));
    }
    if (m.choices && m.choices.length) {
      const group = el("div", { class: "choices", role: "group", "aria-label": T("survey") });
      for (const c of m.choices) {
        const b = el("button", { type: "button", "data-cgw": "choice", "data-value": c.value, "aria-pressed": "false" }, c.label);
        b.addEventListener("click", () => answer(m, c.value));
        group.append(b);
      }
      node.append(group);
    }
    return node;
  }
  function update(m) {
    let node = nodes.get(m.id);
    if (!node) {
      node = m.author === "event" ? el("div", { class: "event", "data-cgw": "event" }, m.text) : messageNode(m);
      nodes.set(m.id, node);
      log.append(node);
      log.scrollTop = log.scrollHeight;
    }
    if (m.author === "customer") {
      node.dataset.state = m.state;
      node.querySelector(".meta").textContent = T(m.state);
    }
    for (const b of node.querySelectorAll("[data-cgw=choice]")) {
      b.disabled = Boolean(m.answered);
      b.setAttribute("aria-pressed", String(b.dataset.value === m.answered));
    }
  }
  function renderAll() {
    nodes.clear();
    log.replaceChildren();
    state.log.forEach(update);
    ticketBadge.textContent = state.ticket ? `${T("ticket")} ${state.ticket}` : "";
  }
  function setStatus(which) {
    status.dataset.state = which;
    status.textContent = T(which);
  }
  function showNotice(text, seconds) {
    notice.textContent = text;
    notice.hidden = false;
    clearTimeout(showNotice.timer);
    if (seconds) showNotice.timer = setTimeout(() => (notice.hidden = true), seconds * 1000);
  }

  // ---- the socket: reconnects with backoff, resends what is not yet received
  let socket = null;
  let attempts = 0;
  let retryTimer = 0;
  let holdUntil = 0;
  let lastFrame = 0;
  const pending = () => state.log.filter((m) => m.author === "customer" && m.state === "sending");

  function connect() {
    clearTimeout(retryTimer);
    if (socket) return;
    if (!navigator.onLine) return setStatus("offline");
    setStatus(attempts > 2 ? "refused" : "connecting");
    // The browser may resume by the gateway's cookie at the handshake, before the hello:
    // the last reply shown goes in the query too, so what a dying socket swallowed comes back.
    const after = lastSeen();
    const ws = new WebSocket(after === undefined ? socketUrl : socketUrl + "?after=" + after);
    socket = ws;
    ws.onopen = () => ws.send(hello());
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      lastFrame = Date.now();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      onFrame(frame);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      setStatus(navigator.onLine ? (attempts >= 2 ? "refused" : "connecting") : "offline");
      const delay = Math.min(30000, 500 * 2 ** attempts++) * (0.75 + Math.random() / 2);
      retryTimer = setTimeout(connect, delay);
    };
  }
  // Pre-chat fields come from the script tag's attributes; the identity is signed by the site.
  const lastSeen = () => (state.seen.length ? Math.max(...state.seen) : undefined); // replay what came later
  function hello() {
    const frame = { type: "hello", session: state.session || undefined, after: lastSeen(), name: opt.name, email: state.email || opt.email, order: opt.order };
    if (opt.customerId) frame.identity = { id: opt.customerId, expires: Number(opt.customerExpires), signature: opt.customerSignature };
    return JSON.stringify(frame);
  }
  function reconnectNow() {
    attempts = 0;
    if (socket) {
      const old = socket;
      socket = null;
      old.close();
    }
    connect();
  }
  function flush() {
    if (!socket || socket.readyState !== WebSocket.OPEN || !state.session) return;
    const wait = holdUntil - Date.now();
    if (wait > 0) {
      clearTimeout(flush.timer);
      flush.timer = setTimeout(flush, wait);
      return;
    }
    for (const m of pending()) {
      socket.send(JSON.stringify({ type: "message", text: m.text, id: m.id, attachments: m.attachments }));
    }
  }

  function onFrame(f) {
    if (f.type === "session") {
      state.session = f.session;
      state.agentsOnline = f.agents_online;
      state.maxBytes = f.attachment_max_bytes;
      for (const resolve of waiting.splice(0)) resolve();
      attempts = 0;
      save();
      setStatus("online");
      flush();
    } else if (f.type === "received") {
      const m = state.log.find((x) => x.id === f.client_id);
      if (m && m.state !== "sent") {
        m.state = "sent";
        save();
        update(m);
      }
    } else if (f.type === "reply") {
      onReply(f);
    } else if (f.type === "typing") {
      typing.textContent = T("typing", { name: f.author || T("agent") });
      clearTimeout(onFrame.typingTimer);
      onFrame.typingTimer = setTimeout(() => (typing.textContent = ""), 6000);
    } else if (f.type === "error") {
      const e = f.error || {};
      if (e.code === "rate_limited") {
        const n = Math.max(1, Math.ceil(Number(e.retry_after) || 5));
        holdUntil = Date.now() + n * 1000;
        showNotice(T("slow", { n }), n);
        flush();
      } else if (e.code === "not_stored") {
        holdUntil = Date.now() + 2000;
        flush();
      }
    }
  }
  function onReply(f) {
    // The delivery receipt agents see; sent again for a repeat, whose first may be lost.
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "shown", id: f.id }));
    if (state.seen.includes(f.id)) return; // the outbox may send a frame again after a crash
    state.seen.push(f.id);
    const agent = f.kind === "agent_reply";
    if (agent && f.author !== state.agent) {
      state.agent = f.author;
      add({ id: "e" + f.id, author: "event", text: T("joined", { name: f.author }) });
    }
    if (f.ticket && f.ticket.number) state.ticket = f.ticket.number;
    typing.textContent = "";
    // A complaint taken while nobody is online is answered by mail: ask where to.
    if (f.kind === "acknowledgement" && state.agentsOnline === false && !opt.email) askEmail();
    add({
      id: "r" + f.id, author: agent ? "agent" : "bot", name: agent ? f.author : undefined,
      text: String(f.text || ""), choices: Array.isArray(f.choices) ? f.choices : [],
    });
    ticketBadge.textContent = state.ticket ? `${T("ticket")} ${state.ticket}` : "";
  }
  function add(m) {
    state.log.push(m);
    save();
    update(m);
  }
  function submit(text) {
    text = text.trim().slice(0, MAX_TEXT);
    if (!text) return;
    add({ id: newId(), author: "customer", text, state: "sending" });
    flush();
    if (!socket) reconnectNow();
  }
  // Files go up over HTTP first (the socket carries JSON only); the message then names them
  // and waits in the queue like any other.
  const waiting = [];
  const sessionReady = () => (state.session ? Promise.resolve() : new Promise((resolve) => waiting.push(resolve)));
  async function upload(file) {
    if (state.maxBytes && file.size > state.maxBytes) {
      return showNotice(T("tooBig", { name: file.name, mb: Math.floor(state.maxBytes / 1048576) }), 8);
    }
    const m = { id: newId(), author: "customer", text: "", file: file.name, state: "uploading" };
    add(m);
    connect();
    try {
      await sessionReady();
      const response = await fetch(origin + "/chat/attachments", {
        method: "POST", body: file,
        headers: { "Content-Type": file.type || "application/octet-stream", "X-Chat-Session": state.session, "X-Filename": encodeURIComponent(file.name) },
      });
      if (!response.ok) throw new Error(String(response.status));
      const stored = await response.json();
      m.attachments = [{ sha256: stored.sha256, filename: stored.filename }];
      m.state = "sending";
    } catch {
      m.state = "failed";
      showNotice(T("uploadFailed", { name: file.name }), 8);
    }
    save();
    update(m);
    flush();
  }
  attach.addEventListener("click", () => picker.click());
  picker.addEventListener("change", () => {
    for (const file of picker.files) upload(file);
    picker.value = "";
  });
  function answer(m, value) {
    if (m.answered) return;
    m.answered = value;
    update(m);
    submit(value);
  }
  function askEmail() {
    if (state.email) return;
    showNotice(T("noAgent"));
    emailForm.hidden = false;
  }

  // ---- the customer's actions
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(input.value);
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  emailForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!email) return;
    state.email = email;
    save();
    emailForm.hidden = true;
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(hello()); // later messages carry it
    showNotice(T("emailSaved", { email }), 8);
    submit(T("myEmail", { email }));
  });
  function setOpen(open) {
    panel.hidden = !open;
    launcher.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    state.open = open;
    save();
    if (open) {
      connect();
      input.focus();
      log.scrollTop = log.scrollHeight;
    } else {
      launcher.focus();
    }
  }
  launcher.addEventListener("click", () => setOpen(true));
  closer.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !pageMode) setOpen(false);
  });

  // The network and the tab tell us when a socket may be dead: start afresh at once (only
  // for a visitor who chats: one who never opened the widget needs no socket).
  const chatting = () => Boolean(state.session || state.open || pending().length);
  addEventListener("online", () => chatting() && reconnectNow());
  addEventListener("offline", () => {
    if (socket) socket.close();
    setStatus("offline");
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible" || !chatting()) return;
    if (!socket) return reconnectNow();
    const asked = Date.now();
    if (socket.readyState === WebSocket.OPEN) socket.send('{"type":"ping"}');
    setTimeout(() => lastFrame < asked && reconnectNow(), 4000);
  });
  // Another tab of the same site wrote the conversation: show the same.
  addEventListener("storage", (event) => {
    if (event.key !== storeKey) return;
    state = { ...state, ...load() };
    renderAll();
  });

  renderAll();
  setStatus("connecting");
  const mount = () => {
    if (pageMode) document.body.style.margin = "0"; // CSSOM, so a strict CSP allows it
    (pageMode ? document.querySelector("[data-cgw-page]") || document.body : document.body).append(host);
    if (pageMode || state.open) setOpen(true);
    else if (state.session || pending().length) connect(); // replies may be waiting
  };
  if (document.body) mount();
  else addEventListener("DOMContentLoaded", mount);
})();

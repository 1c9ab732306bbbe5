// Aisle staff console: the live parts (vanilla JS, no build step). Pages work without it.
// Server text is only ever written with textContent, or as HTML the server rendered.
(() => {
  "use strict";

  const csrf = () => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  };

  const socketUrl = (path) =>
    (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;

  // A socket that reconnects with jittered backoff; `onOpen` runs on every (re)connect.
  function liveSocket(path, handlers) {
    let attempt = 0;
    let stopped = false;
    const connect = () => {
      const ws = new WebSocket(socketUrl(path));
      ws.onopen = () => { attempt = 0; handlers.status("connected"); };
      ws.onmessage = (event) => {
        let frame;
        try { frame = JSON.parse(event.data); } catch (_) { return; }
        handlers.frame(frame);
      };
      ws.onclose = (event) => {
        if (stopped) return;
        if (event.code === 4401) { handlers.status("logged-out"); return; }
        handlers.status("reconnecting");
        const wait = Math.min(15000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
        attempt += 1;
        setTimeout(connect, wait);
      };
    };
    connect();
    window.addEventListener("beforeunload", () => { stopped = true; });
  }

  function showConnection(node, state) {
    if (!node) return;
    const text = {
      connected: "Live: updates appear as they happen.",
      reconnecting: "Connection lost; reconnecting…",
      "logged-out": "Your session ended. Reload the page to log in again.",
    };
    node.textContent = text[state] || state;
    document.body.classList.toggle("connected", state === "connected");
  }

  // Replace a container's content with the server's fresh HTML for it.
  async function refresh(node) {
    const response = await fetch(node.dataset.src, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return false;
    node.innerHTML = await response.text();
    return true;
  }

  function throttled(fn, ms) {
    let timer = null;
    let again = false;
    return () => {
      if (timer) { again = true; return; }
      fn();
      timer = setTimeout(() => { timer = null; if (again) { again = false; fn(); } }, ms);
    };
  }

  // -- the live list -----------------------------------------------------------------
  function liveList() {
    const body = document.getElementById("live-rows");
    if (!body) return;
    const conn = document.querySelector("[data-conn]");
    const moved = new Set();
    const reload = throttled(async () => {
      const ids = Array.from(moved);
      moved.clear();
      if (!(await refresh(body))) return;
      for (const id of ids) {
        const row = body.querySelector(`tr[data-id="${CSS.escape(id)}"]`);
        if (row) row.classList.add("flash");
      }
    }, 700);
    // "2 min ago" ages even when nothing moves.
    setInterval(() => { if (!document.hidden) reload(); }, 30000);
    liveSocket("/console/live/socket", {
      status: (s) => { showConnection(conn, s); if (s === "connected") reload(); },
      frame: (msg) => {
        if (msg.type === "console.ready") return;
        if (msg.conversation_id) moved.add(msg.conversation_id);
        reload();
      },
    });
  }

  // -- one conversation, live --------------------------------------------------------
  function liveConversation() {
    const panel = document.getElementById("live");
    const transcript = document.getElementById("transcript");
    if (!panel || !transcript) return;
    const id = panel.dataset.conversation;
    const conn = panel.querySelector("[data-conn]");
    const status = panel.querySelector(".live-status");
    const flag = panel.querySelector("[data-flag]");
    const errorBox = panel.querySelector("[data-error]");
    let streaming = null;

    const setMode = (mode, staff) => {
      panel.dataset.mode = mode;
      panel.dataset.staff = staff || "";
      status.textContent = mode === "staff"
        ? `${staff || "Staff"} is answering; the assistant is paused.`
        : "The assistant is answering.";
      if (mode === "staff" && panel.dataset.staff === panel.dataset.me) {
        const box = panel.querySelector("textarea");
        if (box && document.activeElement !== box) box.focus();
      }
    };

    const nearBottom = () => window.innerHeight + window.scrollY >= document.body.scrollHeight - 160;
    const reload = throttled(async () => {
      const stick = nearBottom();
      streaming = null;
      await refresh(transcript);
      if (stick) window.scrollTo(0, document.body.scrollHeight);
    }, 300);

    // The answer streams into a provisional bubble; the stored turn replaces it when done.
    const streamBubble = () => {
      if (streaming) return streaming;
      const list = transcript.querySelector(".timeline");
      const row = document.createElement("li");
      row.className = "row msg-row msg-assistant";
      const col = document.createElement("div");
      col.className = "chat-col";
      const bubble = document.createElement("div");
      bubble.className = "bubble assistant streaming";
      const text = document.createElement("p");
      text.className = "text";
      bubble.appendChild(text);
      col.appendChild(bubble);
      const why = document.createElement("div");
      why.className = "why-col";
      why.textContent = "Answering…";
      row.append(col, why);
      if (list) list.appendChild(row);
      streaming = { row, text, why };
      return streaming;
    };

    const onFrame = (f) => {
      const d = f.data || {};
      switch (f.type) {
        case "console.ready":
          if (d.live) setMode(d.mode, d.staff);
          else status.textContent = "This conversation has ended.";
          if (flag) flag.hidden = !d.needs_human;
          reload();
          break;
        case "assistant.start":
          streamBubble();
          break;
        case "assistant.delta":
          streamBubble().text.textContent += d.text || "";
          break;
        case "products.shown":
          streamBubble().why.textContent = `Answering… ${(d.items || []).length} products shown`;
          break;
        case "staff.joined":
          setMode("staff", d.staff);
          if (flag) flag.hidden = true;
          document.querySelectorAll("[data-flag-badge]").forEach((b) => { b.hidden = true; });
          reload();
          break;
        case "staff.left":
          setMode("assistant", null);
          reload();
          break;
        case "conversation.flagged":
          if (flag) flag.hidden = false;
          break;
        case "user.message":
        case "staff.message":
        case "assistant.done":
          reload();
          break;
        default:
          break;
      }
    };
    liveSocket(`/console/live/socket/${encodeURIComponent(id)}`, {
      status: (s) => showConnection(conn, s),
      frame: onFrame,
    });

    const api = (action, body) => fetch(`/api/staff/conversations/${encodeURIComponent(id)}/${action}`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: body ? JSON.stringify(body) : null,
    });

    const showError = (text) => {
      if (!errorBox) return;
      errorBox.textContent = text || "";
      errorBox.hidden = !text;
    };

    panel.querySelectorAll("form[data-action]").forEach((form) => {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const action = form.dataset.action;
        const button = form.querySelector("button[type=submit]");
        const box = form.querySelector("textarea");
        const body = action === "messages" ? { text: box.value } : null;
        if (action === "messages" && !box.value.trim()) return;
        button.disabled = true;
        showError("");
        try {
          const response = await api(action, body);
          const answer = await response.json().catch(() => ({}));
          if (!response.ok) {
            showError(answer.message || `Could not ${action} (HTTP ${response.status}).`);
            return;
          }
          if (action === "takeover") setMode("staff", answer.staff);
          if (action === "handback") setMode("assistant", null);
          if (action === "messages") { box.value = ""; box.focus(); }
        } catch (_) {
          showError("The console could not reach the server; try again.");
        } finally {
          button.disabled = false;
        }
      });
    });
    const box = panel.querySelector("textarea");
    if (box) {
      box.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && !event.shiftKey) {
          event.preventDefault();
          box.form.requestSubmit();
        }
      });
    }
  }

  function backLinks() {
    document.querySelectorAll("[data-back]").forEach((a) => {
      a.addEventListener("click", (event) => {
        if (history.length > 1) { event.preventDefault(); history.back(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    backLinks();
    if (document.body.dataset.page === "live") liveList();
    if (document.body.dataset.page === "conversation") liveConversation();
  });
})();

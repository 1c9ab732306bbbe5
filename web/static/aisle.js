/* Aisle chat widget: one global, `window.Aisle.init({...})`, speaking websocket protocol v1.
 *
 * Vanilla ES2020, no build step, no external URLs. The UI lives in a Shadow DOM so the
 * shop's CSS cannot reach it (and ours cannot leak out); every class is prefixed `aisle-`.
 * Server text is only ever written with textContent. See web/static/README.md to embed it.
 */
(function () {
  "use strict";

  if (window.Aisle && window.Aisle.version) return; // the script was included twice: keep the first

  const VERSION = "1.0.0";
  const PROTOCOL = 1;
  const WHERE = "Aisle.init: ";
  const PING_MS = 25000; // keeps idle proxies from dropping the socket
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_CAP_MS = 15000;
  const TRANSCRIPT_CAP = 200; // entries kept in sessionStorage
  const OUTBOX_CAP = 50;

  // ---------------------------------------------------------------------------------------
  // Options

  const OPTIONS = {
    server: "string",
    shopperId: "string", // refused below, with a pointer to shopperToken
    shopperToken: "string",
    theme: "string",
    greeting: "string",
    title: "string",
    position: "string",
    open: "boolean",
    cart: "boolean",
    onView: "function",
    onAddToCart: "function",
    allowedOrigins: "array",
  };

  /** The `sub` of a JWT, read without verifying (the server verifies): who this tab is for. */
  function tokenSubject(token) {
    if (typeof token !== "string" || token.length > 2048) return null;
    const parts = token.split(".");
    if (parts.length !== 3 || !parts.every((p) => /^[\w-]+$/.test(p))) return null;
    try {
      const json = atob(parts[1].replace(/-/g, "+").replace(/_/g, "/"));
      const claims = JSON.parse(json);
      return typeof claims.sub === "string" && claims.sub ? claims.sub : null;
    } catch (_) {
      return null;
    }
  }

  function fail(message) {
    throw new TypeError(WHERE + message);
  }

  function resolveServer(value, fallbackOrigin) {
    const raw = value === undefined ? fallbackOrigin : value;
    let url;
    try {
      url = new URL(raw);
    } catch (_) {
      url = null;
    }
    if (!url || !/^(wss?|https?):$/.test(url.protocol)) {
      fail('"server" must be a ws:// or wss:// URL or an http(s) origin, got ' + JSON.stringify(raw));
    }
    if (url.protocol === "http:" || url.protocol === "https:") {
      if (url.pathname !== "/" || url.search || url.hash) {
        fail('"server" as an http(s) URL must be an origin such as "https://shop.example", got ' +
          JSON.stringify(raw));
      }
      return (url.protocol === "https:" ? "wss://" : "ws://") + url.host + "/ws/chat";
    }
    if (url.pathname === "/" || url.pathname === "") url.pathname = "/ws/chat";
    return url.href;
  }

  function checkOrigin(value, name) {
    let url = null;
    try {
      url = new URL(value);
    } catch (_) {
      url = null;
    }
    if (!url || url.origin === "null" || url.origin !== value.replace(/\/$/, "")) {
      fail('"' + name + '" must list origins such as "https://shop.example", got ' + JSON.stringify(value));
    }
    return url.origin;
  }

  /** Validates `Aisle.init`'s argument and returns the normalised configuration. */
  function configure(options, scriptOrigin) {
    if (options === undefined) options = {};
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      fail("expected an options object, got " + (options === null ? "null" : typeof options));
    }
    for (const key of Object.keys(options)) {
      if (!(key in OPTIONS)) {
        fail('unknown option "' + key + '" (known: ' + Object.keys(OPTIONS).join(", ") + ")");
      }
      const want = OPTIONS[key];
      const value = options[key];
      if (value === undefined) continue;
      const ok = want === "array" ? Array.isArray(value) : typeof value === want;
      if (!ok) fail('"' + key + '" must be a ' + want + ", got " + (value === null ? "null" : typeof value));
    }
    const cfg = {
      server: resolveServer(options.server, scriptOrigin || window.location.origin),
      shopperToken: null,
      shopperKey: null,
      theme: "#0f766e",
      greeting: "Hi! I can help you find products, compare them and answer questions about the shop.",
      title: "Shopping assistant",
      position: "right",
      open: options.open === true,
      onView: options.onView || null,
      onAddToCart: options.onAddToCart || null,
      cart: options.cart === true || typeof options.onAddToCart === "function",
      allowedOrigins: [window.location.origin],
    };
    if (options.shopperId !== undefined) {
      // A bare id would let anyone read or poison that customer's history.
      fail('"shopperId" is no longer taken: pass "shopperToken", a token your backend signs ' +
        "for the signed-in shopper (see the widget's README)");
    }
    if (options.shopperToken !== undefined) {
      const key = tokenSubject(options.shopperToken);
      if (key === null) {
        fail('"shopperToken" must be the JWT your backend signed (three base64url parts with a "sub"), got ' +
          JSON.stringify(options.shopperToken.slice(0, 40)));
      }
      cfg.shopperToken = options.shopperToken;
      cfg.shopperKey = key;
    }
    if (options.theme !== undefined) {
      const okColour = window.CSS && window.CSS.supports ? window.CSS.supports("color", options.theme)
        : /^#[0-9a-f]{3,8}$/i.test(options.theme);
      if (!okColour || /var\(|url\(/i.test(options.theme)) {
        fail('"theme" must be a CSS colour such as "#0f766e", got ' + JSON.stringify(options.theme));
      }
      cfg.theme = options.theme;
    }
    for (const key of ["greeting", "title"]) {
      if (options[key] === undefined) continue;
      const text = options[key].trim();
      if (key === "title" && !text) fail('"title" must not be empty');
      if (text.length > 500) fail('"' + key + '" must be at most 500 characters');
      cfg[key] = text;
    }
    if (options.position !== undefined) {
      if (options.position !== "left" && options.position !== "right") {
        fail('"position" must be "left" or "right", got ' + JSON.stringify(options.position));
      }
      cfg.position = options.position;
    }
    if (options.allowedOrigins !== undefined) {
      cfg.allowedOrigins = options.allowedOrigins.map((o) => {
        if (typeof o !== "string") fail('"allowedOrigins" must be an array of origin strings');
        return checkOrigin(o, "allowedOrigins");
      });
    }
    return cfg;
  }

  /** Options from the script tag's data- attributes, or null when it has none (no auto-start). */
  function optionsFromScript(script) {
    if (!script || !script.dataset) return null;
    const d = script.dataset;
    const names = ["server", "shopperToken", "shopperId", "theme", "greeting", "title", "position", "open",
      "cart", "allowedOrigins"];
    if (!names.some((n) => d[n] !== undefined)) return null;
    const options = {};
    for (const n of ["server", "shopperToken", "shopperId", "theme", "greeting", "title", "position"]) {
      if (d[n] !== undefined) options[n] = d[n];
    }
    for (const n of ["open", "cart"]) {
      if (d[n] !== undefined) options[n] = d[n] === "" || d[n] === "true";
    }
    if (d.allowedOrigins !== undefined) options.allowedOrigins = d.allowedOrigins.split(/[\s,]+/).filter(Boolean);
    return options;
  }

  // ---------------------------------------------------------------------------------------
  // Small helpers

  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function frame(type, data) {
    return { v: PROTOCOL, type: type, id: uid(), data: data || {} };
  }

  function el(tag, className, attrs) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === "text") node.textContent = v;
        else node.setAttribute(k, v === true ? "" : String(v));
      }
    }
    return node;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M4 5.5A2.5 2.5 0 0 1 6.5 3h11A2.5 2.5 0 0 1 20 5.5v8a2.5 2.5 0 0 1-2.5 2.5H10l-4.2 3.6c-.5.4-1.3.1-1.3-.6V16A2.5 2.5 0 0 1 4 13.5z",
    close: "M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z",
    send: "M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z",
    up: "M7 11v9H3v-9zm2 9h8.2a2 2 0 0 0 2-1.6l1.3-6.3A2 2 0 0 0 18.5 10H14l.7-3.8A1.9 1.9 0 0 0 12.8 4h-.4L9 9.5z",
    down: "M17 13V4h4v9zm-2-9H6.8a2 2 0 0 0-2 1.6l-1.3 6.3A2 2 0 0 0 5.5 14H10l-.7 3.8a1.9 1.9 0 0 0 1.9 2.2h.4L15 14.5z",
  };

  function icon(name, size) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size || 20));
    svg.setAttribute("height", String(size || 20));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "currentColor");
    svg.appendChild(path);
    return svg;
  }

  function hue(text) {
    let h = 0;
    for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
    return h % 360;
  }

  /** An inline SVG placeholder for a product without an image: its initial on a soft colour. */
  function placeholder(title, size) {
    const h = hue(title || "?");
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 64 64");
    svg.setAttribute("width", String(size));
    svg.setAttribute("height", String(size));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const rect = document.createElementNS(SVG_NS, "rect");
    rect.setAttribute("width", "64");
    rect.setAttribute("height", "64");
    rect.setAttribute("rx", "10");
    rect.setAttribute("fill", "hsl(" + h + " 45% 88%)");
    const circle = document.createElementNS(SVG_NS, "circle");
    circle.setAttribute("cx", "50");
    circle.setAttribute("cy", "14");
    circle.setAttribute("r", "22");
    circle.setAttribute("fill", "hsl(" + h + " 45% 80%)");
    const t = document.createElementNS(SVG_NS, "text");
    t.setAttribute("x", "32");
    t.setAttribute("y", "41");
    t.setAttribute("text-anchor", "middle");
    t.setAttribute("font-size", "26");
    t.setAttribute("font-weight", "600");
    t.setAttribute("font-family", "system-ui, sans-serif");
    t.setAttribute("fill", "hsl(" + h + " 40% 30%)");
    t.textContent = ((title || "?").trim()[0] || "?").toUpperCase();
    svg.append(rect, circle, t);
    return svg;
  }

  function safeUrl(value, kinds) {
    if (typeof value !== "string" || !value) return null;
    try {
      const url = new URL(value, window.location.href);
      return kinds.includes(url.protocol) ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function money(price, currency) {
    if (typeof price !== "number" || !isFinite(price)) return "";
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined, {
        style: "currency",
        currency: currency || "GBP",
      }).format(price);
    } catch (_) {
      return price.toFixed(2) + " " + (currency || "");
    }
  }

  /** A colour's readable text colour: near-black on light accents, white on dark ones. */
  function onColour(root, colour) {
    const probe = el("span");
    probe.style.color = colour;
    probe.style.display = "none";
    root.appendChild(probe);
    const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || ["0", "0", "0"]).slice(0, 3).map(Number);
    probe.remove();
    const lin = rgb.map((c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    });
    const lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return lum > 0.4 ? "#111827" : "#ffffff";
  }

  // ---------------------------------------------------------------------------------------
  // Session storage: the conversation's token, last seq, pending messages and transcript.

  function makeStore(server) {
    const key = "aisle:v1:" + server;
    function read(name, fallback) {
      try {
        const raw = window.sessionStorage.getItem(key + ":" + name);
        return raw ? JSON.parse(raw) : fallback;
      } catch (_) {
        return fallback; // storage disabled or corrupt: start afresh
      }
    }
    function write(name, value) {
      try {
        window.sessionStorage.setItem(key + ":" + name, JSON.stringify(value));
      } catch (_) {
        /* quota or privacy mode: the widget still works, it just forgets on reload */
      }
    }
    return {
      load() {
        const state = read("state", null);
        const transcript = read("transcript", []);
        return {
          state: state && state.v === 1 ? state : null,
          transcript: Array.isArray(transcript) ? transcript : [],
        };
      },
      save(state, transcript) {
        // Written together so the saved last_seq always matches what the transcript shows.
        write("state", state);
        write("transcript", transcript.slice(-TRANSCRIPT_CAP));
      },
    };
  }

  function freshState(shopperKey) {
    return {
      v: 1,
      token: null,
      lastSeq: 0,
      conversationId: null,
      shopperId: shopperKey,
      pending: [], // [{id, text}]: sent (or to send) and not yet answered
      viewed: [],
      open: false,
      staff: null,
      maxChars: 0, // the server's max_message_chars, from session.welcome (0: not known yet)
    };
  }

  // ---------------------------------------------------------------------------------------
  // Frames from the server, routed by type.

  const HANDLERS = {
    "session.welcome": (w, d) => w.onWelcome(d),
    "assistant.start": (w, d) => w.onStart(d),
    "assistant.delta": (w, d) => w.onDelta(d),
    "assistant.status": (w, d) => w.onStatus(d),
    "products.shown": (w, d) => w.onProducts(d),
    "suggestions": (w, d) => w.onSuggestions(d),
    "assistant.done": (w, d) => w.onDone(d),
    "staff.joined": (w, d) => w.onStaff("joined", d),
    "staff.message": (w, d) => w.onStaffMessage(d),
    "staff.left": (w, d) => w.onStaff("left", d),
    "error": (w, d) => w.onError(d),
    "pong": () => {},
    // Not in v1's list: the gateway's note that it stored a shopper message (an ack).
    "user.message": (w, d) => w.onUserEcho(d),
  };

  // What the shopper reads for an error code. The codes are the protocol's (the `code`
  // enum of the error frame in /protocol/v1.schema.json; a test holds these keys to it);
  // any other code shows the server's own message.
  const ERROR_NOTES = {
    rate_limited: "You're sending messages quickly. Give it a moment and try again.",
    message_too_long: "That message is a little long. Could you shorten it?",
    replay_gap: "Some earlier messages of this chat could not be restored.",
    session_expired: "", // the welcome already said so
    // The shop's token did not verify: the chat goes on anonymously; the shop's developer
    // sees why in the console, the shopper sees nothing.
    bad_shopper_token: "",
    shopper_token_expired: "",
    shopper_tokens_off: "",
    shopper_unverified: "",
  };

  // ---------------------------------------------------------------------------------------
  // The widget

  class Widget {
    constructor(cfg) {
      this.cfg = cfg;
      this.store = makeStore(cfg.server);
      const saved = this.store.load();
      this.state = saved.state || freshState(cfg.shopperKey);
      this.transcript = saved.transcript;
      if (this.state.shopperId !== cfg.shopperKey) {
        // A different shopper in this tab: never show them the previous one's chat.
        this.state = freshState(cfg.shopperKey);
        this.transcript = [];
      }
      this.views = new WeakMap(); // transcript entry -> its DOM parts
      this.viewed = new Set(this.state.viewed);
      this.sentFrames = new Map(); // user.message frame id -> client_id, to match error refs
      this.outbox = [];
      this.ws = null;
      this.ready = false;
      this.attempt = 0;
      this.retryTimer = 0;
      this.pingTimer = 0;
      this.saveTimer = 0;
      this.unread = 0;
      this.connection = "idle";
      this.live = null;
      this.chipsEntry = null;
      const last = this.transcript[this.transcript.length - 1];
      if (last && last.k === "bot" && !last.done) this.live = last; // reloaded mid-answer
      this.build();
      this.renderAll();
      this.bindGlobal();
      if (this.state.open || cfg.open) this.open(false);
      else if (this.state.token || this.state.pending.length) this.connect();
    }

    // -- DOM --------------------------------------------------------------------------------

    build() {
      const host = el("div", null, { id: "aisle-widget", "data-aisle": VERSION });
      this.host = host;
      const root = host.attachShadow({ mode: "open" });
      this.root = root;
      if (root.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function" &&
          CSSStyleSheet.prototype.replaceSync) {
        // A constructed sheet is not inline CSS, so pages with a strict CSP (style-src
        // without 'unsafe-inline', as Aisle's own pages send) still style the widget.
        const sheet = new CSSStyleSheet();
        sheet.replaceSync(STYLES);
        root.adoptedStyleSheets = [sheet];
      } else {
        const style = el("style");
        style.textContent = STYLES;
        root.appendChild(style);
      }
      const on = onColour(root, this.cfg.theme);
      host.style.setProperty("--aisle-accent", this.cfg.theme);
      host.style.setProperty("--aisle-on-accent", on);

      const wrap = el("div", "aisle-root aisle-" + this.cfg.position);
      const panelId = "aisle-panel";
      const panel = el("section", "aisle-panel", {
        id: panelId,
        role: "dialog",
        "aria-modal": "false",
        "aria-labelledby": "aisle-title",
        hidden: true,
      });
      const header = el("header", "aisle-header");
      const heading = el("div", "aisle-heading");
      heading.append(
        el("h2", "aisle-title", { id: "aisle-title", text: this.cfg.title }),
        (this.statusEl = el("p", "aisle-status", { text: "" })),
      );
      const closeBtn = el("button", "aisle-icon-btn aisle-close", {
        type: "button",
        "aria-label": "Close " + this.cfg.title.toLowerCase(),
      });
      closeBtn.appendChild(icon("close", 20));
      closeBtn.addEventListener("click", () => this.close(true));
      header.append(heading, closeBtn);

      const log = el("div", "aisle-log", {
        role: "log",
        "aria-live": "polite",
        "aria-relevant": "additions",
        "aria-label": "Conversation",
        tabindex: "-1",
      });
      this.log = log;
      const typing = el("div", "aisle-typing", { hidden: true });
      typing.append(el("span", "aisle-dot"), el("span", "aisle-dot"), el("span", "aisle-dot"),
        el("span", "aisle-sr", { text: "The assistant is typing" }));
      this.typing = typing;

      const form = el("form", "aisle-composer");
      const label = el("label", "aisle-sr", { for: "aisle-input", text: "Message" });
      const input = el("textarea", "aisle-input", {
        id: "aisle-input",
        rows: "1",
        placeholder: "Ask about products…",
        autocomplete: "off",
        enterkeyhint: "send",
      });
      this.input = input;
      if (this.state.maxChars) input.maxLength = this.state.maxChars;
      const sendBtn = el("button", "aisle-send", { type: "submit", "aria-label": "Send message" });
      sendBtn.appendChild(icon("send", 20));
      form.append(label, input, sendBtn);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        this.submit();
      });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.submit();
        }
      });
      input.addEventListener("input", () => this.autosize());

      this.announcer = el("div", "aisle-sr", { role: "status", "aria-live": "polite" });
      panel.append(header, log, form, this.announcer);
      panel.addEventListener("keydown", (e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          this.close(true);
        }
      });
      this.panel = panel;

      const launcher = el("button", "aisle-launcher", {
        type: "button",
        "aria-controls": panelId,
        "aria-expanded": "false",
        "aria-label": "Open " + this.cfg.title.toLowerCase(),
      });
      launcher.append(icon("chat", 26), icon("close", 24));
      this.badge = el("span", "aisle-badge", { hidden: true, "aria-hidden": "true" });
      launcher.appendChild(this.badge);
      launcher.addEventListener("click", () => (this.isOpen() ? this.close(true) : this.open(true)));
      this.launcher = launcher;

      wrap.append(panel, launcher);
      root.appendChild(wrap);
      this.wrap = wrap;

      if ("IntersectionObserver" in window) {
        this.observer = new IntersectionObserver((entries) => {
          for (const entry of entries) {
            if (!entry.isIntersecting) continue;
            this.observer.unobserve(entry.target);
            const id = entry.target.getAttribute("data-product-id");
            if (id && !this.viewed.has(id)) {
              this.viewed.add(id);
              this.state.viewed = Array.from(this.viewed).slice(-200);
              this.sendSoon("user.event", { name: "view", product_id: id });
              this.save();
            }
          }
        }, { root: log, threshold: 0.6 });
      }
      document.body.appendChild(host);
    }

    bindGlobal() {
      window.addEventListener("pagehide", () => this.flush());
      window.addEventListener("online", () => {
        if (!this.ws && this.wanted()) this.reconnectNow();
      });
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible" && !this.ws && this.wanted()) this.reconnectNow();
      });
      // Commands from other frames of the shop: only from origins the shop allowed.
      window.addEventListener("message", (event) => {
        if (!this.cfg.allowedOrigins.includes(event.origin)) return;
        const msg = event.data;
        if (!msg || typeof msg !== "object" || typeof msg.aisle !== "string") return;
        if (msg.aisle === "open") this.open(false);
        else if (msg.aisle === "close") this.close(false);
        else if (msg.aisle === "toggle") (this.isOpen() ? this.close(false) : this.open(false));
        else if (msg.aisle === "send" && typeof msg.text === "string") this.send(msg.text);
      });
    }

    autosize() {
      const input = this.input;
      input.style.height = "auto";
      input.style.height = Math.min(input.scrollHeight, 120) + "px";
    }

    isOpen() {
      return !this.panel.hidden;
    }

    open(focus) {
      this.panel.hidden = false;
      this.wrap.classList.add("aisle-is-open");
      this.launcher.setAttribute("aria-expanded", "true");
      this.launcher.setAttribute("aria-label", "Close " + this.cfg.title.toLowerCase());
      this.state.open = true;
      this.unread = 0;
      this.updateBadge();
      this.connect();
      this.scrollDown(true);
      if (focus) this.input.focus();
      this.save();
    }

    close(returnFocus) {
      if (this.panel.hidden) return;
      const hadFocus = this.root.activeElement && this.panel.contains(this.root.activeElement);
      this.panel.hidden = true;
      this.wrap.classList.remove("aisle-is-open");
      this.launcher.setAttribute("aria-expanded", "false");
      this.state.open = false;
      this.updateBadge();
      if (returnFocus || hadFocus) this.launcher.focus();
      this.save();
    }

    updateBadge() {
      const base = "Open " + this.cfg.title.toLowerCase();
      if (this.isOpen()) return;
      this.badge.hidden = this.unread === 0;
      this.badge.textContent = this.unread > 9 ? "9+" : String(this.unread);
      this.launcher.setAttribute("aria-label",
        this.unread ? base + " (" + this.unread + " new " + (this.unread === 1 ? "message" : "messages") + ")" : base);
    }

    setConnection(state) {
      this.connection = state;
      const words = {
        idle: "",
        connecting: "Connecting…",
        online: this.state.staff ? this.state.staff + " from the shop is here" : "Here to help",
        reconnecting: "Reconnecting…",
      };
      this.statusEl.textContent = words[state] || "";
      this.wrap.classList.toggle("aisle-offline", state === "reconnecting");
    }

    /** Follows new content unless the shopper scrolled away; a long answer stays pinned at
     * its first line rather than scrolling its start out of sight. */
    scrollDown(force) {
      const log = this.log;
      const untouched = this.autoTop !== undefined && Math.abs(log.scrollTop - this.autoTop) < 2;
      const near = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
      if (!force && !near && !untouched) return;
      let target = log.scrollHeight - log.clientHeight;
      const view = this.live && this.views.get(this.live);
      if (view && !force) {
        const top = view.root.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 8;
        target = Math.min(target, Math.max(top, log.scrollTop));
      }
      if (force || target > log.scrollTop) log.scrollTop = target;
      this.autoTop = log.scrollTop;
    }

    // -- rendering the transcript ---------------------------------------------------------

    renderAll() {
      this.log.textContent = "";
      if (this.cfg.greeting) {
        const g = el("div", "aisle-msg aisle-bot aisle-greeting");
        g.appendChild(el("div", "aisle-bubble", { text: this.cfg.greeting }));
        this.log.appendChild(g);
      }
      for (const entry of this.transcript) this.render(entry);
      this.log.appendChild(this.typing);
      this.refreshChips();
      this.updateTyping();
    }

    append(entry) {
      this.transcript.push(entry);
      if (this.transcript.length > TRANSCRIPT_CAP) this.transcript.shift();
      this.render(entry);
      this.log.appendChild(this.typing); // keep the indicator last
      this.refreshChips();
      this.scrollDown(entry.k === "user");
      if (!this.isOpen() && entry.k !== "user") {
        this.unread += 1;
        this.updateBadge();
      }
      this.save();
    }

    render(entry) {
      let node;
      if (entry.k === "user") node = this.renderUser(entry);
      else if (entry.k === "bot") node = this.renderBot(entry);
      else if (entry.k === "staff") node = this.renderStaff(entry);
      else node = this.renderNote(entry);
      this.log.insertBefore(node, this.typing.parentNode === this.log ? this.typing : null);
    }

    renderUser(entry) {
      const node = el("div", "aisle-msg aisle-user");
      node.appendChild(el("span", "aisle-sr", { text: "You said: " }));
      node.appendChild(el("div", "aisle-bubble", { text: entry.text }));
      const meta = el("div", "aisle-meta");
      node.appendChild(meta);
      this.views.set(entry, { root: node, meta: meta });
      this.updateUser(entry);
      return node;
    }

    updateUser(entry) {
      const view = this.views.get(entry);
      if (!view) return;
      const waiting = this.state.pending.some((p) => p.id === entry.id) && !this.ready;
      view.root.classList.toggle("aisle-waiting", waiting);
      view.meta.textContent = "";
      if (entry.failed) {
        view.meta.appendChild(el("span", null, { text: "Not sent. " }));
        const retry = el("button", "aisle-link", { type: "button", text: "Send again" });
        retry.addEventListener("click", () => {
          entry.failed = false;
          this.updateUser(entry);
          this.send(entry.text);
        });
        view.meta.appendChild(retry);
      } else if (waiting && this.connection === "reconnecting") {
        view.meta.textContent = "Will send when reconnected";
      }
    }

    renderBot(entry) {
      const node = el("div", "aisle-msg aisle-bot", { "data-turn": entry.turn || null });
      node.appendChild(el("span", "aisle-sr", { text: "Assistant: " }));
      const bubble = el("div", "aisle-bubble");
      const text = el("div", "aisle-text");
      text.textContent = entry.text;
      bubble.appendChild(text);
      const cards = el("ul", "aisle-cards", { "aria-label": "Products" });
      const chips = el("div", "aisle-chips", { role: "group", "aria-label": "Suggestions", hidden: true });
      const feedback = el("div", "aisle-feedback");
      node.append(bubble, cards, chips, feedback);
      const view = { root: node, bubble: bubble, text: text, cards: cards, chips: chips, feedback: feedback };
      this.views.set(entry, view);
      this.renderCards(entry, view);
      this.renderFeedback(entry, view);
      node.classList.toggle("aisle-streaming", !entry.done);
      bubble.hidden = !entry.text;
      return node;
    }

    renderStaff(entry) {
      const node = el("div", "aisle-msg aisle-staff");
      const who = el("div", "aisle-who");
      who.append(el("span", "aisle-avatar", { "aria-hidden": "true", text: (entry.name || "S")[0].toUpperCase() }),
        el("span", null, { text: (entry.name || "Staff") + " · shop team" }));
      node.append(who, el("div", "aisle-bubble", { text: entry.text }));
      return node;
    }

    renderNote(entry) {
      return el("div", "aisle-note aisle-note-" + (entry.tone || "info"), { text: entry.text });
    }

    renderCards(entry, view) {
      view.cards.textContent = "";
      view.cards.hidden = !entry.cards || entry.cards.length === 0;
      for (const card of entry.cards || []) view.cards.appendChild(this.renderCard(card));
    }

    renderCard(card) {
      const item = el("li", "aisle-card", { "data-product-id": card.id });
      const media = el("div", "aisle-card-media");
      const image = safeUrl(card.image_url, ["https:", "http:"]);
      if (image) {
        const img = el("img", null, { src: image, alt: "", loading: "lazy", width: "64", height: "64" });
        img.addEventListener("error", () => img.replaceWith(placeholder(card.title, 64)), { once: true });
        media.appendChild(img);
      } else {
        media.appendChild(placeholder(card.title, 64));
      }
      const body = el("div", "aisle-card-body");
      const titleId = "aisle-card-" + uid().slice(0, 10);
      const title = el("h3", "aisle-card-title", { id: titleId, text: card.title });
      const facts = el("p", "aisle-card-facts");
      facts.appendChild(el("span", "aisle-price", { text: money(card.price, card.currency) }));
      if (typeof card.rating === "number") {
        facts.appendChild(el("span", "aisle-rating", {
          text: "★ " + card.rating.toFixed(1),
          "aria-label": "Rated " + card.rating.toFixed(1) + " out of 5",
        }));
      }
      facts.appendChild(el("span", card.in_stock ? "aisle-stock aisle-in" : "aisle-stock aisle-out", {
        text: card.in_stock ? "In stock" : "Out of stock",
      }));
      body.append(title, facts);
      if (card.reason) body.appendChild(el("p", "aisle-reason", { text: card.reason }));
      const actions = el("div", "aisle-card-actions");
      const view = el("button", "aisle-btn aisle-btn-ghost", {
        type: "button",
        text: "View",
        "aria-label": "View " + card.title,
      });
      view.addEventListener("click", () => this.viewProduct(card));
      actions.appendChild(view);
      if (this.cfg.cart) {
        const add = el("button", "aisle-btn aisle-btn-primary", {
          type: "button",
          text: "Add to cart",
          "aria-label": "Add " + card.title + " to cart",
          disabled: !card.in_stock,
        });
        add.addEventListener("click", () => this.addToCart(card, add));
        actions.appendChild(add);
      }
      body.appendChild(actions);
      item.setAttribute("aria-labelledby", titleId);
      item.append(media, body);
      if (this.observer) this.observer.observe(item);
      return item;
    }

    renderFeedback(entry, view) {
      view.feedback.textContent = "";
      view.feedback.hidden = !(entry.done && entry.turn && entry.text);
      if (view.feedback.hidden) return;
      const group = el("div", "aisle-thumbs", { role: "group", "aria-label": "Was this answer helpful?" });
      for (const [rating, name, label] of [[1, "up", "Helpful"], [-1, "down", "Not helpful"]]) {
        const b = el("button", "aisle-icon-btn aisle-thumb", {
          type: "button",
          "aria-label": label,
          "aria-pressed": entry.rating === rating ? "true" : "false",
        });
        b.appendChild(icon(name, 16));
        b.addEventListener("click", () => {
          entry.rating = entry.rating === rating ? 0 : rating;
          if (entry.rating) this.sendSoon("user.feedback", { turn_id: entry.turn, rating: rating });
          for (const other of group.querySelectorAll("button")) other.setAttribute("aria-pressed", "false");
          b.setAttribute("aria-pressed", entry.rating ? "true" : "false");
          if (entry.rating) this.announce("Thanks for the feedback.");
          this.save();
        });
        group.appendChild(b);
      }
      view.feedback.appendChild(group);
    }

    refreshChips() {
      // Only the latest answer offers its suggestions, until the shopper writes again.
      let target = null;
      for (let i = this.transcript.length - 1; i >= 0; i--) {
        const e = this.transcript[i];
        if (e.k === "user") break;
        if (e.k === "bot") {
          target = e.done && e.chips && e.chips.length ? e : null;
          break;
        }
      }
      if (target === this.chipsEntry) return;
      const old = this.chipsEntry && this.views.get(this.chipsEntry);
      if (old) {
        old.chips.textContent = "";
        old.chips.hidden = true;
      }
      this.chipsEntry = target;
      const view = target && this.views.get(target);
      if (!view) return;
      view.chips.hidden = false;
      for (const text of target.chips) {
        const chip = el("button", "aisle-chip", { type: "button", text: text });
        chip.addEventListener("click", () => this.send(text));
        view.chips.appendChild(chip);
      }
    }

    updateTyping() {
      const waiting = !this.state.staff && (
        (this.live && !this.live.done && !this.live.text) ||
        (!this.live && this.state.pending.length > 0)
      );
      this.typing.hidden = !waiting;
      this.log.setAttribute("aria-busy", this.live && !this.live.done ? "true" : "false");
      if (waiting) this.scrollDown(false);
    }

    announce(text) {
      this.announcer.textContent = "";
      setTimeout(() => (this.announcer.textContent = text), 50);
    }

    // -- shopper actions ----------------------------------------------------------------

    submit() {
      const text = this.input.value.trim();
      if (!text) return;
      if (this.send(text)) {
        this.input.value = "";
        this.autosize();
      }
    }

    /** Sends a message now, or as soon as the socket is back; true when accepted. */
    send(text) {
      text = String(text).trim();
      if (!text) return false;
      // The limit is the server's (session.welcome carries it); before the first welcome
      // the server alone checks, and answers message_too_long.
      const limit = this.state.maxChars;
      if (limit && text.length > limit) {
        this.append({ k: "note", text: "Messages can be up to " + limit + " characters.", tone: "error" });
        return false;
      }
      const entry = { k: "user", id: uid(), text: text };
      // Until assistant.done arrives for it, the message is resent (same client_id) on
      // reconnect. A person answering gets no assistant.done: once sent, it is delivered.
      if (!(this.state.staff && this.ready)) this.state.pending.push({ id: entry.id, text: text });
      this.append(entry);
      if (!this.isOpen()) this.open(false);
      this.connect();
      if (this.ready) this.sendMessage(entry.id, text);
      this.updateTyping();
      this.save();
      return true;
    }

    sendMessage(clientId, text) {
      const f = frame("user.message", { text: text, client_id: clientId });
      this.sentFrames.set(f.id, clientId);
      if (this.sentFrames.size > 100) this.sentFrames.delete(this.sentFrames.keys().next().value);
      this.raw(f);
    }

    viewProduct(card) {
      this.sendSoon("user.event", { name: "click", product_id: card.id });
      const event = new CustomEvent("aisle:view", { detail: { product: card }, cancelable: true });
      const proceed = window.dispatchEvent(event);
      if (this.cfg.onView) {
        try {
          this.cfg.onView(card);
        } catch (e) {
          console.error("Aisle: onView failed", e);
        }
      } else if (proceed) {
        const url = safeUrl(card.url, ["https:", "http:"]);
        if (url) window.location.assign(url);
        return;
      }
      // On a phone the panel covers the page the shop just showed.
      if (window.matchMedia && window.matchMedia("(max-width: 480px)").matches) this.close(false);
    }

    async addToCart(card, button) {
      // aria-disabled, not disabled: a disabled button drops keyboard focus to the page.
      if (button.getAttribute("aria-disabled") === "true") return;
      this.sendSoon("user.event", { name: "cart", product_id: card.id });
      button.setAttribute("aria-disabled", "true");
      let ok = true;
      try {
        window.dispatchEvent(new CustomEvent("aisle:cart", { detail: { product: card } }));
        if (this.cfg.onAddToCart) ok = (await this.cfg.onAddToCart(card)) !== false;
      } catch (e) {
        console.error("Aisle: onAddToCart failed", e);
        ok = false;
      }
      button.textContent = ok ? "Added ✓" : "Couldn't add";
      this.announce(ok ? card.title + " added to your cart." : "Sorry, " + card.title + " could not be added.");
      setTimeout(() => {
        button.textContent = "Add to cart";
        button.removeAttribute("aria-disabled");
      }, 2000);
    }

    // -- socket ---------------------------------------------------------------------------

    wanted() {
      return this.isOpen() || !!this.state.token || this.state.pending.length > 0;
    }

    connect() {
      if (this.ws || this.retryTimer) return;
      let ws;
      this.setConnection(this.attempt ? "reconnecting" : "connecting");
      try {
        ws = new WebSocket(this.cfg.server);
      } catch (e) {
        console.error("Aisle: cannot open " + this.cfg.server, e);
        this.scheduleReconnect();
        return;
      }
      if (ws.readyState === WebSocket.CLOSED) {
        // Refused before it began (the page's Content-Security-Policy, say): Chromium fires
        // an error but never a close, so holding it as this.ws would stop every retry.
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      this.ready = false;
      ws.onopen = () => {
        const hello = { last_seq: this.state.lastSeq || 0 };
        if (this.state.token) hello.resume_token = this.state.token;
        if (this.cfg.shopperToken) hello.shopper_token = this.cfg.shopperToken;
        this.raw(frame("session.hello", hello), ws);
      };
      ws.onmessage = (event) => {
        if (ws !== this.ws) return;
        let f;
        try {
          f = JSON.parse(event.data);
        } catch (_) {
          return;
        }
        this.onFrame(f);
      };
      ws.onclose = (event) => this.onClose(ws, event);
      ws.onerror = () => {}; // a close event follows with the code
    }

    onClose(ws, event) {
      if (ws !== this.ws) return;
      this.ws = null;
      this.ready = false;
      clearInterval(this.pingTimer);
      this.pingTimer = 0;
      if (event.code === 4401) {
        // The resume token was refused: start a new conversation, keep what is on screen.
        this.state.token = null;
        this.state.lastSeq = 0;
      }
      this.setConnection("reconnecting");
      this.refreshPending();
      if (this.wanted()) this.scheduleReconnect(event.code === 1008 ? 5000 : 0);
      this.save();
    }

    scheduleReconnect(minimum) {
      clearTimeout(this.retryTimer);
      // Full jitter over an exponential cap (at least half of it): clients that lost the
      // server together do not all come back in the same instant.
      const cap = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, this.attempt));
      const delay = Math.max(minimum || 0, cap / 2 + Math.random() * cap / 2);
      this.attempt += 1;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = 0;
        this.connect();
      }, delay);
    }

    reconnectNow() {
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
      this.connect();
    }

    raw(f, ws) {
      const socket = ws || this.ws;
      if (!socket || socket.readyState !== WebSocket.OPEN) return false;
      try {
        socket.send(JSON.stringify(f));
        return true;
      } catch (_) {
        return false;
      }
    }

    /** Events and feedback: sent now, or queued (bounded) until the session is back. */
    sendSoon(type, data) {
      const f = frame(type, data);
      if (this.ready && this.raw(f)) return;
      this.outbox.push(f);
      if (this.outbox.length > OUTBOX_CAP) this.outbox.shift();
      if (this.wanted()) this.connect();
    }

    onFrame(f) {
      if (!f || typeof f !== "object" || f.v !== PROTOCOL || typeof f.type !== "string") return;
      if (typeof f.seq === "number") {
        if (f.seq <= this.state.lastSeq) return; // already shown (a replay overlap)
        if (f.seq > this.state.lastSeq + 1 && this.state.lastSeq > 0 && !this.gapKnown) {
          // Frames were skipped (the server said nothing of a gap): resume from the last
          // one shown, and the server replays the rest in order.
          if (this.ws) this.ws.close(4000, "missed frames");
          return;
        }
        this.gapKnown = false;
        this.state.lastSeq = f.seq;
      }
      const handler = HANDLERS[f.type];
      if (!handler) return; // a newer server's frame: ignore it
      try {
        handler(this, f.data && typeof f.data === "object" ? f.data : {});
      } catch (e) {
        console.error("Aisle: could not handle a " + f.type + " frame", e);
      }
      this.save();
    }

    onWelcome(d) {
      const had = this.state.token;
      if (!d.resumed) {
        this.state.lastSeq = 0;
        this.finishInterrupted();
        if (had && this.transcript.length) {
          this.append({ k: "note", text: "Your earlier chat has ended; this is a new conversation.", tone: "info" });
        }
        this.state.staff = null;
      }
      this.state.token = typeof d.resume_token === "string" ? d.resume_token : null;
      this.state.conversationId = d.conversation_id || null;
      if (Number.isInteger(d.max_message_chars) && d.max_message_chars > 0) {
        this.state.maxChars = d.max_message_chars;
        this.input.maxLength = d.max_message_chars;
      }
      if (d.mode === "staff" && !this.state.staff) this.state.staff = "Staff";
      if (d.mode === "assistant" && !d.resumed) this.state.staff = null;
      this.ready = true;
      this.attempt = 0;
      this.setConnection("online");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.raw(frame("ping")), PING_MS);
      // Resend what was never answered, with the same client ids: the server answers once.
      for (const p of this.state.pending) this.sendMessage(p.id, p.text);
      if (this.state.staff) this.state.pending = [];
      const queued = this.outbox.splice(0);
      for (const f of queued) this.raw(f);
      this.refreshPending();
      this.updateTyping();
    }

    refreshPending() {
      for (const entry of this.transcript) if (entry.k === "user") this.updateUser(entry);
    }

    /** A turn that can no longer finish (its conversation is gone): close it where it stands. */
    finishInterrupted() {
      if (!this.live) return;
      this.live.done = true;
      this.live.interrupted = true;
      const view = this.views.get(this.live);
      if (view) view.root.classList.remove("aisle-streaming");
      this.live = null;
    }

    /** A slow turn: the typing indicator says what is happening ("Still looking…"). */
    onStatus(d) {
      const text = typeof d.text === "string" && d.text.length <= 80 ? d.text : "Still looking…";
      const label = this.typing.querySelector(".aisle-sr");
      if (label) label.textContent = text;
      this.typing.setAttribute("title", text);
      this.typing.dataset.status = text;
    }

    onStart(d) {
      const turn = typeof d.turn_id === "string" ? d.turn_id : null;
      // assistant.start acknowledges the message it answers (its client_id).
      const acked = this.state.pending.find((p) => p.id === d.client_id);
      if (acked && turn) acked.turn = turn;
      if (this.live && this.live.turn === turn) return;
      this.finishLive();
      this.live = { k: "bot", turn: turn, text: "", cards: [], chips: [], done: false };
      this.append(this.live);
      this.updateTyping();
    }

    ensureLive() {
      if (!this.live) this.onStart({ turn_id: null });
      return this.live;
    }

    onDelta(d) {
      if (typeof d.text !== "string" || !d.text) return;
      const entry = this.ensureLive();
      entry.text += d.text;
      const view = this.views.get(entry);
      if (view) {
        view.text.appendChild(document.createTextNode(d.text));
        view.bubble.hidden = false;
      }
      this.updateTyping();
      this.scrollDown(false);
    }

    onProducts(d) {
      const items = Array.isArray(d.items) ? d.items.filter((c) => c && typeof c.id === "string") : [];
      const entry = this.ensureLive();
      entry.cards = items.slice(0, 12);
      const view = this.views.get(entry);
      if (view) this.renderCards(entry, view);
      this.scrollDown(false);
    }

    onSuggestions(d) {
      const items = Array.isArray(d.items) ? d.items.filter((s) => typeof s === "string" && s) : [];
      const entry = this.ensureLive();
      entry.chips = items.slice(0, 6);
    }

    onUserEcho(d) {
      const pending = this.state.pending.find((p) => p.id === d.client_id);
      if (pending && typeof d.turn_id === "string") pending.turn = d.turn_id;
      if (pending && this.state.staff) {
        this.state.pending = this.state.pending.filter((p) => p !== pending);
        this.refreshPending();
      }
    }

    onDone(d) {
      delete this.typing.dataset.status;
      const entry = this.live;
      // The message this turn answers is done: by its turn id when the gateway acked it,
      // else the oldest (answers come in the order the messages were sent).
      const pending = this.state.pending;
      const i = pending.findIndex((p) => p.turn && p.turn === d.turn_id);
      if (i >= 0) pending.splice(i, 1);
      else if (pending.length) pending.shift();
      if (!entry) {
        this.updateTyping();
        return;
      }
      if (typeof d.turn_id === "string") entry.turn = d.turn_id;
      this.finishLive();
      this.refreshChips();
      this.updateTyping();
      this.refreshPending();
    }

    finishLive() {
      const entry = this.live;
      if (!entry) return;
      entry.done = true;
      this.live = null;
      const view = this.views.get(entry);
      if (view) {
        view.root.classList.remove("aisle-streaming");
        this.renderFeedback(entry, view);
      }
    }

    onStaff(kind, d) {
      const name = typeof d.staff === "string" && d.staff ? d.staff : "Someone";
      if (kind === "joined") {
        this.finishLive();
        this.state.staff = name;
        this.state.pending = [];
        this.append({ k: "note", text: name + " from the shop has joined the chat.", tone: "staff" });
      } else {
        this.state.staff = null;
        this.append({ k: "note", text: name + " has left the chat. The assistant is back.", tone: "staff" });
      }
      this.setConnection(this.connection);
      this.updateTyping();
    }

    onStaffMessage(d) {
      if (typeof d.text !== "string") return;
      const name = typeof d.staff === "string" && d.staff ? d.staff : this.state.staff || "Staff";
      this.append({ k: "staff", text: d.text, name: name });
    }

    onError(d) {
      const clientId = typeof d.ref === "string" ? this.sentFrames.get(d.ref) : undefined;
      if (clientId) {
        // That message will never be answered: stop resending it and offer to send it again.
        this.state.pending = this.state.pending.filter((p) => p.id !== clientId);
        const entry = this.transcript.find((e) => e.k === "user" && e.id === clientId);
        if (entry) {
          entry.failed = true;
          this.updateUser(entry);
        }
        this.updateTyping();
      }
      const code = typeof d.code === "string" ? d.code : "";
      if (code === "replay_gap") this.gapKnown = true; // the server no longer keeps them
      const message = typeof d.message === "string" && d.message.length <= 160 ? d.message : "";
      const note = Object.prototype.hasOwnProperty.call(ERROR_NOTES, code) ? ERROR_NOTES[code] : message || "Something went wrong. Please try again.";
      if (!note) {
        if (code.startsWith("shopper_") || code === "bad_shopper_token") console.warn("Aisle: " + message);
        return;
      }
      const node = this.renderNote({ text: note, tone: "error" });
      node.setAttribute("role", "status");
      this.log.insertBefore(node, this.typing);
      this.scrollDown(true);
    }

    // -- persistence ----------------------------------------------------------------------

    save() {
      if (this.saveTimer) return;
      this.saveTimer = setTimeout(() => this.flush(), 60);
    }

    flush() {
      clearTimeout(this.saveTimer);
      this.saveTimer = 0;
      this.store.save(this.state, this.transcript);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Styles (inside the shadow root; nothing leaks to the shop's page)

  const STYLES = `
:host { all: initial; }
.aisle-root {
  --aisle-bg: #ffffff; --aisle-fg: #1f2933; --aisle-muted: #5f6b7a; --aisle-soft: #f4f5f7;
  --aisle-line: #e3e6ea; --aisle-radius: 16px;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--aisle-fg); -webkit-font-smoothing: antialiased;
}
.aisle-root *, .aisle-root *::before, .aisle-root *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
.aisle-sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
button { font: inherit; color: inherit; cursor: pointer; }
button:disabled, button[aria-disabled="true"] { cursor: default; opacity: .55; }
:focus-visible { outline: 3px solid var(--aisle-accent); outline-offset: 2px; }

.aisle-launcher { position: fixed; bottom: 20px; right: 20px; z-index: 2147483000; width: 58px; height: 58px;
  border: 0; border-radius: 50%; background: var(--aisle-accent); color: var(--aisle-on-accent);
  display: grid; place-items: center; box-shadow: 0 6px 20px rgba(15, 23, 42, .28);
  transition: transform .15s ease, box-shadow .15s ease; }
.aisle-launcher:hover { transform: translateY(-1px); box-shadow: 0 10px 24px rgba(15, 23, 42, .32); }
.aisle-launcher:focus-visible { outline-color: var(--aisle-fg); outline-offset: 3px; }
.aisle-launcher svg { grid-area: 1 / 1; transition: opacity .15s ease, transform .15s ease; }
.aisle-launcher svg:nth-of-type(2) { opacity: 0; transform: rotate(-45deg); }
.aisle-is-open .aisle-launcher svg:nth-of-type(1) { opacity: 0; transform: rotate(45deg); }
.aisle-is-open .aisle-launcher svg:nth-of-type(2) { opacity: 1; transform: none; }
.aisle-left .aisle-launcher { right: auto; left: 20px; }
.aisle-badge { position: absolute; top: -2px; right: -2px; min-width: 20px; height: 20px; padding: 0 5px;
  border-radius: 10px; background: #c2410c; color: #fff; font-size: 12px; font-weight: 700;
  line-height: 20px; text-align: center; box-shadow: 0 0 0 2px #fff; }

.aisle-panel { position: fixed; bottom: 92px; right: 20px; z-index: 2147483000; width: 380px;
  height: min(640px, calc(100vh - 112px)); display: flex; flex-direction: column; overflow: hidden;
  background: var(--aisle-bg); border-radius: var(--aisle-radius);
  box-shadow: 0 18px 50px rgba(15, 23, 42, .25), 0 0 0 1px rgba(15, 23, 42, .06);
  animation: aisle-pop .18s ease-out; transform-origin: bottom right; }
.aisle-left .aisle-panel { right: auto; left: 20px; transform-origin: bottom left; }
@keyframes aisle-pop { from { opacity: 0; transform: translateY(8px) scale(.98); } to { opacity: 1; transform: none; } }

.aisle-header { display: flex; align-items: center; gap: 8px; padding: 14px 12px 14px 18px;
  background: var(--aisle-accent); color: var(--aisle-on-accent); }
.aisle-heading { flex: 1; min-width: 0; }
.aisle-title { margin: 0; font-size: 16px; font-weight: 650; line-height: 1.25; }
.aisle-status { margin: 2px 0 0; font-size: 12.5px; opacity: .88; min-height: 1em; }
.aisle-offline .aisle-status::before { content: ""; display: inline-block; width: 7px; height: 7px;
  margin-right: 6px; border-radius: 50%; background: #fbbf24; vertical-align: 1px; }
.aisle-icon-btn { display: inline-grid; place-items: center; width: 36px; height: 36px; padding: 0;
  border: 0; border-radius: 10px; background: transparent; }
.aisle-close:hover { background: rgba(255, 255, 255, .16); }
.aisle-header :focus-visible { outline-color: var(--aisle-on-accent); outline-offset: -3px; }

.aisle-log { flex: 1; overflow-y: auto; overflow-x: hidden; padding: 16px 14px 8px; background: var(--aisle-soft);
  display: flex; flex-direction: column; gap: 10px; overscroll-behavior: contain; }
.aisle-log:focus { outline: none; }
.aisle-msg { display: flex; flex-direction: column; max-width: 100%; }
.aisle-bubble { padding: 9px 13px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere;
  max-width: 88%; }
.aisle-bot .aisle-bubble { align-self: flex-start; background: #fff; border: 1px solid var(--aisle-line);
  border-bottom-left-radius: 4px; }
.aisle-user { align-items: flex-end; }
.aisle-user .aisle-bubble { background: var(--aisle-accent); color: var(--aisle-on-accent);
  border-bottom-right-radius: 4px; }
.aisle-waiting .aisle-bubble { opacity: .65; }
.aisle-meta { font-size: 12px; color: var(--aisle-muted); margin-top: 3px; }
.aisle-meta:empty { display: none; }
.aisle-link { border: 0; padding: 0; background: none; color: var(--aisle-accent); text-decoration: underline;
  font-weight: 600; }
.aisle-streaming .aisle-text::after { content: ""; display: inline-block; width: 7px; height: 1em;
  margin-left: 2px; vertical-align: -2px; background: currentColor; opacity: .45; animation: aisle-blink 1s steps(2) infinite; }
@keyframes aisle-blink { 50% { opacity: 0; } }

.aisle-staff .aisle-bubble { align-self: flex-start; background: #fff7e6; border: 1px solid #f3d9a4;
  border-bottom-left-radius: 4px; }
.aisle-who { display: flex; align-items: center; gap: 6px; font-size: 12.5px; color: #8a5a00;
  font-weight: 600; margin: 0 0 4px 2px; }
.aisle-avatar { display: inline-grid; place-items: center; width: 20px; height: 20px; border-radius: 50%;
  background: #b45309; color: #fff; font-size: 11px; }
.aisle-note { align-self: center; max-width: 92%; padding: 5px 12px; border-radius: 999px; font-size: 12.5px;
  color: var(--aisle-muted); background: #eceef1; text-align: center; }
.aisle-note-staff { color: #7a4d00; background: #fdf0d5; }
.aisle-note-error { color: #6b4a1f; background: #fbf3e4; }

.aisle-cards { list-style: none; margin: 8px 0 0; padding: 0; display: flex; flex-direction: column; gap: 8px;
  width: 100%; }
.aisle-card { display: grid; grid-template-columns: 64px 1fr; gap: 10px; padding: 10px; background: #fff;
  border: 1px solid var(--aisle-line); border-radius: 12px; }
.aisle-card-media { width: 64px; height: 64px; border-radius: 10px; overflow: hidden; }
.aisle-card-media img, .aisle-card-media svg { display: block; width: 64px; height: 64px; object-fit: cover; }
.aisle-card-body { min-width: 0; }
.aisle-card-title { margin: 0; font-size: 14px; font-weight: 600; line-height: 1.3; overflow-wrap: anywhere;
  display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.aisle-card-facts { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 10px; margin: 3px 0 0;
  font-size: 13px; }
.aisle-price { font-weight: 700; }
.aisle-rating { color: #92400e; }
.aisle-stock { font-size: 12px; }
.aisle-in { color: #15803d; }
.aisle-out { color: var(--aisle-muted); }
.aisle-reason { margin: 3px 0 0; font-size: 12px; color: var(--aisle-muted); }
.aisle-card-actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.aisle-btn { min-height: 32px; padding: 5px 12px; border-radius: 8px; font-size: 13px; font-weight: 600; }
.aisle-btn-ghost { background: #fff; border: 1px solid var(--aisle-line); }
.aisle-btn-ghost:hover { border-color: var(--aisle-accent); }
.aisle-btn-primary { background: var(--aisle-accent); color: var(--aisle-on-accent); border: 1px solid transparent; }
.aisle-btn-primary:hover:not(:disabled) { filter: brightness(1.08); }

.aisle-chips { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.aisle-chip { padding: 6px 12px; border-radius: 999px; border: 1px solid var(--aisle-accent); background: #fff;
  color: var(--aisle-accent); font-size: 13px; font-weight: 600; }
.aisle-chip:hover { background: var(--aisle-accent); color: var(--aisle-on-accent); }
.aisle-feedback { margin-top: 2px; }
.aisle-thumbs { display: flex; gap: 2px; }
.aisle-thumb { width: 30px; height: 30px; color: var(--aisle-muted); border-radius: 8px; }
.aisle-thumb:hover { background: #e6e8eb; color: var(--aisle-fg); }
.aisle-thumb[aria-pressed="true"] { color: var(--aisle-accent); background: #e6e8eb; }

.aisle-typing[data-status]::after { content: attr(data-status); margin-left: 6px; font-size: 13px; color: #4b5563; }
.aisle-typing { align-self: flex-start; display: inline-flex; gap: 4px; padding: 12px 14px; background: #fff;
  border: 1px solid var(--aisle-line); border-radius: 14px; border-bottom-left-radius: 4px; }
.aisle-dot { width: 7px; height: 7px; border-radius: 50%; background: var(--aisle-muted);
  animation: aisle-bounce 1.2s infinite ease-in-out; }
.aisle-dot:nth-child(2) { animation-delay: .15s; }
.aisle-dot:nth-child(3) { animation-delay: .3s; }
@keyframes aisle-bounce { 0%, 60%, 100% { transform: none; opacity: .45; } 30% { transform: translateY(-4px); opacity: 1; } }

.aisle-composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px;
  border-top: 1px solid var(--aisle-line); background: #fff; }
.aisle-input { flex: 1; min-width: 0; resize: none; max-height: 120px; padding: 9px 12px; border-radius: 12px;
  border: 1px solid #cfd4da; font: inherit; color: inherit; background: #fff; line-height: 1.4; }
.aisle-input:focus-visible { outline: 2px solid var(--aisle-accent); outline-offset: 0; border-color: transparent; }
.aisle-send { flex: none; width: 40px; height: 40px; border: 0; border-radius: 12px; display: grid;
  place-items: center; background: var(--aisle-accent); color: var(--aisle-on-accent); }

@media (max-width: 480px) {
  .aisle-panel, .aisle-left .aisle-panel { inset: 0; width: auto; height: auto; border-radius: 0; }
  .aisle-is-open .aisle-launcher { display: none; }
  .aisle-launcher, .aisle-left .aisle-launcher { bottom: 16px; right: 16px; }
  .aisle-left .aisle-launcher { right: auto; left: 16px; }
  .aisle-bubble { max-width: 92%; }
  .aisle-input { font-size: 16px; } /* smaller text makes phones zoom in on focus */
}
@media (prefers-reduced-motion: reduce) {
  .aisle-root *, .aisle-root *::before, .aisle-root *::after { animation: none !important; transition: none !important; }
}
@media (forced-colors: active) {
  .aisle-launcher, .aisle-send, .aisle-btn, .aisle-chip, .aisle-bubble, .aisle-card { border: 1px solid CanvasText; }
}
`;

  // ---------------------------------------------------------------------------------------
  // The global

  const script = document.currentScript;
  let scriptOrigin = null;
  try {
    scriptOrigin = script && script.src ? new URL(script.src).origin : null;
  } catch (_) {
    scriptOrigin = null;
  }
  let instance = null;

  /** Starts the widget once per page and returns its handle: open, close, toggle, isOpen, send. */
  function init(options) {
    if (instance) fail("already initialised on this page; call it once (its handle is Aisle.instance)");
    const cfg = configure(options, scriptOrigin);
    let widget = null;
    const queue = [];
    const call = (fn) => (widget ? fn(widget) : queue.push(fn));
    instance = Object.freeze({
      open: () => void call((w) => w.open(true)),
      close: () => void call((w) => w.close(false)),
      toggle: () => void call((w) => (w.isOpen() ? w.close(false) : w.open(true))),
      isOpen: () => !!widget && widget.isOpen(),
      send: (text) => {
        if (typeof text !== "string" || !text.trim()) {
          throw new TypeError("Aisle.send: expected a non-empty string");
        }
        call((w) => w.send(text));
      },
    });
    const start = () => {
      widget = new Widget(cfg);
      for (const fn of queue.splice(0)) fn(widget);
    };
    // Called from <head>: build once the body exists.
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start, { once: true });
    return instance;
  }

  window.Aisle = Object.freeze({
    version: VERSION,
    init: init,
    get instance() {
      return instance;
    },
  });

  const fromTag = optionsFromScript(script);
  if (fromTag) {
    try {
      init(fromTag);
    } catch (e) {
      console.error(e);
    }
  }
})();

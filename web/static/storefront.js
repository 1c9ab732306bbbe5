/* The demo storefront: browse and search the demo shop, a product view with recommendation
 * rows, a small cart in sessionStorage, and the Aisle widget wired to the shop's callbacks.
 * Vanilla ES2020, no build step; server text is written with textContent only.
 */
(function () {
  "use strict";

  const PAGE = 24;
  const KEY = "aisle-demo:";

  // The demo shop's categories (data/demo/taxonomy.md), for the filter and placeholder colours.
  const CATEGORIES = {
    "Home Decor": ["Candles & Holders", "Ornaments & Decorations", "Cushions & Textiles", "Signs & Wall Art",
      "Furniture & Fittings", "Frames & Mirrors", "Bathroom", "Lighting", "Home Fragrance", "Clocks"],
    "Kitchen & Dining": ["Tableware", "Mugs & Cups", "Kitchenware", "Baking"],
    "Jewellery & Accessories": ["Jewellery", "Bags & Purses", "Hair & Fashion"],
    "Stationery & Gifts": ["Stationery", "Cards & Wrap"],
    "Christmas": ["Decorations", "Cards & Wrap"],
    "Garden & Outdoor": ["Garden & Picnic"],
    "Toys & Games": ["Toys", "Arts & Crafts"],
    "Bags & Storage": ["Boxes, Tins & Baskets", "Shopping Bags"],
    "Gifts": ["Novelties & Gadgets", "Other"],
    "Seasonal": ["Easter"],
    "Party & Celebrations": ["Party Supplies"],
    "Household": ["Laundry, Bins & Tools"],
  };
  const HUES = {
    "Home Decor": 28, "Kitchen & Dining": 200, "Jewellery & Accessories": 320, "Stationery & Gifts": 250,
    "Christmas": 0, "Garden & Outdoor": 120, "Toys & Games": 45, "Bags & Storage": 175, "Gifts": 280,
    "Seasonal": 90, "Party & Celebrations": 340, "Household": 210,
  };

  const $ = (id) => document.getElementById(id);

  // -- storage ----------------------------------------------------------------------------

  function load(name, fallback) {
    try {
      const raw = sessionStorage.getItem(KEY + name);
      return raw ? JSON.parse(raw) : fallback;
    } catch (_) {
      return fallback;
    }
  }

  function store(name, value) {
    try {
      sessionStorage.setItem(KEY + name, JSON.stringify(value));
    } catch (_) {
      /* private mode: the cart lasts as long as the page */
    }
  }

  function randomId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  const sessionId = load("session", null) || randomId();
  store("session", sessionId);
  // ?shopper=13085 signs the demo in as one of the shop's real customers (personal picks).
  const params = new URLSearchParams(location.search);
  if (params.has("shopper")) {
    const value = params.get("shopper").trim();
    if (value && /^[\w.@:+-]{1,128}$/.test(value)) store("shopper", value);
    else store("shopper", null);
  }
  const shopperId = load("shopper", null);
  // A shop's backend signs a token for its signed-in shopper; the demo server plays that
  // backend (POST /demo/shopper-token, demo mode only). Without a token: anonymous.
  const shopperToken = shopperId
    ? fetch("/demo/shopper-token", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ shopper_id: shopperId }),
      })
        .then((r) => (r.ok ? r.json() : null))
        .then((b) => (b && b.token) || null)
        .catch(() => null)
    : Promise.resolve(null);

  function withShopper(headers, token) {
    return token ? Object.assign({}, headers, { Authorization: "Bearer " + token }) : headers;
  }
  let cart = load("cart", []);
  let seen = load("seen", []);

  // -- helpers ----------------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function money(price, currency) {
    try {
      return new Intl.NumberFormat("en-GB", { style: "currency", currency: currency || "GBP" }).format(price);
    } catch (_) {
      return Number(price).toFixed(2) + " " + (currency || "");
    }
  }

  function productPath(id) {
    return "/products/" + encodeURIComponent(id);
  }

  async function api(path, init) {
    const response = await fetch(path, Object.assign({ headers: { Accept: "application/json" } }, init));
    if (!response.ok) {
      let body = null;
      try {
        body = await response.json();
      } catch (_) {
        body = null;
      }
      const error = new Error((body && body.message) || "HTTP " + response.status);
      error.status = response.status;
      error.code = body && body.code;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  }

  function track(name, productId) {
    const body = { name: name, product_id: productId, session_id: sessionId };
    // Fire and forget: browsing must never wait on analytics.
    shopperToken.then((token) =>
      fetch("/api/events", {
        method: "POST",
        headers: withShopper({ "Content-Type": "application/json" }, token),
        body: JSON.stringify(body),
        keepalive: true,
      })
    ).catch(() => {});
  }

  function remember(id) {
    seen = [id, ...seen.filter((s) => s !== id)].slice(0, 20);
    store("seen", seen);
  }

  // -- placeholders -----------------------------------------------------------------------

  const SVG_NS = "http://www.w3.org/2000/svg";

  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  /** A product without an image: its category's colour, initial and name, drawn inline.
   * Recommendation cards carry no category: they get the title's initial and a colour of its own. */
  function placeholder(category, title) {
    const parts = String(category || "").split(">").map((s) => s.trim()).filter(Boolean);
    const top = parts[0] || "";
    const leaf = parts[parts.length - 1] || "";
    const seed = top || title || "?";
    const h = top in HUES ? HUES[top] : [...seed].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 360, 0);
    const svg = svgEl("svg", { viewBox: "0 0 200 150", class: "sf-ph", "aria-hidden": "true", focusable: "false",
      preserveAspectRatio: "xMidYMid slice" });
    svg.appendChild(svgEl("rect", { width: 200, height: 150, fill: "hsl(" + h + " 48% 92%)" }));
    svg.appendChild(svgEl("circle", { cx: 168, cy: 18, r: 58, fill: "hsl(" + h + " 50% 86%)" }));
    svg.appendChild(svgEl("circle", { cx: 22, cy: 140, r: 40, fill: "hsl(" + h + " 50% 88%)" }));
    const initial = svgEl("text", { x: 100, y: 90, "text-anchor": "middle", "font-size": 58, "font-weight": 700,
      "font-family": "Georgia, 'Times New Roman', serif", fill: "hsl(" + h + " 38% 38%)" });
    initial.textContent = ((leaf || title || "?").trim()[0] || "?").toUpperCase();
    svg.appendChild(initial);
    if (leaf) {
      const label = svgEl("text", { x: 100, y: 124, "text-anchor": "middle", "font-size": 12, "letter-spacing": 1.2,
        "font-family": "system-ui, sans-serif", fill: "hsl(" + h + " 30% 40%)" });
      label.textContent = leaf.toUpperCase().slice(0, 28);
      svg.appendChild(label);
    }
    return svg;
  }

  function media(product) {
    const box = el("div", "sf-media");
    const src = safeImage(product.image_url);
    if (src) {
      const img = document.createElement("img");
      img.src = src;
      img.alt = "";
      img.loading = "lazy";
      img.addEventListener("error", () => img.replaceWith(placeholder(product.category, product.title)), { once: true });
      box.appendChild(img);
    } else {
      box.appendChild(placeholder(product.category, product.title));
    }
    return box;
  }

  function safeImage(url) {
    if (!url) return null;
    try {
      const u = new URL(url, location.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  // -- product cards ----------------------------------------------------------------------

  function stockBadge(inStock) {
    return el("span", inStock ? "sf-stock sf-in" : "sf-stock sf-out", inStock ? "In stock" : "Out of stock");
  }

  function productCard(product, options) {
    const item = el("li", "sf-card");
    item.dataset.productId = product.id;
    const link = el("a", "sf-card-link");
    link.href = productPath(product.id);
    link.dataset.link = "";
    link.addEventListener("click", () => track("click", product.id));
    link.appendChild(media(product));
    link.appendChild(el("h3", "sf-card-title", product.title));
    item.appendChild(link);
    const facts = el("p", "sf-card-facts");
    facts.append(el("span", "sf-price", money(product.price, product.currency)), stockBadge(product.in_stock));
    item.appendChild(facts);
    if (options && options.reason && product.reason) item.appendChild(el("p", "sf-reason", product.reason));
    const add = el("button", "sf-btn sf-btn-primary sf-add", "Add to cart");
    add.type = "button";
    add.setAttribute("aria-label", "Add " + product.title + " to cart");
    add.disabled = !product.in_stock;
    add.addEventListener("click", () => {
      if (busy(add)) return;
      addToCart(product, "store");
      flash(add);
    });
    item.appendChild(add);
    return item;
  }

  /** "Added ✓" for a moment; aria-disabled keeps keyboard focus where disabled would drop it. */
  function flash(button) {
    button.textContent = "Added ✓";
    button.setAttribute("aria-disabled", "true");
    setTimeout(() => {
      button.textContent = "Add to cart";
      button.removeAttribute("aria-disabled");
    }, 1500);
  }

  function busy(button) {
    return button.getAttribute("aria-disabled") === "true";
  }

  function fillRow(section, items, emptyHides, reasons) {
    const list = section.querySelector(".sf-strip");
    list.textContent = "";
    for (const item of items) list.appendChild(productCard(item, { reason: reasons !== false }));
    section.hidden = emptyHides && items.length === 0;
  }

  // -- cart -------------------------------------------------------------------------------

  function addToCart(product, source) {
    const line = cart.find((l) => l.id === product.id);
    if (line) line.qty += 1;
    else cart.push({ id: product.id, title: product.title, price: product.price, currency: product.currency || "GBP", qty: 1 });
    store("cart", cart);
    remember(product.id);
    // The widget reports its own cart events over the socket.
    if (source === "store") track("cart", product.id);
    renderCart();
    announce(product.title + " added to your cart.");
    refreshRecommendations();
    return true;
  }

  function renderCart() {
    const count = cart.reduce((n, l) => n + l.qty, 0);
    $("sf-cart-count").textContent = String(count);
    $("sf-cart-btn").setAttribute("aria-label", "Cart, " + count + (count === 1 ? " item" : " items"));
    const list = $("sf-cart-items");
    list.textContent = "";
    for (const line of cart) {
      const li = el("li", "sf-cart-line");
      const name = el("a", "sf-cart-name", line.title);
      name.href = productPath(line.id);
      name.dataset.link = "";
      const qty = el("span", "sf-cart-qty", "× " + line.qty);
      const price = el("span", "sf-cart-price", money(line.price * line.qty, line.currency));
      const remove = el("button", "sf-icon-btn sf-cart-remove", "✕");
      remove.type = "button";
      remove.setAttribute("aria-label", "Remove " + line.title);
      remove.addEventListener("click", () => {
        cart = cart.filter((l) => l !== line);
        store("cart", cart);
        renderCart();
        $("sf-cart-close").focus();
      });
      li.append(name, qty, price, remove);
      list.appendChild(li);
    }
    const total = cart.reduce((s, l) => s + l.price * l.qty, 0);
    $("sf-cart-total").textContent = money(total, (cart[0] && cart[0].currency) || "GBP");
    $("sf-cart-empty").hidden = cart.length > 0;
    $("sf-cart-foot").hidden = cart.length === 0;
  }

  function toggleCart(open) {
    const panel = $("sf-cart");
    const button = $("sf-cart-btn");
    const show = open === undefined ? panel.hidden : open;
    panel.hidden = !show;
    button.setAttribute("aria-expanded", String(show));
    if (show) $("sf-cart-close").focus();
    else if (panel.contains(document.activeElement) || open === false) button.focus();
  }

  // -- announcements for screen readers ---------------------------------------------------

  let announcer = null;
  function announce(text) {
    if (!announcer) {
      announcer = el("div", "sf-sr");
      announcer.setAttribute("role", "status");
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    setTimeout(() => (announcer.textContent = text), 50);
  }

  // -- recommendations --------------------------------------------------------------------

  let recsTimer = 0;
  function refreshRecommendations() {
    clearTimeout(recsTimer);
    recsTimer = setTimeout(loadRecommendations, 150);
  }

  async function loadRecommendations() {
    const section = $("sf-recs");
    // Before the shopper has looked at anything, the row shows what is popular.
    const personal = seen.length > 0 || !!shopperId;
    $("sf-recs-title").textContent = personal ? "Recommended for you" : "Popular right now";
    // The session keeps one recommendation strategy (experiment arm) across requests.
    const q = new URLSearchParams({ n: "8", session_id: sessionId });
    if (seen.length) q.set("seen", seen.join(","));
    try {
      const token = await shopperToken;
      const body = await api("/api/recommendations?" + q, {
        headers: withShopper({ Accept: "application/json" }, token),
      });
      const items = (body.items || []).filter((c) => !seen.includes(c.id));
      fillRow(section, items, true, personal);
    } catch (_) {
      section.hidden = true; // recommendations are a bonus; the shop works without them
    }
  }

  // -- views ------------------------------------------------------------------------------

  let browseToken = 0;
  let offset = 0;

  function currentQuery() {
    const p = new URLSearchParams(location.search);
    return {
      q: (p.get("q") || "").trim(),
      category: p.get("category") || "",
      price_max: p.get("price_max") || "",
      in_stock: p.get("in_stock") === "true",
    };
  }

  async function showHome(append) {
    $("sf-home").hidden = false;
    $("sf-product").hidden = true;
    $("sf-recs-home").appendChild($("sf-recs"));
    const query = currentQuery();
    $("sf-q").value = query.q;
    $("sf-category").value = query.category;
    $("sf-price").value = query.price_max;
    $("sf-in-stock").checked = query.in_stock;
    const filtered = query.q || query.category || query.price_max || query.in_stock;
    $("sf-hero").hidden = !!filtered;
    document.title = (query.q ? "“" + query.q + "”" : "Aisle Giftware") + ": demo shop";
    if (!append) offset = 0;
    const token = ++browseToken;
    const params = new URLSearchParams({ q: query.q, k: String(PAGE), offset: String(offset) });
    if (query.category) params.set("category", query.category);
    if (query.price_max) params.set("price_max", query.price_max);
    if (query.in_stock) params.set("in_stock", "true");
    const grid = $("sf-grid");
    const meta = $("sf-results-meta");
    if (!append) {
      grid.setAttribute("aria-busy", "true");
      meta.textContent = "Loading…";
    }
    let page;
    try {
      page = await api("/api/search?" + params);
    } catch (e) {
      if (token !== browseToken) return;
      grid.removeAttribute("aria-busy");
      meta.textContent = "Products could not be loaded (" + e.message + "). Please try again.";
      return;
    }
    if (token !== browseToken) return; // a newer search started meanwhile
    const title = query.q ? "Results for “" + query.q + "”" : query.category ? query.category.replace(/>/g, "›") : "All products";
    $("sf-results-title").textContent = title;
    if (!append) grid.textContent = "";
    const first = grid.childElementCount;
    for (const product of page.items || []) grid.appendChild(productCard(product));
    grid.removeAttribute("aria-busy");
    offset += (page.items || []).length;
    const shown = grid.childElementCount;
    let words = shown === 0 ? "No products match." : shown + (page.has_more ? "+" : "") + " products";
    if (page.corrected_query && page.corrected_query !== query.q) words += " · showing results for “" + page.corrected_query + "”";
    meta.textContent = words;
    $("sf-more").hidden = !page.has_more;
    if (append) {
      const next = grid.children[first];
      const link = next && next.querySelector("a");
      if (link) link.focus();
    }
  }

  let productToken = 0;

  async function showProduct(id, focus) {
    $("sf-home").hidden = true;
    $("sf-product").hidden = false;
    $("sf-recs-product").appendChild($("sf-recs"));
    const token = ++productToken;
    const detail = $("sf-detail");
    detail.textContent = "";
    detail.appendChild(el("p", "sf-loading", "Loading…"));
    $("sf-together").hidden = true;
    $("sf-similar").hidden = true;
    let product;
    try {
      product = await api("/api/products/" + encodeURIComponent(id));
    } catch (e) {
      if (token !== productToken) return;
      detail.textContent = "";
      const h1 = el("h1", null, e.status === 404 ? "Product not found" : "This product could not be loaded");
      h1.tabIndex = -1;
      detail.appendChild(h1);
      if (focus) h1.focus({ preventScroll: true });
      detail.appendChild(el("p", null, e.status === 404 ? "The shop does not carry this product." : e.message));
      const back = el("a", "sf-btn", "Browse all products");
      back.href = "/";
      back.dataset.link = "";
      detail.appendChild(back);
      $("sf-crumbs").textContent = "";
      return;
    }
    if (token !== productToken) return;
    document.title = product.title + ": Aisle Giftware";
    renderCrumbs(product.category);
    renderDetail(product);
    // After an in-page navigation, a keyboard or screen reader user lands on the new title.
    if (focus) $("sf-detail").querySelector("h1").focus({ preventScroll: true });
    track("view", product.id);
    remember(product.id);
    refreshRecommendations();
    const rows = [["bought_together", $("sf-together")], ["similar", $("sf-similar")]];
    await Promise.all(rows.map(async ([kind, section]) => {
      try {
        const body = await api("/api/recommendations?" + new URLSearchParams({ product_id: product.id, kind: kind, n: "8", session_id: sessionId }));
        // The row's heading says why; the per-card reason would repeat this product's name.
        if (token === productToken) fillRow(section, body.items || [], true, false);
      } catch (_) {
        section.hidden = true;
      }
    }));
  }

  function renderCrumbs(category) {
    const list = $("sf-crumbs");
    list.textContent = "";
    const home = el("li");
    const a = el("a", null, "All products");
    a.href = "/";
    a.dataset.link = "";
    home.appendChild(a);
    list.appendChild(home);
    const parts = String(category || "").split(">").map((s) => s.trim()).filter(Boolean);
    let path = [];
    for (const part of parts) {
      path = [...path, part];
      const li = el("li");
      const link = el("a", null, part);
      link.href = "/?" + new URLSearchParams({ category: path.join(" > ") });
      link.dataset.link = "";
      li.appendChild(link);
      list.appendChild(li);
    }
  }

  function renderDetail(product) {
    const detail = $("sf-detail");
    detail.textContent = "";
    detail.appendChild(media(product));
    const info = el("div", "sf-detail-info");
    const h1 = el("h1", null, product.title);
    h1.tabIndex = -1;
    info.appendChild(h1);
    const facts = el("p", "sf-detail-facts");
    facts.append(el("span", "sf-price sf-price-lg", money(product.price, product.currency)), stockBadge(product.in_stock));
    if (typeof product.rating === "number") {
      const r = el("span", "sf-rating", "★ " + product.rating.toFixed(1) + " (" + product.rating_count + ")");
      r.setAttribute("aria-label", "Rated " + product.rating.toFixed(1) + " out of 5 by " + product.rating_count);
      facts.appendChild(r);
    }
    info.appendChild(facts);
    if (product.description) info.appendChild(el("p", "sf-description", product.description));
    const attrs = Object.entries(product.attributes || {});
    if (product.brand) attrs.unshift(["brand", product.brand]);
    if (attrs.length) {
      const dl = el("dl", "sf-attrs");
      for (const [k, v] of attrs) dl.append(el("dt", null, k.replace(/_/g, " ")), el("dd", null, String(v)));
      info.appendChild(dl);
    }
    const actions = el("div", "sf-detail-actions");
    const add = el("button", "sf-btn sf-btn-primary", "Add to cart");
    add.type = "button";
    add.disabled = !product.in_stock;
    add.addEventListener("click", () => {
      if (busy(add)) return;
      addToCart(product, "store");
      flash(add);
    });
    const ask = el("button", "sf-btn", "Ask the assistant about it");
    ask.type = "button";
    ask.addEventListener("click", () => {
      if (!window.Aisle || !Aisle.instance) return;
      Aisle.instance.open(); // moves focus into the chat, where the answer arrives
      Aisle.instance.send("Tell me about the " + product.title);
    });
    actions.append(add, ask);
    info.appendChild(actions);
    detail.appendChild(info);
    const sku = el("p", "sf-sku", "Product code " + product.id);
    info.appendChild(sku);
  }

  // -- routing ----------------------------------------------------------------------------

  function route(focus) {
    const match = location.pathname.match(/^\/products\/([^/]+)\/?$/);
    if (match) {
      showProduct(decodeURIComponent(match[1]), focus);
    } else {
      showHome(false);
      if (focus) $("sf-main").focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
  }

  function navigate(url) {
    const target = new URL(url, location.href);
    if (target.origin !== location.origin) {
      location.assign(target.href);
      return;
    }
    history.pushState(null, "", target.pathname + target.search);
    toggleCart(false);
    route(true);
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a[data-link]");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
      event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(link.href);
  });
  window.addEventListener("popstate", () => route(false));

  function setQuery(changes) {
    const p = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(changes)) {
      if (v) p.set(k, v);
      else p.delete(k);
    }
    p.delete("shopper");
    const qs = p.toString();
    navigate("/" + (qs ? "?" + qs : ""));
  }

  // -- start ------------------------------------------------------------------------------

  function fillCategories() {
    const select = $("sf-category");
    for (const [top, leaves] of Object.entries(CATEGORIES)) {
      const group = document.createElement("optgroup");
      group.label = top;
      const all = el("option", null, "All " + top);
      all.value = top;
      group.appendChild(all);
      for (const leaf of leaves) {
        const option = el("option", null, leaf);
        option.value = top + " > " + leaf;
        group.appendChild(option);
      }
      select.appendChild(group);
    }
  }

  function start() {
    fillCategories();
    renderCart();
    if (shopperId) {
      const note = $("sf-shopper");
      note.hidden = false;
      note.textContent = "Signed in as customer " + shopperId + " (demo). ";
      const out = el("a", null, "Sign out");
      out.href = "/?shopper=";
      note.appendChild(out);
    }
    $("sf-search").addEventListener("submit", (e) => {
      e.preventDefault();
      setQuery({ q: $("sf-q").value.trim() });
    });
    $("sf-category").addEventListener("change", (e) => setQuery({ category: e.target.value }));
    $("sf-price").addEventListener("change", (e) => setQuery({ price_max: e.target.value }));
    $("sf-in-stock").addEventListener("change", (e) => setQuery({ in_stock: e.target.checked ? "true" : "" }));
    $("sf-more").addEventListener("click", () => showHome(true));
    $("sf-cart-btn").addEventListener("click", () => toggleCart());
    $("sf-cart-close").addEventListener("click", () => toggleCart(false));
    $("sf-cart-clear").addEventListener("click", () => {
      cart = [];
      store("cart", cart);
      renderCart();
      $("sf-cart-close").focus();
    });
    $("sf-cart").addEventListener("keydown", (e) => {
      if (e.key === "Escape") toggleCart(false);
    });
    if (params.has("shopper")) {
      params.delete("shopper");
      history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
    }

    const options = {
      title: "Aisle assistant",
      greeting: "Hi! I'm the shop's assistant. Ask me for gift ideas, products under a budget, or about delivery and returns.",
      theme: "#0f766e",
      onView: (card) => navigate(card.url || productPath(card.id)),
      onAddToCart: (card) => addToCart(card, "chat"),
    };
    shopperToken.then((token) => {
      if (token) options.shopperToken = token;
      if (window.Aisle) window.Aisle.init(options);
    });
    route(false);
    loadRecommendations();
  }

  start();
})();

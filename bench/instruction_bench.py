"""Issue 12: a WebShop-style instruction benchmark on the Amazon India and BigBasket catalogs.

    python bench/instruction_bench.py [--catalog amazon-india|bigbasket|both] [--n 200]
        [--seed 12] [--details /tmp/instr-bench]

Issue 12 is judged partly on a public benchmark (WebShop, Yao et al. 2022): the chat's first
product for a shopper instruction must score at least 1.2x what plain BM25 over the same words
scores under the benchmark's reward. That catalog is not on this machine, so this file builds
the same kind of test from real products of two real catalogs (`var/feeds/<catalog>.jsonl`,
ingested in `var/<catalog>`) and scores three rankers in one process:

- BM25: bm25s with its defaults over title + description, `tokenize(stopwords="en")`, queried
  with the instruction's full words (what WebShop's search baseline does);
- chat: the offline brain answering the instruction as one user turn (built as
  `web/cli/assistant.py` builds it), its first product card; no card scores 0;
- hybrid: Aisle's hybrid search over the instruction's full words, first hit (reference).

The rules below were written before any ranker was run, and are not tuned afterwards.

Generation rule (deterministic: `random.Random(f"{catalog}:{seed}")`)
--------------------------------------------------------------------
1. Target: a product drawn at random from the catalog's *eligible* products (those yielding
   at least 2 attribute words by rule 3), sorted by id; `--n` distinct targets per catalog.
2. Product type (a noun phrase):
   - Amazon India: the category leaf (its leaves are product types: "USBCables", "Smart
     Watches"), camel case split and lower-cased ("usb cables"); the adjective leaves
     "In-Ear", "On-Ear", "Over-Ear" get their parent's noun ("in-ear headphones").
   - BigBasket: its leaves are often aisles ("Face Care", "Ayurveda"), so the title's head
     noun phrase: the title up to the first " - ", "(", ",", "/", "|", " with ", " for ",
     then its last two words of letters (all-capital tokens such as "SPF" skipped), e.g.
     "Active Fruits Damage Repair Body Lotion SPF 30" -> "body lotion".
3. Attributes: 2 or 3 (rng) words of the target's title (Amazon India: then the first 300
   characters of its description if the title gives fewer than 2), in title order, each:
   letters only, at least 3 long, not an English stop word nor a listing filler word
   (FILLER), not a word of the type phrase, not the brand (BigBasket's brand field; Amazon
   India's first title word, which is the brand), not a colour (colours are options);
   found in at least 2 products of the catalog (a real attribute, not a model name), and in
   fewer than half of the products of its type group (the target's leaf category, or its
   parent when the leaf has fewer than 5 products).
4. Options (WebShop's "color: ..., size: ..."): the title's first size/quantity
   ("500 g", "3 ft", "pack of 2", units in SIZE_UNITS) and its first colour word (COLOURS),
   each when present.
5. Price limit, as WebShop draws it: the next 4 round amounts above the price on the grid
   n x 10^k (n in 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9), two of them drawn, the larger kept.
6. Wording: one of TEMPLATES (rng), e.g. "i'm looking for nylon braided usb cables with
   size: 3 ft, and color: grey, and price lower than 500.00 rupees", "find me ... under
   ₹500", "i want a usb cables that is nylon and braided, under ₹500".

Reward (WebShop's, `web_agent_site/engine/goal.py`, as closely as the data allows)
----------------------------------------------------------------------------------
    r = r_type * (attributes found + options found + [price <= limit]) / (|attrs| + |opts| + 1)

- r_type, as WebShop: title_score = share of the target title's nouns found among the shown
  product's title nouns; category_match = the two category paths share >= 2 levels;
  r_type = 1, or 0.5 when neither category_match nor title_score > 0.2, 0.1 when
  title_score < 0.1, 0 when title_score == 0.
- attribute found: the word occurs in the shown product's title or description (whole word,
  an optional plural s/es).
- option found: the size (units normalised: "500gm" = "500 g") or colour occurs in the
  shown product's title.
- price: the shown product's price <= the limit.
- No product shown: r = 0.
Differences from WebShop, forced by the data: no POS tagger on this machine, so a title's
"nouns" are its content words (letters, 2+ long, not stop words), adjectives included (it
treats every ranker alike); WebShop's query_match (the search query a product was scraped
under) does not exist here and is dropped; the products carry no mined attribute list, so
attributes are matched in title and description only, as whole words rather than WebShop's
raw substring (which credits "red" inside "hundred"); products have no selectable
variants, so an option counts when the product's own title carries it; attributes are
single title words, not mined phrases such as "long lasting". The issue's brief also asked
for a variant that zeroes the reward when the price limit is broken ("strict"); WebShop
counts price as one term, so both are reported, WebShop's first. The target itself scores
1.0 by construction (checked each run).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.machine import describe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ("amazon-india", "bigbasket")

STOP = set(
    "a an and are as at be but by for if in into is it no not of on or such that the their then "
    "there these they this to was will with i me my we our you your he she its from up down out "
    "over under than too very can just so only own same other some any all both each few more "
    "most off once here when where why how what which who whom do does did has have had been "
    "being am were about above after again against below between during before through until "
    "while".split()
)
SIZE_UNITS_WORDS = (
    "ml l ltr litre liter litres liters g gm gms gram grams kg mg ft feet m meter metre cm mm "
    "inch inches w watt watts mah gb tb pcs pc pieces"
).split()
FILLER = set(
    "pack set combo new free compatible size color colour inch inches pcs pieces piece assorted "
    "multicolour multicolor multi type made ideal best premium quality original genuine latest "
    "model version upto also one two three use used using warranty month months year years "
    "india made".split()
) | set(SIZE_UNITS_WORDS)
COLOURS = (
    "black white red blue green grey gray pink yellow orange purple brown silver gold beige "
    "maroon navy violet"
).split()
SIZE_UNITS = {
    "ml": "ml",
    "l": "l",
    "ltr": "l",
    "litre": "l",
    "liter": "l",
    "g": "g",
    "gm": "g",
    "gms": "g",
    "gram": "g",
    "grams": "g",
    "kg": "kg",
    "mg": "mg",
    "ft": "ft",
    "feet": "ft",
    "m": "m",
    "meter": "m",
    "metre": "m",
    "cm": "cm",
    "mm": "mm",
    "inch": "inch",
    "inches": "inch",
    "w": "w",
    "watt": "w",
    "watts": "w",
    "mah": "mah",
    "gb": "gb",
    "tb": "tb",
    "pcs": "pcs",
    "pc": "pcs",
    "pieces": "pcs",
    "litres": "l",
    "liters": "l",
}
SIZE_RE = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)\s*("
    + "|".join(sorted(SIZE_UNITS, key=len, reverse=True))
    + r")\b|\bpack of (\d+)\b",
    re.I,
)
GRID = sorted(
    {round(n * 10**k, 2) for k in range(0, 7) for n in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9)}
)
TEMPLATES = (
    "i'm looking for {attrs} {type}{opts}, and price lower than {limit:.2f} rupees",
    "i need {attrs} {type}{opts}, and price lower than {limit:.0f} rupees",
    "find me {attrs} {type}{opts} under ₹{limit:.0f}",
    "i want a {type} that is {attr_list}{opts}, under ₹{limit:.0f}",
    "i am looking for {attrs} {type}{opts} for less than Rs {limit:.0f}",
)
WORD_RE = re.compile(r"\w+(?:['-]\w+)*")


def out(text: str = "") -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def stem(word: str) -> str:
    """A crude plural fold, enough to say "cable" is a word of "usb cables"."""
    for suffix in ("ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content(text: str) -> set[str]:
    """A title's "nouns": content words (no POS tagger here), as WebShop's type reward uses."""
    return {w for w in words(text) if len(w) >= 2 and w not in STOP}


def norm_size(number: str, unit: str) -> str:
    value = float(number)
    shown = f"{value:g}"
    return f"{shown} {SIZE_UNITS[unit.lower()]}"


def sizes(text: str) -> list[str]:
    found = []
    for m in SIZE_RE.finditer(text):
        found.append(f"pack of {m.group(3)}" if m.group(3) else norm_size(m.group(1), m.group(2)))
    return found


def colours(text: str) -> list[str]:
    return [w for w in words(text) if w in COLOURS]


def has_word(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}(?:s|es)?\b", text.lower()) is not None


# ---------------------------------------------------------------- instructions


@dataclass
class Instruction:
    """One shopper instruction and what its reward checks."""

    target: str
    text: str
    type: str
    attributes: list[str]
    options: list[str]
    limit: float
    template: int


@dataclass
class Catalog:
    name: str
    products: dict[str, dict[str, Any]]
    groups: dict[str, list[str]] = field(default_factory=dict)


def load_catalog(name: str) -> Catalog:
    path = ROOT / "var" / "feeds" / f"{name}.jsonl"
    with path.open() as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    products = {str(r["id"]): r for r in rows}
    by_cat: dict[str, list[str]] = {}
    for pid, p in products.items():
        by_cat.setdefault(p.get("category", ""), []).append(pid)
    return Catalog(name, products, by_cat)


def type_group(cat: Catalog, category: str) -> list[str]:
    members = cat.groups.get(category, [])
    if len(members) >= 5 or " > " not in category:
        return members
    parent = category.rsplit(" > ", 1)[0]
    return [pid for c, ids in cat.groups.items() if c.startswith(parent) for pid in ids]


def split_camel(text: str) -> str:
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    return re.sub(r"([a-z])([A-Z])", r"\1 \2", text)


def product_type(catalog: str, p: dict[str, Any]) -> str:
    if catalog == "amazon-india":
        path = p["category"].split(" > ")
        leaf = split_camel(path[-1]).lower()
        if leaf.endswith("-ear") and len(path) > 1:
            leaf = f"{leaf} {path[-2].split(',')[0].lower()}"
        return leaf
    name = re.split(r" - |\(|,|/|\||\bwith\b|\bfor\b", p["title"], maxsplit=1, flags=re.I)[0]
    tokens = [t for t in name.split() if t.isalpha() and not (t.isupper() and len(t) > 1)]
    return " ".join(tokens[-2:]).lower()


def attribute_words(
    cat: Catalog,
    p: dict[str, Any],
    type_phrase: str,
    catalog_df: Counter[str],
    group_df: dict[str, Counter[str]],
) -> list[str]:
    type_stems = {stem(w) for w in words(type_phrase)}
    brand = set(words(p.get("brand") or ""))
    title_words = words(p["title"])
    if cat.name == "amazon-india" and title_words:
        brand |= {title_words[0]}
    group = group_df[p["category"]]
    size = group["__n__"]

    def ok(w: str) -> bool:
        return (
            w.isalpha()
            and len(w) >= 3
            and w not in STOP
            and w not in FILLER
            and stem(w) not in type_stems
            and w not in brand
            and w not in COLOURS
            and catalog_df[w] >= 2
            and group[w] < 0.5 * size
        )

    picked = list(dict.fromkeys(w for w in title_words if ok(w)))
    if len(picked) < 2 and cat.name == "amazon-india":
        more = [w for w in words(p.get("description", "")[:300]) if ok(w)]
        picked = list(dict.fromkeys([*picked, *more]))
    return picked


def price_limit(price: float, rng: random.Random) -> float:
    above = [g for g in GRID if g > price][:4]
    if len(above) < 2:
        return above[0] if above else price * 2
    return max(rng.sample(above, 2))


def make_instructions(cat: Catalog, n: int, seed: int) -> list[Instruction]:
    rng = random.Random(f"{cat.name}:{seed}")
    catalog_df: Counter[str] = Counter()
    doc_words: dict[str, set[str]] = {}
    for pid, p in cat.products.items():
        ws = set(words(p["title"] + " " + p.get("description", "")[:300]))
        doc_words[pid] = ws
        catalog_df.update(ws)
    group_df: dict[str, Counter[str]] = {}
    for category in cat.groups:
        members = type_group(cat, category)
        counts: Counter[str] = Counter()
        for pid in members:
            counts.update(doc_words[pid])
        counts["__n__"] = len(members)
        group_df[category] = counts
    eligible: list[tuple[str, str, list[str]]] = []
    for pid in sorted(cat.products):
        p = cat.products[pid]
        t = product_type(cat.name, p)
        if not t:
            continue
        attrs = attribute_words(cat, p, t, catalog_df, group_df)
        if len(attrs) >= 2:
            eligible.append((pid, t, attrs))
    chosen = rng.sample(eligible, min(n, len(eligible)))
    found: list[Instruction] = []
    for pid, t, attrs in chosen:
        p = cat.products[pid]
        k = min(len(attrs), rng.choice((2, 3)))
        picks = sorted(rng.sample(range(len(attrs)), k))
        chosen_attrs = [attrs[i] for i in picks]
        opts: list[str] = []
        size_list, colour_list = sizes(p["title"]), colours(p["title"])
        if size_list:
            opts.append(size_list[0])
        if colour_list:
            opts.append(colour_list[0])
        limit = price_limit(float(p["price"]), rng)
        template = rng.randrange(len(TEMPLATES))
        opt_text = ""
        parts = []
        if size_list:
            parts.append(f"size: {size_list[0]}")
        if colour_list:
            parts.append(f"color: {colour_list[0]}")
        if parts:
            opt_text = " with " + ", and ".join(parts)
        attr_list = (
            chosen_attrs[0] if k == 1 else ", ".join(chosen_attrs[:-1]) + " and " + chosen_attrs[-1]
        )
        text = TEMPLATES[template].format(
            attrs=" ".join(chosen_attrs), attr_list=attr_list, type=t, opts=opt_text, limit=limit
        )
        found.append(Instruction(pid, text, t, chosen_attrs, opts, limit, template))
    return found


# ---------------------------------------------------------------- reward


@dataclass
class Score:
    reward: float
    strict: float
    r_type: float
    attrs: float
    options: float | None
    price_ok: bool


def reward(target: dict[str, Any], ins: Instruction, shown: dict[str, Any] | None) -> Score:
    """WebShop's reward of showing `shown` for `ins` (module docstring)."""
    if shown is None:
        return Score(0.0, 0.0, 0.0, 0.0, None, False)
    want = content(target["title"])
    got = content(shown["title"])
    title_score = len(want & got) / len(want) if want else 0.2
    levels_t = {x.strip() for x in target.get("category", "").split(" > ") if x.strip()}
    levels_s = {x.strip() for x in shown.get("category", "").split(" > ") if x.strip()}
    category_match = len(levels_t & levels_s) >= 2
    r_type = 1.0
    if not (category_match or title_score > 0.2):
        r_type = 0.5
    if title_score < 0.1:
        r_type = 0.1
    if title_score == 0.0:
        r_type = 0.0
    text = shown["title"] + " " + shown.get("description", "")
    attr_hits = sum(1 for a in ins.attributes if has_word(text, a))
    shown_sizes = set(sizes(shown["title"]))
    shown_colours = set(colours(shown["title"]))
    opt_hits = sum(1 for o in ins.options if o in shown_sizes or o in shown_colours)
    price_ok = float(shown["price"]) <= ins.limit
    total = (attr_hits + opt_hits + int(price_ok)) / (len(ins.attributes) + len(ins.options) + 1)
    r = r_type * total
    return Score(
        reward=r,
        strict=r if price_ok else 0.0,
        r_type=r_type,
        attrs=attr_hits / len(ins.attributes),
        options=opt_hits / len(ins.options) if ins.options else None,
        price_ok=price_ok,
    )


# ---------------------------------------------------------------- rankers


def bm25_first(cat: Catalog, queries: Sequence[str]) -> tuple[list[str | None], float]:
    """Plain bm25s over title + description; the first id per query, and the median ms."""
    import logging

    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG on import
    ids = sorted(cat.products)
    docs = [cat.products[i]["title"] + " " + cat.products[i].get("description", "") for i in ids]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(docs, stopwords="en", show_progress=False), show_progress=False)
    firsts: list[str | None] = []
    times: list[float] = []
    for q in queries:
        started = time.perf_counter()
        tokens = bm25s.tokenize([q], stopwords="en", show_progress=False, return_ids=False)
        if not tokens[0]:
            firsts.append(None)
            continue
        found, scores = retriever.retrieve(tokens, k=1, show_progress=False)
        times.append((time.perf_counter() - started) * 1000)
        firsts.append(ids[int(found[0][0])] if float(scores[0][0]) > 0 else None)
    return firsts, statistics.median(times) if times else 0.0


def build(catalog: str) -> Any:
    from assistant import AssistantSettings, build_assistant
    from recsys import RecsysSettings
    from retrieval import RetrievalSettings

    data_dir = ROOT / "var" / catalog
    settings = AssistantSettings(brain="offline").with_data_dir(data_dir)
    return build_assistant(
        settings,
        RetrievalSettings(data_dir=data_dir / "retrieval", default_currency="INR"),
        RecsysSettings(data_dir=data_dir / "recsys"),
    )


@dataclass
class Row:
    instruction: dict[str, Any]
    target_title: str
    target_price: float
    bm25: dict[str, Any]
    chat: dict[str, Any]
    hybrid: dict[str, Any]
    chat_text: str = ""
    chat_tools: list[Any] = field(default_factory=list)


def shown_entry(cat: Catalog, pid: str | None, score: Score) -> dict[str, Any]:
    p = cat.products.get(pid) if pid else None
    return {
        "id": pid,
        "title": p["title"] if p else None,
        "price": p["price"] if p else None,
        "category": p["category"] if p else None,
        **asdict(score),
    }


async def run_catalog(catalog: str, n: int, seed: int) -> tuple[dict[str, Any], list[Row]]:
    from assistant import TurnRequest

    cat = load_catalog(catalog)
    instructions = make_instructions(cat, n, seed)
    for ins in instructions:
        target = cat.products[ins.target]
        check = reward(target, ins, target)
        if abs(check.reward - 1.0) > 1e-9:
            raise SystemExit(f"the target of {ins.text!r} scores {check.reward}, not 1")
    out(f"\n== {catalog}: {len(cat.products)} products, {len(instructions)} instructions")
    for ins in instructions[:3]:
        out(f"   e.g. {ins.text}")

    bm25_ids, bm25_ms = bm25_first(cat, [i.text for i in instructions])

    assistant = build(catalog)
    started = time.perf_counter()
    assistant.warm()
    out(f"   assistant warm in {time.perf_counter() - started:.1f} s")
    rows: list[Row] = []
    chat_ms: list[float] = []
    hybrid_ms: list[float] = []
    for ins, bid in zip(instructions, bm25_ids, strict=True):
        target = cat.products[ins.target]
        t0 = time.perf_counter()
        result = await assistant.run_turn(TurnRequest(message=ins.text, state=None, history=[]))
        chat_ms.append((time.perf_counter() - t0) * 1000)
        cid = result.cards[0].id if result.cards else None
        t0 = time.perf_counter()
        page = assistant.search.search(ins.text)
        hybrid_ms.append((time.perf_counter() - t0) * 1000)
        hid = page.hits[0].product.id if page.hits else None
        scores = {
            name: reward(target, ins, cat.products.get(pid) if pid else None)
            for name, pid in (("bm25", bid), ("chat", cid), ("hybrid", hid))
        }
        rows.append(
            Row(
                instruction=asdict(ins),
                target_title=target["title"],
                target_price=float(target["price"]),
                bm25=shown_entry(cat, bid, scores["bm25"]),
                chat=shown_entry(cat, cid, scores["chat"]),
                hybrid=shown_entry(cat, hid, scores["hybrid"]),
                chat_text=result.text,
                chat_tools=[{"name": t.name, "args": t.args} for t in result.record.tools],
            )
        )

    def col(name: str, key: str) -> list[float]:
        return [float(getattr(r, name)[key]) for r in rows]

    summary: dict[str, Any] = {"catalog": catalog, "instructions": len(rows)}
    for name in ("bm25", "chat", "hybrid"):
        rewards = col(name, "reward")
        summary[name] = {
            "mean": statistics.fmean(rewards),
            "median": statistics.median(rewards),
            "strict_mean": statistics.fmean(col(name, "strict")),
            "type_mean": statistics.fmean(col(name, "r_type")),
            "attr_mean": statistics.fmean(col(name, "attrs")),
            "price_ok": sum(1 for r in rows if getattr(r, name)["price_ok"]) / len(rows),
            "target_hit": sum(1 for r in rows if getattr(r, name)["id"] == r.instruction["target"])
            / len(rows),
            "no_product": sum(1 for r in rows if getattr(r, name)["id"] is None) / len(rows),
        }
    summary["bm25"]["ms_p50"] = bm25_ms
    summary["chat"]["ms_p50"] = statistics.median(chat_ms)
    summary["hybrid"]["ms_p50"] = statistics.median(hybrid_ms)
    b, c = summary["bm25"]["mean"], summary["chat"]["mean"]
    summary["ratio_chat_bm25"] = c / b if b else float("inf")
    bs, cs = summary["bm25"]["strict_mean"], summary["chat"]["strict_mean"]
    summary["ratio_chat_bm25_strict"] = cs / bs if bs else float("inf")
    return summary, rows


def report(s: dict[str, Any]) -> None:
    out(
        f"   {'ranker':<8} {'mean r':>7} {'median':>7} {'strict':>7} {'r_type':>7} "
        f"{'attrs':>6} {'price ok':>8} {'target':>7} {'none':>6} {'p50 ms':>8}"
    )
    for name in ("bm25", "chat", "hybrid"):
        x = s[name]
        out(
            f"   {name:<8} {x['mean']:7.3f} {x['median']:7.3f} {x['strict_mean']:7.3f} "
            f"{x['type_mean']:7.3f} {x['attr_mean']:6.3f} {x['price_ok']:8.1%} "
            f"{x['target_hit']:7.1%} {x['no_product']:6.1%} {x['ms_p50']:8.1f}"
        )
    out(
        f"   chat / BM25 = {s['ratio_chat_bm25']:.2f}x (WebShop reward), "
        f"{s['ratio_chat_bm25_strict']:.2f}x (strict: 0 over the price limit); goal 1.2x"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", choices=[*CATALOGS, "both"], default="both")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--details", type=Path, help="write each instruction's outcome here")
    args = parser.parse_args()
    import logging

    logging.basicConfig(level=logging.WARNING)
    missing = [c for c in CATALOGS if not (ROOT / "var" / "feeds" / f"{c}.jsonl").exists()]
    if missing:
        out(f"skipped: var/feeds/{missing[0]}.jsonl is absent (run `make eval-catalogs`)")
        return 0
    load = os.getloadavg()
    out(f"instruction bench, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, seed {args.seed}")
    out(f"machine: {describe()}; load average {load[0]:.1f}")
    catalogs = CATALOGS if args.catalog == "both" else (args.catalog,)
    for catalog in catalogs:
        summary, rows = asyncio.run(run_catalog(catalog, args.n, args.seed))
        report(summary)
        if args.details:
            args.details.mkdir(parents=True, exist_ok=True)
            path = args.details / f"{catalog}.json"
            path.write_text(
                json.dumps({"summary": summary, "rows": [asdict(r) for r in rows]}, indent=1)
            )
            out(f"   details: {path}")
    out(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The shopper's language that names no product, read from a shipped per-language lexicon.

`ShopperLanguage.load("en")` reads `en.yaml` beside this module: people a present is
for, interests ("who loves gardening"), occasions and what suits them, spoken amounts
("a fiver"), time expressions and chat filler. `read(text)` takes them out of a message
and says what it found, so the rest of the brain sees only product words and conditions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml

__all__ = ["Reading", "ShopperLanguage"]

_HERE = Path(__file__).resolve().parent
_SEASON_NEWS = re.compile(
    r"\b(?:summer|winter|monsoon|spring|autumn|the rains?|guests?|people|family)\s+(?:is|are|'s)"
    r"\s+(?:coming|here|near|arriving|on (?:its|their) way)(?:\s+(?:soon|tonight|today|"
    r"tomorrow))?\b"
)
_PLACE = re.compile(
    r"\b(?:in|at|on) (?:my|our|the|his|her|their) (?:bedroom|kitchen|bathroom|living room|"
    r"lounge|office|room|house|home|flat|garden|balcony|car|desk|hall|study)\b"
    # "a party at home", "bits for the house": the home is where, not what.
    r"|\b(?:at|for|in|around|round|about) (?:(?:the|my|our|his|her|their) )?"
    r"(?:home|house|flat|apartment|place)\b(?!\s+(?:sign|decor|decoration|number|plaque|"
    r"shoes?|slippers?|fragrance|scent)\b)"
)
_GETTING_READY = re.compile(r"\b(?:getting|get|got|gotta|geting) (?:all )?(?:ready|prepared)\b")
# "What would make a nice present": the verb, not a product word.
_WOULD_MAKE = re.compile(r"\b(?:would|will|could|might|should|to|it'?d) make\b")
# The whole shop is no product: "the cheapest thing in the whole shop".
_SCOPE = re.compile(
    r"\b(?:(?:in|of|from|on|across) (?:the|your|this|ur) (?:whole |entire )?|"
    r"(?:the|your) (?:whole|entire) )(?:shop|store|site|website|web ?shop|catalog(?:ue)?|"
    r"range|collection|inventory)\b"
)
_PRONOUNS = {
    *("it", "them", "this", "that", "these", "those", "one", "ones", "stuff", "things"),
    *("his", "her", "their", "my", "our", "your"),  # "he likes his tea" is into tea
}
_CLAUSE_STOP = (
    r"(?=\s*(?:[,.;!?]|$|\b(?:and|but|so|under|below|over|above|less|more|for|with|"
    r"please|rated|priced|in stock|who|which|that|because|since|what|any|do|can|i|we)\b))"
)

_MORE_INTERESTS = re.compile(
    r"\s*(?:,\s*(?:and\b|or\b)?|&|\band\b|\bor\b)\s*(?:also\s+|all\s+)?"
    # ", and nothing with skulls": a new clause, not another interest.
    r"(?!(?:not|no|nothing|never|without|except|please|but|and|or|suggest|recommend|show|"
    r"any|what|got|have|need|want|help)\b)"
    r"((?:[a-z][a-z'&-]*\s*){1,2}?)" + _CLAUSE_STOP
)


@cache
def _occasion(name: str) -> re.Pattern[str]:
    """An occasion as the context ("for a picnic", "a birthday present"), not when it names
    the product itself ("a birthday card", "picnic basket"); "for parties" is for a party.
    Compiled once per name: the reader runs on every message."""
    said = re.escape(name[:-1]) + "(?:y|ies)" if name.endswith("y") else re.escape(name)
    return re.compile(
        rf"(?:\b(?:for|throwing|having|hosting|planning|organi[sz]ing|celebrating|"
        rf"attending|going (?:on|to)|at|it'?s|its|(?:got|have) (?=a |an |our |my )|"
        rf"invited to|off to|doing|holding|(?:is|was) (?=my |our |his |her |their ))\s*"
        rf"(?:(?:a|an|the|my|our|her|his|"
        rf"their|your|some)\s+)?(?:\w+'?s\s+)?)\b{said}(?:'?s)?\b"
        rf"|\b{re.escape(name)}(?:'?s)?(?=\s+(?:(?:is|was)\s+)?(?:presents?|gifts?|ideas?|"
        rf"coming|next|this|soon|tomorrow|today|tonight|on)\b)"
    )


@lru_cache(maxsize=8)
def _person(people: str) -> re.Pattern[str]:
    """A person a present is for ("for my little sister"), the preposition as group 1."""
    alternation = "|".join(sorted((re.escape(p) for p in people.split()), key=len, reverse=True))
    return re.compile(
        rf"\b(for|to|with)?\s*(?:my|our|his|her|their|a|an|the|your)\s+"
        rf"(?:(?:little|young|new|old|older|younger|best|dear|lovely|teenage|teen|baby|whole|entire|"
        rf"\d+\s*year\s*old)\s+)*"
        rf"({alternation})(?:'?s)?\b"  # "my mums birthday" is my mum's
    )


@dataclass
class Reading:
    """What a message says besides product words."""

    text: str
    people: list[str] = field(default_factory=list)
    interests: list[str] = field(default_factory=list)
    occasions: list[str] = field(default_factory=list)
    ideas: list[str] = field(default_factory=list)


@lru_cache(maxsize=16)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a list of cue phrases, longest first, compiled once."""
    return re.compile(
        r"\b(?:" + "|".join(sorted(map(re.escape, cues), key=len, reverse=True)) + r")\b"
    )


@lru_cache(maxsize=8)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the words, whole and in any case (not inside "u-boat" or "it's u's")."""
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"(?<![\w'-])(?:{alternatives})(?![\w'-])", re.IGNORECASE)


@lru_cache(maxsize=8)
def _number_pattern(cardinals: tuple[str, ...], multipliers: tuple[str, ...]) -> re.Pattern[str]:
    """A run of number words (or digits) holding at least one multiplier."""
    card = "|".join(sorted(map(re.escape, cardinals), key=len, reverse=True))
    mult = "|".join(sorted(map(re.escape, multipliers), key=len, reverse=True))
    part = rf"(?:\d+(?:\.\d+)?|{card})(?:[ -](?:{card}))?"
    return re.compile(
        rf"\b(?:{part}\s+)?(?:{mult})\b(?:\s+(?:and\s+)?(?:{part}\s+)?(?:{mult})\b)*"
        rf"(?:\s+and\s+(?:{card})(?:[ -](?:{card}))?\b)?"
    )


@lru_cache(maxsize=8)
def _quantity_pattern(containers: tuple[str, ...]) -> re.Pattern[str]:
    """A count: "6 of", "2 x", "for 6", "order 6", or a number of the language's containers."""
    counted = "|".join(["x", "×", "of", "items", "lots", *map(re.escape, containers)])
    return re.compile(
        rf"\b(\d{{1,4}})\s*(?:{counted})\b"
        r"|\bfor\s+(\d{1,4})\b(?!\s*(?:[.,]\d|%|pounds?|quid|dollars?|euros?|rupees?))"
        r"|\b(?:buy|order|get|want|need|take|made it|make it|got|ordered|bought)\s+(\d{1,4})\b"
        r"(?!\s*(?:[.,]\d|%|pounds?|quid))"
    )


@lru_cache(maxsize=8)
def _count_words(words: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a language's counts in words, compiled once, not per message."""
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b")


_EMOJI = re.compile(r"\s*[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]+")


@lru_cache(maxsize=8)
def _occasion_words(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for name in names for w in name.split())


def _asked_after(words: str, back: str, never: str) -> re.Pattern[str] | None:
    """ "warranty kitna hai uska": the thing asked about, then the question word."""
    if not words.split():
        return None
    alt = "|".join(map(re.escape, words.split()))
    skip = "|".join(map(re.escape, never.split())) or "(?!)"
    points = "|".join(map(re.escape, back.split())) or "(?!)"
    return re.compile(
        rf"(?i)\b(?!(?:{skip})\b)(?P<what>[a-z][a-z-]+)\s+(?:{alt})\b"
        # "kitna padega", "kitne ka": how much it costs, which the shorthands say.
        rf"(?!\s+(?:padega|padegi|padenge|hoga|hogi|hua|ka|ki|ke)\b)(?:\s+(?:hai|hain|h)\b)?"
        rf"(?:\s+(?:{points})\b)?"
    )


@dataclass(frozen=True)
class Audience:
    """Who products are made for ("women"): how a shopper names them, who belongs to them,
    how listings mark them, and the audiences whose products are then something else."""

    says: frozenset[str]
    people: frozenset[str]
    marks: tuple[str, ...]
    others: tuple[str, ...]


@dataclass(frozen=True)
class ShopperLanguage:
    """One language's non-product vocabulary."""

    people: frozenset[str]
    doers: dict[str, str]
    interest_cue: re.Pattern[str]
    occasions: dict[str, tuple[str, ...]]
    amounts: dict[str, float]
    time_words: frozenset[str]
    time_lead: re.Pattern[str]
    filler: frozenset[str]
    descriptors: frozenset[str] = frozenset()
    vague: frozenset[str] = frozenset()
    colours: frozenset[str] = frozenset()
    name: str = "en"
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aspects: dict[str, tuple[str, ...]] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)
    size_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    containers: tuple[str, ...] = ()
    cardinals: dict[str, int] = field(default_factory=dict)
    shorthands: dict[str, str] = field(default_factory=dict)
    gift_wrapping: frozenset[str] = frozenset()
    holders: tuple[str, ...] = ()
    events: frozenset[str] = frozenset()
    event_names: dict[str, str] = field(default_factory=dict)
    multipliers: dict[str, int] = field(default_factory=dict)
    listing_labels: tuple[str, ...] = ()
    listing_lists: tuple[str, ...] = ()
    asked_after: re.Pattern[str] | None = None
    accessory_words: frozenset[str] = frozenset()
    translations: dict[str, str] = field(default_factory=dict)
    short_forms: dict[str, str] = field(default_factory=dict)
    audiences: dict[str, Audience] = field(default_factory=dict)

    @classmethod
    @cache
    def load(cls, language: str = "en") -> ShopperLanguage:
        """The shipped lexicon of a language (ISO 639-1 code)."""
        path = _HERE / f"{language}.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        cues = sorted((c.strip() for c in data["interest_cues"].split("|")), key=len, reverse=True)
        leads = sorted((c.strip() for c in data["time_lead"].split("|")), key=len, reverse=True)
        times = sorted(data["time_words"].split(), key=len, reverse=True)
        return cls(
            name=language,
            people=frozenset(data["people"].split()),
            doers={k.lower(): v for k, v in data["doers"].items()},
            interest_cue=re.compile(
                r"\b(?:who|that|he|she|they|and|as|my \w+|since|because)?\s*(?:"
                + "|".join(re.escape(c) for c in cues if c)
                + r")\s+((?:[a-z][a-z'&-]*\s*){1,3}?)"
                + _CLAUSE_STOP
            ),
            occasions={
                k.lower(): tuple(v)
                for k, v in [*data["occasions"].items(), *data.get("events", {}).items()]
            },
            events=frozenset(k.lower() for k in data.get("events", {})),
            event_names={k.lower(): str(v) for k, v in data.get("event_names", {}).items()},
            amounts={k.lower(): float(v) for k, v in data["amounts"].items()},
            time_words=frozenset(times),
            time_lead=re.compile(
                r"\b(?:today|tomorrow|tonight|yesterday|asap|soon)\b|\b(?:"
                + "|".join(re.escape(c) for c in leads)
                + r")\s+(?:"
                + "|".join(re.escape(t) for t in times)
                + r")(?:\s+(?:"
                + "|".join(re.escape(t) for t in times)
                + r"))*\b"
            ),
            filler=frozenset(data["filler"].split()),
            descriptors=frozenset(data.get("descriptors", "").split()),
            vague=frozenset(data.get("vague", "").split()),
            colours=frozenset(data.get("colours", "").split()),
            kinds={k.lower(): tuple(v) for k, v in data.get("kinds", {}).items()},
            aspects={k.lower(): tuple(v) for k, v in data.get("aspects", {}).items()},
            numbers={k.lower(): int(v) for k, v in data.get("numbers", {}).items()},
            size_cues={k: tuple(v) for k, v in data.get("size_cues", {}).items()},
            containers=tuple(data.get("containers", "").split()),
            cardinals={k.lower(): int(v) for k, v in data.get("cardinals", {}).items()},
            gift_wrapping=frozenset(data.get("gift_wrapping", "").split()),
            holders=tuple(data.get("holders", "").split()),
            shorthands={
                **{str(k).lower(): str(v) for k, v in data.get("shorthands", {}).items()},
                # Sayings that name no product ("over the moon"): written out as nothing.
                **{
                    said: " "
                    for i in data.get("idioms", "").split("|")
                    if (said := " ".join(i.split()))
                },
            },
            multipliers={k.lower(): int(v) for k, v in data.get("multipliers", {}).items()},
            audiences={
                name: Audience(
                    says=frozenset(str(a.get("says", "")).split()),
                    people=frozenset(str(a.get("people", "")).split()),
                    marks=tuple(str(a.get("marks", "")).split()),
                    others=tuple(str(a.get("not", "")).split()),
                )
                for name, a in data.get("audiences", {}).items()
            },
            listing_labels=tuple(
                " ".join(label.split())
                for label in data.get("listing_labels", "").split("|")
                if label.strip()
            ),
            accessory_words=frozenset(data.get("accessory_words", "").split()),
            short_forms={
                str(k).lower(): str(v).lower() for k, v in data.get("short_forms", {}).items()
            },
            translations={
                str(k).lower(): str(v).lower() for k, v in data.get("translations", {}).items()
            },
            asked_after=_asked_after(
                data.get("asked_after", ""),
                data.get("asked_after_of", ""),
                data.get("asked_after_not", ""),
            ),
            listing_lists=tuple(
                " ".join(label.split())
                for label in data.get("listing_lists", "").split("|")
                if label.strip()
            ),
        )

    def audience(self, text: str, people: list[str]) -> Audience | None:
        """Who the request is for, when it says ("for women", "for my husband") and exactly
        one audience fits; None otherwise."""
        said = {
            name
            for name, a in self.audiences.items()
            for w in re.findall(r"\bfor\s+(?:the\s+|a\s+)?([a-z]+)(?:'?s)?\b", text)
            if w in a.says
        }
        if not said:
            # "for my husband", not "my son can't stand it": the person it is for.
            named = {
                w
                for w in re.findall(
                    r"\bfor\s+(?:my|our|his|her|their|the)\s+(?:[a-z]+\s+)?([a-z]+?)(?:'?s)?\b",
                    text,
                )
                if w in people or w in self.people
            }
            said = {name for name, a in self.audiences.items() if (a.people | a.says) & named}
        return self.audiences[next(iter(said))] if len(said) == 1 else None

    @property
    def occasion_words(self) -> frozenset[str]:
        """Every word of an occasion's or event's name ("retiring", "baby")."""
        return _occasion_words(tuple(self.occasions))

    def doer(self, word: str) -> str:
        """The activity a person-word names: the lexicon's ("gardener" -> garden), else a
        regular English agent noun's stem ("vlogger" -> vlog, "climber" -> climb)."""
        if word in self.doers:
            return self.doers[word]
        if self.name == "en" and word.endswith("er") and len(word) >= 7:
            base = word[:-2]
            return base[:-1] if base[-1] == base[-2] else base
        return word

    def members(self, word: str) -> tuple[str, ...]:
        """The words that name a member of a kind ("nuts" -> almond, cashew ...), or none."""
        return self.kinds.get(word.lower().removesuffix("s"), ())

    def spoken_amounts(self, text: str) -> str:
        """Spoken amounts as digits ("under a fiver" -> "under 5")."""
        for phrase in sorted(self.amounts, key=len, reverse=True):
            if phrase in text:
                value = self.amounts[phrase]
                text = re.sub(rf"\b{re.escape(phrase)}\b", f"{value:g} ", text)
        return text

    def size_cue(self, text: str) -> tuple[str | None, str]:
        """ "bigger" or "smaller" when the text asks for another size (the first cue decides),
        and the text with every size cue blanked ("too small, got a bigger one?")."""
        direction: tuple[int, str] | None = None
        for name, cues in self.size_cues.items():
            pattern = _cue_pattern(cues)
            if m := pattern.search(text):
                if direction is None or m.start() < direction[0]:
                    direction = (m.start(), name)
                text = pattern.sub(lambda c: " " * len(c.group(0)), text)
        return (direction[1] if direction else None), text

    def written_out(self, text: str) -> str:
        """Chat shorthand written out ("do u take amex?" -> "do you take american express?"),
        keeping the case of everything else."""
        # An emoji ends a thought as a full stop does ("OBSESSED with dinosaurs 🦖").
        text = _EMOJI.sub(lambda m: "." if m.start() else " ", text).strip()
        if self.asked_after is not None:
            text = self.asked_after.sub(lambda m: f"what is its {m.group('what')}", text)
        if self.name == "en":
            # Hinglish puts "for" and "up to" after their word: "biryani ke liye kesar" is
            # saffron for biryani, "150 rupaye tak" up to 150.
            text = re.sub(r"(?i)\b([a-z]+)\s+ke\s+liye\b", r"for \1", text)
            text = re.sub(
                r"(?i)\b(\d[\d,.]*\s*(?:k|rs\.?|rupees|rupaye|rupay|rupiya|inr)?)\s+tak\b"
                r"(?:\s+(?:ka|ki|ke|wala|wali|wale)\b)?",
                r"up to \1",
                text,
            )
        if not self.shorthands:
            return text
        pattern = _word_pattern(tuple(self.shorthands))
        return pattern.sub(lambda m: self.shorthands[m.group(0).lower()], text)

    def spoken_numbers(self, text: str) -> str:
        """Numbers in words with a multiplier as digits ("under one thousand rupees" -> "under
        1000 rupees", "two hundred and fifty" -> "250", "2 thousand" -> "2000")."""
        if not self.multipliers:
            return text
        pattern = _number_pattern(tuple(self.cardinals), tuple(self.multipliers))

        def value(m: re.Match[str]) -> str:
            total = current = 0.0
            for word in re.findall(r"[a-z]+|\d+(?:\.\d+)?", m.group(0)):
                if word == "and":
                    continue
                if word in self.multipliers:
                    factor = self.multipliers[word]
                    if factor < 1000:
                        current = (current or 1) * factor
                    else:
                        total += (current or 1) * factor
                        current = 0
                else:
                    current += float(word) if word[0].isdigit() else self.cardinals[word]
            return f"{total + current:g}"

        return pattern.sub(value, text)

    def quantity(self, text: str) -> re.Match[str] | None:
        """A count of something ("6 of", "for 6", "order 6", "4 bottles"): group 1 is it."""
        return _quantity_pattern(self.containers).search(text)

    def counts_as_digits(self, text: str) -> str:
        """Counts in words as digits, padded to the word's length so that spans found in the
        result are spans of `text` ("three of them" -> "3     of them")."""
        if not self.numbers:
            return text
        return _count_words(tuple(self.numbers)).sub(
            lambda m: str(self.numbers[m.group(0)]).ljust(len(m.group(0))), text
        )

    def read(self, text: str) -> Reading:
        """Take people, interests, occasions and time expressions out of a lower-case message."""
        out = Reading(text)
        original = text
        text = _GETTING_READY.sub(" ", text)
        for m in self.interest_cue.finditer(text):
            spans = [(m.start(), m.end(), m.group(1))]
            # "loves space and rockets", "is into cats, owls and birds": each is an interest.
            at = m.end()
            while more := _MORE_INTERESTS.match(text, at):
                spans.append((more.start(), more.end(), more.group(1)))
                at = more.end()
            for start, end, said in spans:
                words = [
                    w
                    for w in said.split()
                    if w not in self.people and w not in self.filler and w not in _PRONOUNS
                ]
                # "who is a gardener": the activity, not the person.
                words = [self.doer(w) for w in words if w not in ("a", "an", "the")]
                if words:
                    out.interests.append(" ".join(words))
                    text = text[:start] + " " * (end - start) + text[end:]
        for doer, activity in self.doers.items():
            if re.search(
                rf"\b(?:(?:a|an|for|my|our|the)\s+(?:keen\s+|big\s+)?|"
                rf"(?:he|she|they|who|who's|and)\s+(?:also\s+|always\s+|often\s+)?){doer}\b",
                text,
            ):
                out.interests.append(activity)
                text = re.sub(rf"\b{doer}\b", " ", text)
        # "My mum's birthday": the person inside an occasion is still the person.
        person = _person(" ".join(sorted(self.people)))
        named_before = [m.group(2) for m in person.finditer(text)]
        for name in sorted(self.occasions, key=len, reverse=True):
            # An event says itself wherever it stands ("they've just had a baby").
            rx = (
                re.compile(rf"\b{re.escape(name)}\b") if name in self.events else _occasion(name)
            )
            after_one = any(  # "for diwali puja": one occasion after another
                re.search(rf"\b{re.escape(o)}\s+{re.escape(name)}\b", original)
                for o in out.occasions
            )
            if rx.search(text) or after_one:
                out.occasions.append(name)
                out.ideas += [i for i in self.occasions[name] if i not in out.ideas]
                text = rx.sub(" ", text)
                if after_one:
                    text = re.sub(rf"\b{re.escape(name)}(?:'?s)?\b", " ", text)
        text = _SEASON_NEWS.sub(" ", text)
        text = _WOULD_MAKE.sub(" ", text)
        text = self.time_lead.sub(" ", text)
        # Where it goes is no product: "a ceiling fan in my bedroom".
        text = _PLACE.sub(" ", text)
        text = _SCOPE.sub(" ", text)
        found = named_before + [m.group(2) for m in person.finditer(text)]
        out.people += list(dict.fromkeys(found))
        # The preposition stays: "biscuits for the kids tiffin box" is biscuits for a
        # tiffin box, not a biscuit tiffin box.
        text = person.sub(lambda m: f" {m.group(1) or ''} ", text)
        out.text = text
        return out

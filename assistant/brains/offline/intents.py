"""What the shopper wants from this message: one intent out of a fixed set, by rules.

Rules are cue patterns tried in priority order, with the context that changes
their meaning: whether the message names product words, refers to a product
already shown, or only adds conditions to the active search.
"""

from __future__ import annotations

import re
from typing import Literal

from assistant.brains.offline.language import ShopperLanguage
from assistant.matching import content_words

__all__ = ["HUMAN_REQUEST", "INTENTS", "Intent", "Signals", "detect", "strong_policy"]

Intent = Literal[
    "find",
    "refine",
    "compare",
    "recommend",
    "similar",
    "bought_together",
    "product_question",
    "policy_question",
    "greeting",
    "thanks",
    "goodbye",
    "off_topic",
    "human",
    "purchase",
    "identity",
    "affirm",
    "deny",
    "quote",
    "unclear",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]

_HELLO = (
    r"(?:hi+|hello+|hey+|hiya|hei|howdy|yo|good (?:morning|afternoon|evening|day)|greetings|"
    r"hola|bonjour)\b(?:\s+there)?"
)
_HOW_ARE_YOU = r"how are you(?: doing| today)?\??"
_GREETING = re.compile(
    rf"^\W*(?:(?:oh|well|ok|so|and)\W+)?(?:(?:{_HELLO}[\s!.,:)(]*)+(?:{_HOW_ARE_YOU})?"
    rf"|{_HOW_ARE_YOU})\W*$"
)
_GREETING_PREFIX = re.compile(
    r"^\W*(?:hi+|hello+|hey+|hiya|hei(?: hei)?|good (?:morning|afternoon|evening))\b[\s!.,]*"
)
_THANKS = re.compile(
    r"\b(?:thanks?|thank you|thx|ty|cheers|much appreciated|appreciate (?:it|your help)|"
    r"that'?s (?:all|it|great|perfect|helpful)|perfect|great|awesome|wonderful|brilliant|lovely|"
    r"sounds (?:good|great|interesting|nice)|ok(?:ay)?|cool|nice|got it|i see|sure|alright|"
    r"looks good|that would work|wow|amazing|:\)|\(:)"
)
_AFFIRM = re.compile(
    r"^\W*(?:yes|yeah|yep|yup|ya|sure|ok|okay|please|go ahead|do it|sounds good|alright|"
    r"definitely|of course|why not|that would be (?:great|nice|good)|i'?m in)"
    r"(?:\W+(?:please|thanks|thank you|do that|go on))*\W*$"
)
_DENY = re.compile(
    r"^\W*(?:no|nope|nah|not really|no thanks|no thank you|not now|never mind|nevermind|"
    r"no,? i don'?t|i don'?t|not interested)(?:\W+(?:thanks|thank you))*\W*$"
)
_OPTIONS = re.compile(
    r"\bwhat are (?:my|the|your) options\b|\bwhat (?:do|else do) you have\b|"
    r"\bwhat have you got\b|\bwhat can you (?:show|offer)\b|\bwhat do you sell\b"
)
_GOODBYE = re.compile(
    r"\b(?:bye|goodbye|see you|have a (?:nice|good|great|lovely) (?:day|evening|one)|"
    r"take care|have to (?:go|leave)|gotta go|that'?s all|ta[- ]?ra|cheerio|toodle[- ]?oo|"
    r"laters|ttyl|bas itna hi|itna hi)\b"
)
HUMAN_REQUEST = re.compile(
    r"\b(?:human|real person|a person|someone real|live (?:agent|person|chat)|agent|"
    r"operator|representative|customer (?:service|support)|member of staff|staff member|"
    r"(?:speak|talk|chat) (?:to|with) (?:someone|somebody|a manager|a human|staff|the team)|"
    r"customer care|(?:speak|talk|chat) (?:to|with) (?:a|an|the|some|your) (?:\w+ ){0,2}"
    r"(?:person|people|human|agent|executive)|not (?:a|the|your) (?:bot|robot|machine))\b"
)
_IDENTITY = re.compile(
    r"\b(?:are you (?:a )?(?:bot|robot|human|real|ai|person)|who are you|what are you|"
    r"are you there|anyone (?:here|there)|is anyone here)\b"
)
_POLICY = re.compile(
    r"\b(?:ship(?:ping|s|ped)?|deliver(?:y|ies|ed)?|postage|post(?:ed)?|courier|dispatch(?:ed)?|"
    r"arrive|track(?:ing)?|returns?|return (?:it|this|them|policy)|refunds?|exchange|"
    r"send (?:it )?back|"
    r"pay(?:ment|ing)?|paypal|credit cards?|debit cards?|visa|mastercard|apple pay|klarna|"
    r"instal(?:l)?ments|open(?:ing)? hours|opening times|when are you open|are you open|closing|"
    r"closed|showroom|contact|phone number|email address|address|discounts?|vouchers?|coupons?|"
    r"promo(?:tion)?(?: code)?|discount code|sale|gift card|gift wrapping|gift wrap (?:it|my|"
    r"the order)|gift[- ]wrapped|ring (?:you|someone|somebody)|call you|"
    r"gift message|wholesale|trade account|bulk|privacy|my data|delete my|warranty|guarantee|vat|"
    r"customs|duty|duties|international|abroad|overseas|free delivery|free shipping|"
    r"how long (?:does|will) (?:it|delivery|shipping) take|damaged|broken|faulty)\b"
)
_COMPARE = re.compile(
    r"\b(?:compare|comparison|difference|differences|vs\.?|versus|which (?:one |of (?:them|these|"
    r"those|the two) )?"
    r"(?:is|would be) (?:better|best|nicer|bigger|cheaper)|which (?:one'?s|is) (?:better|best|"
    r"nicer|cheaper)|which (?:one )?should i (?:get|choose|"
    r"buy|pick)|"
    r"pros and cons|better choice|"
    # "the frog king one or the flying pig one, is one of them cheaper?"
    r"(?:is )?(?:one|either) of (?:them|the two|those) (?:cheaper|dearer|better|bigger)|"
    r"which (?:one )?(?:costs? less|is less expensive|is the cheaper)|"
    r"which (?:one )?(?:is )?cheap\b(?! ones?\b))\b"
)
_TOGETHER = re.compile(
    r"\b(?:go(?:es)? (?:(?:really |very )?(?:well|nicely|best|perfectly|great) )?with|goes with|"
    r"to go with|pair(?:s)? (?:(?:well|nicely|best) )?with|"
    r"match(?:es)? (?:with )?(?:it|this|that)|"
    r"bought together|also (?:bought|buy|get)|buy with|complete the (?:set|look)|"
    r"what else (?:do|did|would) (?:people|customers|shoppers)|frequently bought|"
    r"complement|look (?:nice|good|great|lovely) with|what else (?:do|would|should) i "
    r"(?:need|get|buy)|(?:get|buy|need) with it|"
    r"accessor(?:y|ies) for (?:it|this|that|them|these|those|the (?:first|second|"
    r"third|last) one)|along with)\b"
)
_SIMILAR = re.compile(
    r"\b(?:similar|something like|anything like|more like|like (?:this|that|it|the \w+ one)|"
    r"alternatives?(?: to)?|same style|same kind|other options like|along those lines|"
    r"in the same (?:style|range))\b"
)
_RECOMMEND = re.compile(
    r"\b(?:recommend\w*|suggest\w*|what(?:'s| is) popular|popular|best ?sell(?:er|ers|ing)|"
    r"trending|bestsellers?|surprise me|inspire|inspiration|ideas?|what should i (?:buy|get)|"
    r"for me|what do you (?:think|have)|top picks?|your (?:favou?rites?|picks?))\b"
)
_QUESTION = re.compile(
    r"\b(?:how much|prices?|cost|costs|in stock|tell me more|more info|available|availability|"
    r"sold out|colou?rs?|material|"
    r"made (?:of|from|in)|size|sizes|dimensions?|big|small|tall|wide|long|heavy|weight|capacity|"
    r"describe|tell me (?:more )?about|more (?:info|information|details)|details|what is it|"
    r"what'?s it|is it|are they|does it|do they|can it|will it|would it|how many|how big|"
    r"rating|ratings|reviews?|rated|pictures?|photos?|images?|pic|dishwasher|microwave|"
    r"washable|battery|batteries|warranty|age|safe|waterproof|real|genuine|handmade|"
    r"what'?s (?:the )?(?:price|title|name)|what does it|come with|included|quality|worth it)\b"
)
_PURCHASE = re.compile(
    r"\b(?:(?:i'?ll|i will|i'?d|i would) (?:take|have|buy|go for|order|get) (?:it|that|this|them|"
    r"one|the)|"
    r"make (?:an? |the |my )?order|add (?:it |this |that |them )?to "
    r"(?:my )?(?:cart|basket|bag)|checkout|check out|place (?:an |the )?order|buy it|"
    r"i want to (?:buy|order) (?:it|this|that|them)|i'?d like to (?:buy|order) (?:it|this|that|"
    r"them)|"
    r"proceed with|purchase (?:it|this|that))\b"
)
_PAYMENT = re.compile(
    r"\b(?:paypal|apple pay|google pay|klarna|clearpay|amex|american express|mastercard|visa|"
    r"credit cards?|debit cards?|gift cards?|vouchers?|cash on delivery|cod|upi|net ?banking|"
    r"pay (?:by|with|via|using)|payment (?:methods?|options?))\b"
)
_MORE_ONLY = re.compile(
    r"^\W*(?:more|others?|next|any others?|anything else\??|other options?)\W*$"
)


class Signals:
    """Context that changes what a cue means."""

    def __init__(
        self,
        *,
        product_words: bool,
        conditions: bool,
        reference: bool,
        has_shown: bool,
        active_search: bool,
        more: bool,
        off_topic: bool,
        quote: bool = False,
    ) -> None:
        self.quote = quote
        self.product_words = product_words
        self.conditions = conditions
        self.reference = reference
        self.has_shown = has_shown
        self.active_search = active_search
        self.more = more
        self.off_topic = off_topic


def detect(message: str, s: Signals) -> Intent:
    """The intent of one message, given its signals."""
    text = message.lower().replace("\u2019", "'").strip()
    if _GREETING.match(text):
        return "greeting"
    body = _GREETING_PREFIX.sub("", text) or text
    if _AFFIRM.match(text):
        return "affirm"
    if _DENY.match(text):
        return "deny"
    if _SHOP_INFO.search(body) and _SHOP_FRAME.search(body):
        # "When is customer service open?" asks for the hours, not for a person.
        return "policy_question"
    if HUMAN_REQUEST.search(body):
        return "human"
    if _IDENTITY.search(body) and not (
        (s.product_words or s.conditions) and _SHOPPING_CUE.search(_IDENTITY.sub(" ", body))
    ):
        # "Is anyone there? I want candles" is a request for candles.
        return "identity"
    if _PURCHASE.search(body) and not _PAYMENT.search(body):
        # "Can I check out with PayPal?" asks how to pay, not to buy.
        return "purchase"
    if s.quote:
        return "quote"
    if _is_policy(body, s):
        return "policy_question"
    if _COMPARE.search(body) and (s.has_shown or s.product_words):
        return "compare"
    if _TOGETHER.search(body):
        return "bought_together"
    if _SIMILAR.search(body) and (s.reference or s.has_shown):
        return "similar"
    if s.reference and _QUESTION.search(body):
        return "product_question"
    if s.off_topic and not (s.conditions or _SHOPPING_CUE.search(body)):
        return "off_topic"
    if _GOODBYE.search(body) and _only_small_talk(body, _GOODBYE):
        return "goodbye"
    if _THANKS.search(body) and _only_small_talk(body, _THANKS) and not s.conditions:
        return "thanks"
    if (s.more or _MORE_ONLY.match(body)) and s.active_search and not s.product_words:
        return "refine"
    if _OPTIONS.search(body) and not s.product_words:
        return "refine" if s.active_search else "recommend"
    if _RECOMMEND.search(body) and not s.product_words:
        return "recommend"
    if s.product_words and (s.conditions or _looks_like_request(body)):
        if s.active_search and s.conditions and s.reference is False and _refines(body):
            return "refine"
        return "find"
    if s.conditions and s.active_search:
        return "refine"
    if s.conditions:
        return "find"
    if s.reference and s.has_shown:
        return "product_question"
    if _QUESTION.search(body) and s.has_shown:
        return "product_question"
    if _SHOPPING_CUE.search(body):
        return "find"
    return "unclear"


_SHOPPING_CUE = re.compile(
    r"\b(?:look(?:ing)? (?:everywhere |all over |around |high and low |online )?for|"
    r"searching for|shopping for|want|wanna|need|buy|buying|get|after|"
    r"pick up|grab|stock up|find me|get me|can you find|could you find|"
    r"purchase|shopping|help me (?:find|choose|pick|with)|"
    r"gift|present|something|anything|show me|do you (?:have|sell|stock|carry)|spend on|"
    r"to spend|how about|what about)\b"
)
_SMALL_TALK_WORDS = {
    "you",
    "too",
    "day",
    "evening",
    "night",
    "morning",
    "weekend",
    "all",
    "help",
    "time",
    "kindness",
    "lot",
    "much",
    "so",
    "very",
    "really",
    "again",
}


# Chat words that still say there is more than thanks: "thanks, but I have a problem".
_MORE_TO_SAY = frozenset(
    "problem problems issue issues question questions gift gifts present presents idea ideas "
    "suggestion suggestions something anything".split()
)


def _only_small_talk(body: str, pattern: re.Pattern[str]) -> bool:
    """True when nothing but the pattern's phrases (and filler) is left in the message."""
    rest = pattern.sub(" ", body)
    # "thanks a lot, bahut help hui": the language's chat words are small talk too.
    chat = ShopperLanguage.load("en").filler - _MORE_TO_SAY
    return (
        not [w for w in content_words(rest) if w not in _SMALL_TALK_WORDS and w not in chat]
        and len(body.split()) <= 12
    )


_POLICY_STRONG = re.compile(
    r"\b(?:(?:do|can|could|will|would) you (?:also )?(?:gift[- ]?)?wrap|gift[- ]?wrap(?:ping)? "
    r"(?:service|option)|(?:do|can|could|will|would) you (?:also )?(?:accept|take) "
    r"(?!(?:it|them) back)|"
    r"ship|shipping|deliver|delivery|postage|return|returns|refunds?|pay|payment|paypal|"
    r"discounts?|vouchers?|coupons?|track|tracking|gift wrapping|credit cards?|debit cards?|"
    r"klarna|apple pay|google pay|mastercard|amex|american express|send (?:\w+ )?back|"
    r"money(?:'s| is)? back|(?:have|get) (?:it|them|this|my order) gift[- ]?wrapped|"
    r"(?:your|the shop'?s) phone number|"
    r"last (?:day|date|posting date) (?:to|i can|for|we can)|order (?:by|deadline)|"
    # "do you post to Canada?", "check out with my PayPal", "the final date to order",
    # "send it straight to my mum's with a note", "without the receipt in the box".
    r"(?:do|can|could|will|would) you (?:also )?(?:post|send)(?: (?:it|them|things|parcels|"
    r"orders))? (?:to|abroad|overseas|internationally|outside)|posting (?:to|abroad)|"
    r"check ?out with|(?:final|latest|last) (?:day|date) to order|arrive in time|"
    r"send (?:it|them) (?:straight |direct(?:ly)? )?to (?:my|his|her|their|a|the)|"
    r"(?:gift )?receipt in the (?:box|parcel|package)|with a (?:little |short )?(?:note|message)|"
    # "my order turned up today and the mirror was cracked": a damaged delivery.
    r"(?:my |the |our )?(?:order|parcel|package|delivery)\b[^.?!]{0,40}\b(?:arrived|came|"
    r"turned up|got here)\b[^.?!]{0,40}\b(?:broken|cracked|damaged|smashed|chipped|faulty|"
    r"wrong|missing)|"
    r"(?:arrived|came|turned up|was delivered) (?:broken|cracked|damaged|smashed|chipped|"
    r"faulty))\b"
)
# Policy words that are product words too ("heavy duty", "damaged hair", "closed toe"):
# they ask about the shop only in a question to the shop.
_POLICY_WEAK = re.compile(
    r"\b(?:duty|duties|damaged|broken|faulty|closed|closing|international|bulk|sale|warranty|"
    r"guarantee|address|exchange|track|contact|customs|vat|wholesale|post|posted|arrive|"
    r"privacy|my data|abroad|overseas|discounts?|promo(?:tion)?|open|courier|instal(?:l)?ments|"
    r"gift card|visa|mastercard|credit cards?|debit cards?|showroom|phone number|pay|paying)\b"
)
_SHOP_FRAME = re.compile(
    r"\b(?:do you|does your|can i|can you|could i|could you|will i|will you|would i|"
    r"how (?:long|much|do|does|can|soon|quickly|late|early)|what(?:'s| is| are) (?:your|the)|"
    r"is there|are there|when|where|your|policy|policies|my order|i ordered|my parcel|"
    r"arrived|if i|are you|is it possible|do i|shop|store)\b"
)
_PRODUCT_REQUEST = re.compile(
    r"\b(?:do you (?:sell|have|stock|carry|do)|looking for|show me|i need|i want|i'?m after|"
    r"any good|recommend|suggest|find me|searching for)\b"
)
_SHOP_INFO = re.compile(
    r"\b(?:open|opening|hours|closing|close|closed|times|phone|email|contact|reach you|"
    r"(?:what|which) number|ring you|call you|pop in(?:to)?|visit (?:you|your)|in person|"
    r"(?:actual|physical|real|bricks and mortar) (?:shop|store)|(?:shop|store|branch) in)\b"
)


# A question to the shop about its service, as opposed to a product named with its words.
_ASKS_THE_SHOP = re.compile(
    r"\b(?:do|can|could|will|would|does) (?:you|i|we) (?:\w+ ){0,2}(?:deliver|ship|post|send|"
    r"return|refund|exchange|accept|take|pay|offer|track|wrap)|\bhow (?:long|much|soon|quickly|"
    r"do i|can i)\b|\bwhat(?:'s| is| are) (?:the|your) (?:delivery|shipping|returns?|postage|"
    r"payment)|\bwhen will\b|\bmy order\b|\bpolicy\b"
)


def strong_policy(text: str) -> bool:
    """True when a message uses a word that only a question about the shop uses."""
    return bool(_POLICY_STRONG.search(text.lower()))


# A message that opens by naming a thing ("a power bank that supports power delivery", "an
# hdmi cable with audio return") asks for that thing, unless the thing is a service.
_NAMES_A_THING = re.compile(
    r"^\W*(?:an?|some)\s+(?!(?:refund|return|exchange|replacement|delivery|discount|voucher|"
    r"coupon|question|quick|query|problem|complaint|gift[- ]?(?:wrap|card|message))\w*\b)[a-z0-9]"
)


def _is_policy(body: str, s: Signals) -> bool:
    """A question about the shop: a policy word that only the shop has, or a word that is
    also a product word asked as a question to the shop."""
    strong = _POLICY_STRONG.search(body)
    if s.product_words and _NAMES_A_THING.search(body) and "?" not in body:
        if not _ASKS_THE_SHOP.search(body):
            return False  # "a menstrual cup, the after delivery size"
    if not strong and not (_POLICY.search(body) and _SHOP_FRAME.search(body)):
        return False
    if not strong and _PRODUCT_REQUEST.search(body):
        return False  # "do you sell heavy duty bags?"
    if s.product_words and _PRODUCT_REQUEST.search(body) and not _ASKS_THE_SHOP.search(body):
        return False  # "find me a power delivery usb cable", "I need a return air grille"
    if s.reference and _QUESTION.search(body) and not strong:
        return False  # "does it have a warranty?" asks about the product
    if not strong and not _POLICY_WEAK.search(body) and s.product_words:
        return False
    return True


_REFINE_WORDS = re.compile(r"\b(?:ones?|only|just|those|these|them|in|with)\b")


_NOT_A_NOUN_PHRASE = re.compile(
    r"^\W*(?:what|how|why|who|when|where|which|is|are|was|were|can|could|would|will|do|does|"
    r"did|should|shall|may|might|i|i'?m|im|i'?ve|i'?d|we|you|he|she|it|it'?s|they|that|that'?s|"
    r"thats|this|there|there'?s|no|yes|yeah|ok|okay|oh|well|so|but|hmm+|thanks|sure|good|"
    r"great|nice|wow|not|maybe|just|also|then|if|because|my|his|her|our|their)\b"
)


def _looks_like_request(body: str) -> bool:
    """A shopping request ("do you have ...", "I need ...") or a bare product phrase
    ("glass candle holders"), as opposed to chat that happens to contain nouns."""
    if _SHOPPING_CUE.search(body) or _ANY_CUE.search(body):
        return True
    # "food for my cat, she's a fussy eater": a short product phrase, then chat.
    first = re.split(r"[,.;!?]", body, maxsplit=1)[0]
    if re.match(r"^\W*(?:a|an|some)\s+\w", first):
        return True  # "a fitness tracker with heart rate monitor"
    return len(first.split()) <= 6 and not _NOT_A_NOUN_PHRASE.match(first)


_ANY_CUE = re.compile(
    r"\b(?:any|got|sell|stock|carry|have you|show|looking|recommend|suggest|ideas?|"
    r"options for|something|anything|some)\b"
)


def _refines(body: str) -> bool:
    """A message that narrows the current results rather than starting a new search."""
    return bool(_REFINE_WORDS.search(body)) and len(body.split()) <= 6

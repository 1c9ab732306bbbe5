"""Build the bundled demo shop in data/demo/ from UCI Online Retail II.

The source is one year (Dec 2009 - Dec 2010) of invoice lines from a UK online
giftware shop. This script turns it into the files Aisle's demo runs on:

- ``products.jsonl``: one catalog row per real product (the Product contract);
- ``interactions.parquet``: customers' purchases of those products;
- ``taxonomy.md``: the keyword taxonomy and the price and stock rules;
- ``README.md``: what is here, how to rebuild it, counts and attribution.

Usage (from the repository root)::

    .venv/bin/python data/build_demo.py [--source PATH] [--out data/demo]

The output depends only on the source file (and the pinned pandas / pyarrow
versions): the same input gives byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# The keyword taxonomy: an ordered list of (category path, keywords). A product
# goes to the first entry with a keyword that occurs in its upper-cased,
# whitespace-normalised description as whole words (packaging phrases such as
# "IN GIFT BOX" removed first, see PACKAGING). A keyword also matches its plural
# made by adding S or ES ("CANDLE" matches "CANDLES"); hyphens and apostrophes
# join words, so "LIGHT" does not match "T-LIGHT".
#
# Order is what makes this work, because the shop names products by motif as
# often as by kind ("PARTY PIZZA DISH", "RIBBONS PURSE", "DOLLY GIRL LUNCH BOX").
# The list runs in four tiers, and a category may appear in more than one:
#   1. phrases that would otherwise be misread ("TEA TOWEL", "PIN CUSHION");
#   2. seasonal ranges (Christmas, Easter), which win over the kind of product;
#   3. the kind of product: unambiguous head nouns;
#   4. weaker words that are often only a motif, tried last.
Rules: TypeAlias = list[tuple[str, list[str]]]

# fmt: off

# Tier 1: phrases that contain a misleading word.
PHRASE_RULES: Rules = [
    ("Kitchen & Dining > Kitchenware", [
        "TEA TOWEL", "TEATOWEL", "OVEN GLOVE", "OVEN MITT", "FOOD COVER", "FOODCOVER",
        "CAKE TIN", "BISCUIT TIN", "BREAD BIN", "BISCUIT BIN", "BISCUIT BARREL",
        "LUNCH BOX", "LUNCHBOX", "RECIPE BOX",
    ]),
    ("Kitchen & Dining > Tableware", [
        "EGG CUP", "NAPKIN RING", "TABLE CLOTH", "TABLE RUN", "TEA FOR ONE",
        "BREAKFAST SET", "PLACE SETTING", "SALT AND PEPPER",
    ]),
    ("Kitchen & Dining > Baking", ["CUP CAKE", "CAKE CASE"]),
    ("Toys & Games > Arts & Crafts", [
        "PIN CUSHION", "TAPE MEASURE", "MEASURING TAPE", "CARD KIT", "KIT CARDS",
        "KNITTING KIT", "SEWING KIT", "SEWING BOX", "REPAIR KIT",
    ]),
    ("Toys & Games > Toys", [
        "PLAYING CARDS", "CARD GAME", "SNAP CARDS", "PARTY GAMES", "SOFT TOY",
        "CATCH CUP", "DRAWING SLATE", "JIGSAW",
    ]),
    ("Party & Celebrations > Party Supplies", [
        "PARTY BAG", "PARTY CONE", "PARTY CANDLE", "CAKE CANDLE", "BIRTHDAY CANDLE",
        "BARRIER TAPE", "PARTY INVITES", "COCKTAIL PARASOL",
    ]),
    ("Home Decor > Bathroom", [
        "BATH CONFETTI", "BATH SALTS", "BATH SPONGE", "BATHROOM SCALES", "SOAP DISH",
        "SOAP HOLDER", "SHOWER CAP", "BALM", "COTTON WOOL", "PERFUME BOTTLE",
        "EAU DE COLOGNE",
    ]),
    ("Home Decor > Signs & Wall Art", ["METAL SIGN", "DOOR HANGER"]),
    ("Home Decor > Ornaments & Decorations", [
        "CARD HOLDER", "CARDHOLDER", "DOORSTOP", "TABLE DECORATION",
    ]),
    ("Garden & Outdoor > Garden & Picnic", [
        "SEED ENVELOPE", "GARDEN TOOLS", "WATERING CAN", "WASP CATCHER", "GARDEN GLOVES",
    ]),
    ("Household > Laundry, Bins & Tools", [
        "PEG BAG", "DOLLY PEGS", "FEATHER DUSTER", "WASHING UP",
    ]),
    ("Bags & Storage > Boxes, Tins & Baskets", ["TOY TIDY"]),
    ("Gifts > Novelties & Gadgets", [
        "STRESS BALL", "MONEY BOX", "MONEY BANK", "PIGGY BANK", "FIRST AID", "MAGNET",
        "BOOM BOX",
    ]),
    ("Jewellery & Accessories > Bags & Purses", [
        "PASSPORT COVER", "GLASSES CASE", "LUGGAGE TAG", "KEY RING", "KEY-RING",
        "KEYRING", "KEY FOB", "KEY-CHAIN", "BAG CHARM",
    ]),
    ("Jewellery & Accessories > Hair & Fashion", [
        "HAIRCLIP", "HAIR CLIP", "HAIRSLIDE", "HAIR SLIDE", "HAIR COMB", "HAIR BAND",
        "HAIRBAND", "HAIR GRIP", "HAIR TIE",
    ]),
    ("Jewellery & Accessories > Jewellery", ["JEWELLERY SET"]),
    ("Home Decor > Lighting", [
        "PENDANT LAMPSHADE", "LIGHT CHAIN", "LIGHT GARLAND", "NIGHT LIGHT", "TABLE LIGHT",
    ]),
]
# Tier 2: seasonal ranges.
SEASONAL_RULES: Rules = [
    ("Christmas > Cards & Wrap", [
        "CHRISTMAS CARD", "XMAS CARD", "XMAS FUN CARD", "REINDEER CARD",
        "CARD CHRISTMAS", "CARD MOTORBIKE SANTA", "WRAP CHRISTMAS", "CHRISTMAS WRAP",
        "CHRISTMAS GIFT WRAP", "WRAP BLUE REINDEER", "YULETIDE IMAGES GIFT WRAP",
        "RIBBONS ELEGANT CHRISTMAS", "CHRISTMAS GIFT TAG",
    ]),
    ("Christmas > Decorations", [
        "CHRISTMAS", "BLACKCHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER",
        "SNOWFLAKE", "SNOWMAN", "SNOWMEN", "BAUBLE", "NATIVITY", "ICICLE", "TINSEL",
        "GINGERBREAD", "TREE TOP", "YULETIDE", "NOEL", "STOCKING",
    ]),
    ("Seasonal > Easter", [
        "EASTER", "EGG HUNT", "SPRING DEC", "FLUFFY CHICK", "CHICKS IN BASKET",
        "HEN+CHICKS", "CHICK & EGG", "MOTHER & CHICK", "BUNNY EGG", "MINI BUNNIES",
        "STICKY BUNNIES",
    ]),
]
# Tier 3: the kind of product.
PRODUCT_RULES: Rules = [
    ("Jewellery & Accessories > Jewellery", [
        "NECKLACE", "NECKLAC", "NECKL", "NECKL36", "BRACELET", "BRACLET", "EARRING",
        "PENDANT", "BANGLE", "BROOCH", "CHOKER", "ANKLET", "LARIAT", "PHONE CHARM",
        "JEWEL STAND", "JEWELLERY STAND",
    ]),
    ("Home Decor > Clocks", ["CLOCK"]),
    ("Home Decor > Home Fragrance", [
        "INCENSE", "OIL BURNER", "FRAGRANCE OIL", "POTPOURRI", "POT POURI", "SACHET",
        "DIFFUSER",
    ]),
    ("Home Decor > Candles & Holders", [
        "CANDLE", "CANDL", "CAND", "T-LIGHT", "TLIGHT", "T LIGHT", "T-LITE", "TEALIGHT",
        "CANDLEHOLDER", "CANDLEHLDR", "CANDLESTICK", "CANDLESTAND", "CANDLEPOT",
        "CANDELABRA", "VOTIVE", "SCENTCANDLE", "CHOCOLATECANDLE", "LANTERN",
        "PAPERLANTERN",
    ]),
    ("Home Decor > Lighting", [
        "LAMP", "LAMPSHADE", "SHADE", "CHANDELIER", "LIGHTS", "NIGHTLIGHT", "TORCH",
        "LIGHTBULB", "BULB", "LED", "UBO-LIGHT",
    ]),
    ("Home Decor > Frames & Mirrors", [
        "FRAME", "PHOTOFRAME", "PHOTO FRAME", "MIRROR", "ALBUM", "PHOTO CLIP",
    ]),
    ("Home Decor > Cushions & Textiles", [
        "CUSHION", "C/COVER", "THROW", "QUILT", "BLANKET", "CURTAIN", "RUG", "DOORMAT",
        "DOOR MAT", "FILLER PAD", "POUFFE", "HOT WATER BOTTLE", "BEDSPREAD",
        "NET CANOPY",
    ]),
    ("Home Decor > Furniture & Fittings", [
        "CABINET", "STOOL", "CHAIR", "SHELF", "SHELVING", "DRAWERS", "DRAWER", "BENCH",
        "DRESSER", "CUPBOARD", "SIDEBOARD", "MAGAZINE RACK", "LETTER RACK",
        "NEWSPAPER STAND", "UMBRELLA STAND", "DESK", "SCREEN", "COFFEE TABLE",
        "OCCASIONAL TABLE", "HOOK", "COATHOOK", "COAT HANGER", "COATHANGER",
        "CLOTHES HANGER", "HANGER", "KNOB", "DRAWERKNOB", "COAT RACK", "SUCTION CUP",
    ]),
    ("Bags & Storage > Shopping Bags", [
        "JUMBO BAG", "JUMBO SHOPPER", "JUMBO STORAGE BAG", "SHOPPER", "SHOPPING BAG",
        "TOTE BAG", "TOTE", "LUNCH BAG", "CHARLOTTE BAG", "CANDY BAG", "RECYCLING BAG",
        "BOTTLE BAG", "KIDS BAG", "KID'S BAG",
    ]),
    ("Stationery & Gifts > Stationery", [
        "NOTEBOOK", "NOTEPAD", "NOTE BOOK", "POCKET BOOK", "ADDRESS BOOK", "JOURNAL",
        "SKETCHBOOK", "PEN", "PENCIL", "PENCIL CASE", "ERASER", "RUBBER", "SHARPENER",
        "SHARPNER", "RULER", "STICKER", "STICKER SHEET", "CALENDAR", "DIARY",
        "BOOK MARK", "BOOKMARK", "CLIPS", "LABEL", "CALCULATOR", "STATIONERY",
        "WRITING SET", "PAPERWEIGHT", "P'WEIGHT", "STAMP", "CRAYON", "MEMO PAD",
        "TO DO LIST", "HOLE PUNCH", "TAPE DISPENSER", "BOOKCOVER TAPE", "ORGANISER",
        "CHALK",
    ]),
    ("Jewellery & Accessories > Bags & Purses", [
        "PURSE", "HANDBAG", "HAND BAG", "SHOULDER BAG", "COSMETIC BAG",
        "COSMETICS BAG", "EVENING BAG", "WEEKEND BAG", "OVERNIGHT BAG", "CABIN BAG",
        "AIRLINE BAG", "POCKET BAG", "BUM BAG", "DRAWSTRING BAG", "BACKPACK",
        "RUCKSACK", "WALLET", "PASSPORT",
    ]),
    ("Stationery & Gifts > Cards & Wrap", [
        "CARD", "GREETING CARD", "WRAP", "GIFT WRAP", "WRAPPING PAPER", "GIFT TAG",
        "GIFT TAPE", "WRAPPING TAPE", "ENVELOPE", "TISSUE REAM", "GIFT BAG",
        "GIFT BOXES", "RIBBON", "NOTELETS", "INVITES", "POSTCARD", "TOAST ITS",
    ]),
    ("Toys & Games > Toys", [
        "TOY", "TEDDY", "PUPPET", "PUZZLE", "SKITTLES", "MARBLES", "DOMINOES",
        "SPINNING TOP", "HELICOPTER", "INFLATABLE", "TOP TRUMPS", "GAME", "BINGO",
        "SNAKES & LADDERS", "LUDO", "HARMONICA", "RACING CAR", "SKIPPING ROPE",
        "FLYING DISC", "MODELLING CLAY", "PLAYHOUSE", "CREEPY CRAWLIE", "EIGHT PIECE",
        "JACOBS LADDER", "KITE", "YO-YO", "WATER BOMB", "TIARA", "DOLL", "SPACE CADET",
        "NINJA RABBIT", "SPACE FROG", "SPACE OWL", "MONSTER", "CHALKBOARD/EASEL",
        "WHEELBARROW FOR CHILDREN", "ALPHABET BLOCKS", "JIGSAW BLOCKS", "FARM ANIMAL",
        "CROCHETED ANIMAL",
    ]),
    ("Toys & Games > Arts & Crafts", [
        "SEWING", "KNITTING", "STENCIL", "PAINT SET", "PAINT YOUR OWN", "CRAFT KIT",
        "NEEDLE", "PATCHES", "IRON ON", "SEW ON", "GEMS", "COLOURING", "BUTTON BOX",
        "SCRAP BOOK", "BALLOON ART",
    ]),
    ("Kitchen & Dining > Mugs & Cups", [
        "MUG", "TEACUP", "SAUCER", "BEAKER", "GOBLET", "CHALICE", "TUMBLER",
        "WINE GLASS", "APERITIF GLASS", "MILKSHAKE GLASS", "SHOT GLASS", "TEA GLASS",
        "CHAMPAGNE GLASS", "D.O.F. GLASS", "EXPRESSO CUP", "PAPER CUP", "FLASK",
        "WATER BOTTLE", "LOVE HEART SHAPE CUP", "SPOTTY CUP",
    ]),
    ("Kitchen & Dining > Baking", [
        "CASES", "CAKE STAND", "CAKESTAND", "PLATE STAND", "COOKIE CUTTER",
        "BISCUIT CUTTER", "CUTTER", "BAKING", "MOULD", "ICING", "CUPCAKE LACE",
        "ROLLING PIN", "CAKE COVER",
    ]),
    ("Kitchen & Dining > Tableware", [
        "PLATE", "BOWL", "FRUITBOWL", "DISH", "PLATTER", "NAPKIN", "PLACEMAT",
        "COASTER", "CUTLERY", "SPOON", "TEASPOON", "KNIFE", "TRAY", "JUG", "TEAPOT",
        "TABLECLOTH", "CHOPSTICKS", "TOASTRACK", "TOAST RACK", "EGG COSY", "TEA COSY",
        "MUG COSY", "TEA SET", "COFFEE SET", "COFFEE POT", "LADLE", "CONDIMENT",
        "CRUET", "CAKE SERVER", "SERVERS", "EGG HOLDER", "EGG WARMER",
        "POPCORN HOLDER", "ICE LOLLY", "PARTY SET",
    ]),
    ("Kitchen & Dining > Kitchenware", [
        "APRON", "KITCHEN SCALES", "STORAGE JAR", "JAR", "CONTAINER", "CANNISTER",
        "CANISTER", "CADDY", "FRYING PAN", "MILK PAN", "EGG PAN", "PAN", "COLANDER",
        "TIMER", "CHOPPING BOARD", "SPATULA", "WHISK", "RECIPE BOOK", "JAM MAKING",
        "SQUEEZER", "UTENSIL", "MILK BOTTLE", "COOKING SET", "BOTTLE DRESSING",
        "FRENCH BOTTLE",
    ]),
    ("Garden & Outdoor > Garden & Picnic", [
        "PICNIC", "HAMMOCK", "PARASOL", "BEACH SPADE", "SANDCASTLE", "BARBECUE",
        "BEACH BAG", "WINDSOCK",
    ]),
    ("Home Decor > Signs & Wall Art", [
        "SIGN", "DOORSIGN", "DOOR SIGN", "DOOR HANGER", "PLAQUE", "WALL ART",
        "CANVAS PICTURE", "CANVAS ART", "KITCHEN PRINT", "SHELLS PRINT", "POSTER",
        "NUMBER TILE", "MEMO BOARD", "MEMOBOARD", "CHALKBOARD", "BLACKBOARD",
        "BLOCK WORD", "BLOCK LETTERS", "WOOD LETTERS", "PAINTED LETTERS", "WALL TIDY",
        "PENNANT",
    ]),
    ("Home Decor > Bathroom", [
        "WASHBAG", "WASH BAG", "SOAP", "SPONGE", "FLANNEL", "TOWEL", "TOILET ROLL",
        "TISSUE BOX", "TISSUES", "BATHROOM", "BASIN",
    ]),
    ("Party & Celebrations > Party Supplies", [
        "BALLOON", "BUNTING", "CONFETTI", "DOILY", "DOILIES", "STRAW", "PAPER CHAIN",
        "ROSETTE", "BANNER", "FLAG",
    ]),
    ("Garden & Outdoor > Garden & Picnic", [
        "PLANTER", "PLANT POT", "PLANTPOT", "FLOWERPOT", "BIRDHOUSE", "BIRD HOUSE",
        "BIRDFEEDER", "BIRD FEEDER", "BIRD TABLE", "BIRD BATH", "GNOME", "WINDMILL",
        "THERMOMETER", "SECATEURS", "SPADE", "TROWEL", "RAKE", "GARDENING",
        "GARDEN MARKER", "HERB MARKER", "GROW YOUR OWN", "GROW", "SOW", "CLOCHE",
        "WIND CHIME", "WINDCHIME", "CHIME", "KNEELING PAD", "PLANT LADDER",
        "POLE SUPPORT", "TWINE",
    ]),
    ("Household > Laundry, Bins & Tools", [
        "IRONING BOARD", "LAUNDRY", "WASTE BIN", "WASTEPAPER BIN", "BIN", "PEG",
        "FLY SWAT", "TOOL SET", "TOOL KIT", "SPIRIT LEVEL", "SCREWDRIVER", "SCISSOR",
        "DUSTER", "SHOE SHINE", "PLASTERS", "SHOE TIDY", "SHIRT TIDY",
        "STORAGE HANGER",
    ]),
    ("Gifts > Novelties & Gadgets", [
        "BADGE", "TATTOO", "HEADPHONES", "RADIO", "HAND WARMER", "POCKET WARMER",
        "MATCHES", "LIGHTER", "ASHTRAY", "FAN", "ELECTRONIC", "BREATH-A-LOSER",
        "GLOW IN", "GLOWING", "BOOMBOX", "USB", "DOORBELL",
    ]),
    ("Jewellery & Accessories > Hair & Fashion", [
        "HAIR", "BOBBLES", "COMB", "SLIDE", "SCARF", "UMBRELLA", "SUNGLASSES",
        "SUNHAT", "HAT", "GLOVE", "PONCHO", "T-SHIRT", "SKIRT", "SLIPPER", "SOCKS",
        "RAIN MAC", "BIB", "OVERALL", "SOMBRERO", "EAR MUFF",
    ]),
    ("Home Decor > Ornaments & Decorations", [
        "VASE", "ARTIFICIAL FLOWER", "ART FLOWER", "ORNAMENT", "FIGURINE", "GARLAND",
        "WREATH", "MOBILE", "DECORATION", "DEC", "HANGING DECORATION", "FLYING DUCKS",
        "TOADSTOOL", "MUSHROOM", "POSY HOLDER", "URN", "BUDDHA", "BUDAH", "PAPER BALL",
        "HONEYCOMB", "FEATHER TREE", "CRYSTALS", "STRING OF", "HEART OF WICKER",
        "CLAM SHELL", "PORCELAIN ROSE", "BELL", "POODLE", "SNOW GLOBE", "ANGEL",
        "DISCO BALL",
    ]),
    ("Bags & Storage > Boxes, Tins & Baskets", [
        "TRINKET BOX", "STORAGE BOX", "KEEPSAKE BOX", "JEWELLERY BOX", "JEWEL BOX",
        "BOX", "TIN", "BASKET", "BUCKET", "PAIL", "CRATE", "HAMPER", "STORAGE",
        "CHEST", "TRUNK", "TUB", "TRINKET POT", "POT",
    ]),
]
# Tier 4: words that are often only a motif.
MOTIF_RULES: Rules = [
    ("Jewellery & Accessories > Jewellery", ["RING", "BEADS", "CHARM", "DIAMANTE"]),
    ("Kitchen & Dining > Mugs & Cups", ["CUP"]),
    ("Home Decor > Home Fragrance", ["SCENTED", "SCENT"]),
    ("Toys & Games > Arts & Crafts", ["FELTCRAFT", "CRAFT"]),
    ("Kitchen & Dining > Baking", ["CAKE", "CUPCAKE"]),
    ("Kitchen & Dining > Kitchenware", ["KITCHEN", "BOTTLE"]),
    ("Home Decor > Furniture & Fittings", ["TABLE"]),
    ("Bags & Storage > Shopping Bags", ["BAG"]),
    ("Stationery & Gifts > Stationery", ["TAPE"]),
    ("Seasonal > Easter", ["CHICK", "BUNNY", "BUNNIES"]),
    ("Party & Celebrations > Party Supplies", ["PARTY", "BIRTHDAY", "WEDDING"]),
    ("Garden & Outdoor > Garden & Picnic", ["GARDEN", "SHED", "PLANT", "HERB"]),
    ("Home Decor > Signs & Wall Art", ["PICTURE", "TILE", "LETTERS"]),
    ("Home Decor > Frames & Mirrors", ["PHOTO"]),
    ("Home Decor > Ornaments & Decorations", [
        "HANGING", "HEART", "STAR", "BUTTERFLY", "BIRD", "FLOWER", "FEATHER", "SHELL",
        "ROSE", "DUCK", "HEN", "RABBIT", "CAT", "DOG", "SPHERE", "BALL",
    ]),
    ("Kitchen & Dining > Mugs & Cups", ["GLASS"]),
]
TIERS: list[tuple[str, Rules]] = [
    ("phrases that would otherwise be misread", PHRASE_RULES),
    ("seasonal ranges", SEASONAL_RULES),
    ("the kind of product", PRODUCT_RULES),
    ("words that are often only a motif", MOTIF_RULES),
]
# fmt: on
TAXONOMY: Rules = [rule for _, rules in TIERS for rule in rules]
FALLBACK_CATEGORY = "Gifts > Other"
# How a product is packed says nothing about what it is: "BLUE HARMONICA IN BOX"
# is a harmonica. These phrases are removed before the taxonomy is applied.
PACKAGING = re.compile(
    r"(?<![A-Z0-9'-])(?:IN|W)\s+(?:A\s+)?(?:(?:GIFT|DISPLAY|COTTON|WOOD|WOODEN)\s+)?"
    r"(?:BOX|TIN|BAG|TUBE|ENVELOPE)(?![A-Z0-9'-])"
)

# fmt: off
COLOR_WORDS: dict[str, str] = {
    "RED": "red", "PINK": "pink", "BLUE": "blue", "IVORY": "ivory",
    "WHITE": "white", "BLACK": "black", "GREEN": "green", "YELLOW": "yellow",
    "ORANGE": "orange", "PURPLE": "purple", "LILAC": "lilac", "GOLD": "gold",
    "SILVER": "silver", "CREAM": "cream", "BROWN": "brown", "GREY": "grey",
    "GRAY": "grey", "TURQUOISE": "turquoise", "NAVY": "navy", "AQUA": "aqua",
    "FUSCHIA": "fuchsia", "FUCHSIA": "fuchsia", "AMBER": "amber",
    "BEIGE": "beige", "MAUVE": "mauve",
    "BURGUNDY": "burgundy", "CLEAR": "clear",
}
MATERIAL_WORDS: dict[str, str] = {
    "GLASS": "glass", "WOOD": "wood", "WOODEN": "wood", "CERAMIC": "ceramic",
    "ZINC": "zinc", "ENAMEL": "enamel", "PAPER": "paper", "METAL": "metal",
    "TIN": "tin", "COTTON": "cotton", "FELT": "felt", "PORCELAIN": "porcelain",
    "WICKER": "wicker", "RATTAN": "rattan", "BAMBOO": "bamboo",
    "ACRYLIC": "acrylic", "CANVAS": "canvas", "JUTE": "jute",
    "HESSIAN": "hessian", "VELVET": "velvet", "WOOL": "wool", "SILK": "silk",
    "PLASTIC": "plastic", "POLYESTER": "polyester", "STEEL": "steel",
    "IRON": "iron", "COPPER": "copper", "BRASS": "brass", "SLATE": "slate",
    "STONE": "stone", "RESIN": "resin", "CORK": "cork", "LINEN": "linen",
    "LEATHER": "leather", "SUEDE": "suede", "DENIM": "denim", "OAK": "oak",
    "PINE": "pine", "CHROME": "chrome", "SEAGRASS": "seagrass",
    "RAFFIA": "raffia", "CRYSTAL": "crystal", "LACE": "lace",
}
# fmt: on

# A product that has not sold in this many days before the data set ends is out
# of stock (the data has no stock levels).
IN_STOCK_DAYS = 60
# A product's price is the median unit price of its sales in this many days up
# to its last sale.
PRICE_WINDOW_DAYS = 90

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = (
    REPO_ROOT.parent / "shared" / "data" / "online-retail" / "online_retail_ii_2009_2010.parquet"
)
DEFAULT_OUT = REPO_ROOT / "data" / "demo"

# Lower-case words in a description mark a warehouse note ("damaged", "found",
# "sold as set on dotcom"), not merchandise.
WAREHOUSE_NOTE = re.compile(
    r"\b(?:damage[sd]?|damges|missing|check(?:ed)?|found|sold as|sold in|"
    r"wet|rust(?:y|ed)?|broken|lost|mix(?:ed)? up|mixed|given away|dotcom|"
    r"amazon|ebay|adjust(?:ment)?|display|show|mailout|faulty|wrong|counted|"
    r"stock|thrown|smashed|crushed|dirty|mouldy|error|credit|invoice|invcd?|"
    r"temp|samples?|donated|discoloured|unsellable|code|returns?)\b",
    re.IGNORECASE,
)
MINOR_WORDS = frozenset(
    {"A", "AN", "AND", "OF", "THE", "IN", "ON", "WITH", "FOR", "TO", "OR", "AT", "BY"}
)
# fmt: off
ACRONYMS = frozenset(
    {"LED", "USB", "UK", "USA", "DVD", "CD", "TV", "DIY", "XL", "XS", "BBQ", "UFO",
     "ABC", "OK", "NYC", "WC", "VIP", "PVC", "MDF", "VW", "II", "III", "IV"}
)
# fmt: on
# Sizes such as 45X45CM, 65CMX65CM or 3.5G, written in lower case in titles.
MEASUREMENT = re.compile(
    r"^\d+(?:\.\d+)?(?:CM|MM|M|G|KG|ML|L|CL|LTR)?(?:X\d+(?:\.\d+)?(?:CM|MM|M|G|KG|ML|L|CL|LTR)?)*$"
)
WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)*")
# SET OF 6, SET/6, SET3, S/3, PACK OF 12, BOX/12, SET OF SIX ...
PACK_SIZE = re.compile(
    r"(?<![A-Z0-9'-])(?:(?:SET|PACK|BOX|BAG|TUBE|PK|PACKET|TIN)\s*(?:OF\s+|/\s*)?|S/)"
    r"(\d{1,3}|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE|TEN|TWELVE)(?![0-9A-Z.])"
)
# fmt: off
NUMBER_WORDS: dict[str, int] = {
    "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "SEVEN": 7, "EIGHT": 8,
    "NINE": 9, "TEN": 10, "TWELVE": 12,
}
# fmt: on


@dataclass(frozen=True)
class Counts:
    """Sizes of the built demo data, reported in README.md and on stderr."""

    products: int
    in_stock: int
    customers: int
    interactions: int
    baskets: int
    categories: int


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern[str]:
    """Compile keywords into one whole-word regex that also accepts S/ES plurals."""
    alternatives = sorted(
        (r"\s+".join(re.escape(word) for word in keyword.split()) for keyword in keywords),
        key=lambda alternative: (-len(alternative), alternative),
    )
    return re.compile(r"(?<![A-Z0-9'-])(?:" + "|".join(alternatives) + r")(?:S|ES)?(?![A-Z0-9'-])")


TAXONOMY_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (category, keyword_pattern(keywords)) for category, keywords in TAXONOMY
]


def normalise_description(description: str) -> str:
    """Strip, collapse whitespace and drop the leading '*' some titles carry."""
    return re.sub(r"\s+", " ", description).strip().lstrip("*").strip()


def is_warehouse_note(description: str) -> bool:
    """Tell a stock-keeping note ("damaged", "?lost") from a product name.

    Product names are upper case (a few are in mixed case); notes are mostly
    lower case and use stock-keeping words, or carry a question mark.
    """
    if not description or "?" in description:
        return True
    lower = sum(char.islower() for char in description)
    upper = sum(char.isupper() for char in description)
    return lower > upper and WAREHOUSE_NOTE.search(description) is not None


def categorize(description: str) -> str:
    """Return the first taxonomy category whose keywords occur in the description."""
    text = PACKAGING.sub(" ", description.upper())
    for category, pattern in TAXONOMY_PATTERNS:
        if pattern.search(text):
            return category
    return FALLBACK_CATEGORY


def title_case_word(word: str, minor: bool) -> str:
    """Re-case one word of an upper-case description for display.

    ``minor`` says the word stands alone between spaces after the first word,
    where "OF", "AND", "IN" ... are written in lower case.
    """
    upper = word.upper()
    if upper in ACRONYMS:
        return upper
    if minor and upper in MINOR_WORDS:
        return upper.lower()
    if MEASUREMENT.match(upper):
        return upper.lower()
    # Letter runs of three or more are words ("SET3", "20LIGHT", "DAD'S");
    # shorter ones beside digits are codes and sizes ("3D", "A4", "15C").
    runs = re.findall(r"[A-Z']+|[^A-Z']+", upper)
    has_digit = any(char.isdigit() for char in upper)
    return "".join(
        run[0] + run[1:].lower() if run[0].isalpha() and (len(run) > 2 or not has_digit) else run
        for run in runs
    )


def title_case(description: str) -> str:
    """Turn "WHITE HANGING HEART T-LIGHT HOLDER" into "White Hanging Heart T-Light Holder"."""
    parts: list[str] = []
    position = 0
    for index, match in enumerate(WORD.finditer(description)):
        before = description[match.start() - 1] if match.start() else ""
        after = description[match.end()] if match.end() < len(description) else " "
        minor = index > 0 and before == " " and after == " "
        parts.append(description[position : match.start()])
        parts.append(title_case_word(match.group(), minor))
        position = match.end()
    parts.append(description[position:])
    return "".join(parts)


def upper_words(description: str) -> list[str]:
    """The description's words in upper case, hyphenated words kept whole."""
    return re.findall(r"[A-Z0-9]+(?:['-][A-Z0-9]+)*", description.upper())


def extract_attributes(description: str) -> dict[str, str]:
    """Colour, material and pack size that the description's own words state."""
    words = upper_words(PACKAGING.sub(" ", description.upper()))
    attributes: dict[str, str] = {}
    colors = [COLOR_WORDS[word] for word in words if word in COLOR_WORDS]
    if colors:
        attributes["color"] = colors[0]
    materials = [MATERIAL_WORDS[word] for word in words if word in MATERIAL_WORDS]
    if materials:
        attributes["material"] = materials[0]
    pack = PACK_SIZE.search(description.upper())
    if pack:
        size = NUMBER_WORDS.get(pack.group(1)) or int(pack.group(1))
        if size > 1:
            attributes["pack_size"] = str(size)
    return attributes


def load_sales(source: Path) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Read the source and keep real merchandise sale lines.

    Returns the sale lines (with a parsed ``ts`` and a cleaned ``description``)
    and the last timestamp of the whole data set.
    """
    raw = pd.read_parquet(source)
    raw_ts = pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S")
    data_end = raw_ts.max().tz_localize("UTC")
    description = raw["Description"].fillna("").map(normalise_description)
    keep = (
        raw["StockCode"].str.match(r"^\d", na=False)
        & ~raw["Invoice"].str.startswith("C", na=False)
        & (raw["Quantity"] > 0)
        & (raw["Price"] > 0)
        & ~description.map(is_warehouse_note)
    )
    sales = pd.DataFrame(
        {
            "invoice": raw["Invoice"].astype(str),
            # The web shop's lines use lower-case codes ("15056bl") for the same
            # products as the upper-case ones ("15056BL"); one id per product.
            "product_id": raw["StockCode"].astype(str).str.strip().str.upper(),
            "description": description,
            "quantity": raw["Quantity"].astype("int64"),
            "price": raw["Price"].astype("float64"),
            "customer": raw["Customer ID"],
            "ts": raw_ts.dt.tz_localize("UTC"),
        }
    )[keep].reset_index(drop=True)
    return sales, data_end


def most_frequent_descriptions(sales: pd.DataFrame) -> pd.Series:
    """Each product's most used description (ties: alphabetically first)."""
    counts = sales.groupby(["product_id", "description"]).size().reset_index(name="n")
    counts = counts.sort_values(
        ["product_id", "n", "description"], ascending=[True, False, True], kind="mergesort"
    )
    return counts.drop_duplicates("product_id").set_index("product_id")["description"]


def recent_median_prices(sales: pd.DataFrame) -> pd.Series:
    """Median unit price of each product's sale lines in its last 90 days of sales."""
    last_sale = sales.groupby("product_id")["ts"].transform("max")
    recent = sales[sales["ts"] > last_sale - pd.Timedelta(days=PRICE_WINDOW_DAYS)]
    return recent.groupby("product_id")["price"].median()


def plural(count: int, noun: str) -> str:
    """'1 customer', '2 customers'."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def describe(category: str, customers: int, orders: int, first_sale: pd.Timestamp) -> str:
    """An honest one-sentence description made only of facts in the data.

    ``customers`` and ``orders`` count identified customers and their orders;
    guest orders are left out of both so the two numbers agree.
    """
    since = first_sale.strftime("%B %Y")
    if customers:
        buyers = f"bought by {plural(customers, 'customer')} in {plural(orders, 'order')}"
    else:
        buyers = "bought only by guest shoppers"
    return f"Giftware in {category}, {buyers} since its first recorded sale in {since}."


def build_products(sales: pd.DataFrame, data_end: pd.Timestamp) -> list[dict[str, object]]:
    """Aggregate sale lines into catalog rows that satisfy the Product contract."""
    descriptions = most_frequent_descriptions(sales)
    prices = recent_median_prices(sales)
    grouped = sales.groupby("product_id")
    first_sale = grouped["ts"].min()
    last_sale = grouped["ts"].max()
    identified = sales[sales["customer"].notna()].groupby("product_id")
    orders = identified["invoice"].nunique().reindex(descriptions.index, fill_value=0)
    customers = identified["customer"].nunique().reindex(descriptions.index, fill_value=0)
    in_stock_since = data_end - pd.Timedelta(days=IN_STOCK_DAYS)

    products: list[dict[str, object]] = []
    for product_id in sorted(descriptions.index):
        description = descriptions[product_id]
        category = categorize(description)
        products.append(
            {
                "id": product_id,
                "title": title_case(description),
                "description": describe(
                    category,
                    int(customers[product_id]),
                    int(orders[product_id]),
                    first_sale[product_id],
                ),
                "brand": "",
                "category": category,
                "price": round(float(prices[product_id]), 2),
                "currency": "GBP",
                "in_stock": bool(last_sale[product_id] > in_stock_since),
                "rating": None,
                "rating_count": 0,
                "image_url": "",
                "url": f"/products/{product_id}",
                "attributes": extract_attributes(description),
            }
        )
    return products


def build_interactions(sales: pd.DataFrame) -> pa.Table:
    """Customers' purchase lines as an Interaction table, sorted by ts, basket, product."""
    bought = sales[sales["customer"].notna()]
    frame = pd.DataFrame(
        {
            "user_id": bought["customer"].astype("int64").astype(str),
            "product_id": bought["product_id"],
            "event": "purchase",
            "value": bought["quantity"].astype("float64"),
            "ts": bought["ts"],
            "basket_id": bought["invoice"],
        }
    )
    # The value breaks ties between lines of one basket and product, so the
    # order depends only on the rows, not on how the source was sorted.
    frame = frame.sort_values(["ts", "basket_id", "product_id", "value"], kind="mergesort")
    schema = pa.schema(
        [
            ("user_id", pa.string()),
            ("product_id", pa.string()),
            ("event", pa.string()),
            ("value", pa.float64()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("basket_id", pa.string()),
        ]
    )
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    return table.replace_schema_metadata(None)  # no pandas metadata in the file


def write_products(products: Iterable[dict[str, object]], path: Path) -> None:
    """Write catalog rows as JSON Lines."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for product in products:
            out.write(json.dumps(product, ensure_ascii=False) + "\n")


def write_interactions(table: pa.Table, path: Path) -> None:
    """Write the interaction table as zstd-compressed Parquet."""
    pq.write_table(table, path, compression="zstd", compression_level=9)


def markdown_rules_table(first_priority: int, rules: Rules) -> list[str]:
    """One markdown table of taxonomy rules, numbered from ``first_priority``."""
    lines = ["| priority | category | keywords |", "| ---: | --- | --- |"]
    for priority, (category, keywords) in enumerate(rules, start=first_priority):
        lines.append(f"| {priority} | {category} | {', '.join(keywords)} |")
    return lines


def render_taxonomy(data_end: pd.Timestamp) -> str:
    """taxonomy.md: the keyword taxonomy in priority order and the catalog rules."""
    in_stock_since = data_end - pd.Timedelta(days=IN_STOCK_DAYS)
    lines = [
        "# Demo catalog rules",
        "",
        "How `data/build_demo.py` turns Online Retail II invoice lines into the demo",
        "catalog. This file is generated from the script's `TAXONOMY` and rules;",
        "change the script and rebuild, not this file.",
        "",
        "## Products",
        "",
        "A product is a stock code that starts with a digit (postage, fees,",
        "discounts, vouchers, samples, tests and adjustments do not), upper-cased:",
        "the web shop's lines use lower-case codes (`15056bl`) for the same products",
        "as the upper-case ones (`15056BL`). Only sale lines count: quantity > 0,",
        "price > 0, not a return (invoice starting with `C`), and not a warehouse",
        "note (a mostly lower-case description with stock-keeping words such as",
        '"damaged", "found", "sold as set", or any description with a `?`).',
        "",
        "The `title` is the product's most frequent description (ties: the",
        "alphabetically first), re-cased: words in title case, small words (of,",
        "and, in ...) in lower case, acronyms (LED, USB, TV ...) in capitals, sizes",
        "such as 45x45cm in lower case, and codes such as S/3 or 3D as they are.",
        "Different stock codes can share a title: the shop sold variants under one",
        "name.",
        "",
        "## Categories",
        "",
        "The category comes from the description, upper-cased with its whitespace",
        "collapsed and its packaging phrases removed (IN BOX, IN GIFT BOX, IN TIN,",
        "IN BAG, IN TUBE, W GIFT BOX ...: how a product is packed does not say what",
        "it is). The rules below are tried in priority order, and the first rule",
        "with a keyword that occurs as whole words decides. A keyword also matches",
        "its plural made by adding S or ES (CANDLE matches CANDLES); hyphens and",
        "apostrophes join words, so LIGHT does not match T-LIGHT. A product that",
        f"matches no rule goes to **{FALLBACK_CATEGORY}**.",
        "",
        "The shop names products by motif as often as by kind (PARTY PIZZA DISH,",
        "RIBBONS PURSE, DOLLY GIRL LUNCH BOX), so the rules come in four tiers and",
        "a category can have rules in more than one tier.",
    ]
    priority = 1
    for number, (purpose, rules) in enumerate(TIERS, start=1):
        lines += ["", f"### Tier {number}: {purpose}", ""]
        lines += markdown_rules_table(priority, rules)
        priority += len(rules)
    lines += [
        "",
        "## Price",
        "",
        "`price` is the median unit price (GBP) of the product's sale lines in the",
        f"{PRICE_WINDOW_DAYS} days up to and including its last sale, rounded to 2 decimals.",
        "Guest lines count as well as customers' lines. The shop sold the same item",
        "at different prices (trade and retail, quantity breaks), so this is a",
        "typical recent price, not a list price.",
        "",
        "## In stock",
        "",
        "The data has no stock levels. `in_stock` is true when the product sold in",
        f"the last {IN_STOCK_DAYS} days of the data set: the data set ends at its last",
        f"invoice, {data_end:%Y-%m-%d %H:%M}, so a product is in stock when its last",
        f"sale is after {in_stock_since:%Y-%m-%d %H:%M}; otherwise it is out of stock.",
        "",
        "## Description",
        "",
        "`description` is one sentence of facts from the data: the category, how",
        "many identified customers bought the product in how many of their orders",
        "(guest orders are not counted), and the month of its first recorded sale",
        "(the records start in December 2009).",
        "",
        "## Attributes",
        "",
        "`attributes` holds only what the description's own words say: `color` (the",
        "first colour word), `material` (the first material word) and `pack_size`",
        "(from SET OF 6, SET/6, S/3, PACK OF 12, BOX/12 and the like).",
        "",
        "| attribute | words |",
        "| --- | --- |",
        f"| color | {', '.join(sorted(COLOR_WORDS))} |",
        f"| material | {', '.join(sorted(MATERIAL_WORDS))} |",
        "",
    ]
    return "\n".join(lines)


def render_readme(counts: Counts, category_sizes: list[tuple[str, int]]) -> str:
    """README.md: contents, rebuild command, counts and attribution."""
    lines = [
        "# The demo shop",
        "",
        "A catalog and purchase history for Aisle's demo, built from one year",
        "(December 2009 to December 2010) of a real UK online giftware shop.",
        "",
        "| file | what |",
        "| --- | --- |",
        "| `products.jsonl` | the catalog: one Product per line, sorted by `id` |",
        "| `interactions.parquet` | customers' purchases (zstd Parquet): `user_id`, "
        "`product_id`, `event` (always `purchase`), `value` (the quantity), `ts` "
        "(UTC), `basket_id` (the invoice); sorted by `ts`, `basket_id`, `product_id` |",
        "| `taxonomy.md` | how products, categories, prices, stock and attributes are derived |",
        "",
        "## Rebuild",
        "",
        "`make demo-data`, or from the repository root:",
        "",
        "```",
        ".venv/bin/python data/build_demo.py "
        "--source ../shared/data/online-retail/online_retail_ii_2009_2010.parquet "
        "--out data/demo",
        "```",
        "",
        "Both options shown are the defaults. The build takes seconds and is",
        "deterministic: the same source gives byte-identical files, which",
        "`tests/unit/test_demo_data.py` checks when the source is present.",
        "",
        "## Counts",
        "",
        "| | count |",
        "| --- | ---: |",
        f"| products | {counts.products:,} |",
        f"| in stock | {counts.in_stock:,} |",
        f"| customers | {counts.customers:,} |",
        f"| interactions | {counts.interactions:,} |",
        f"| baskets | {counts.baskets:,} |",
        f"| categories | {counts.categories:,} |",
        "",
        "| category | products |",
        "| --- | ---: |",
    ]
    lines += [f"| {category} | {size:,} |" for category, size in category_sizes]
    lines += [
        "",
        "## What is in it",
        "",
        "Only merchandise (no postage, fees, vouchers or adjustments) and only",
        "sales (no returns, no warehouse notes); see `taxonomy.md`. Interactions are",
        "the invoice lines of identified customers, one row per line as invoiced,",
        "so a basket can hold the same product on more than one line. Guest lines",
        "count towards prices and stock but are not interactions. The source times",
        "carry no time zone (they are the shop's UK clock) and are stored unchanged",
        "as UTC. The data has no brands, ratings or images: `brand` and `image_url`",
        "are empty, `rating` is null and `rating_count` is 0.",
        "",
        "## Attribution",
        "",
        "UCI Online Retail II, Chen, D. (2012), UCI Machine Learning Repository,",
        "https://doi.org/10.24432/C5CG6D, licensed CC BY 4.0; transformed (aggregated",
        "into a catalog, titles re-cased, categories assigned by keyword).",
        "",
    ]
    return "\n".join(lines)


def build(source: Path, out: Path) -> tuple[Counts, list[tuple[str, int]]]:
    """Build every demo file from the source into ``out``."""
    sales, data_end = load_sales(source)
    products = build_products(sales, data_end)
    interactions = build_interactions(sales)

    sizes: dict[str, int] = {}
    for product in products:
        category = str(product["category"])
        sizes[category] = sizes.get(category, 0) + 1
    category_sizes = sorted(sizes.items(), key=lambda item: (-item[1], item[0]))
    counts = Counts(
        products=len(products),
        in_stock=sum(bool(product["in_stock"]) for product in products),
        customers=len(pc.unique(interactions["user_id"])),
        interactions=interactions.num_rows,
        baskets=len(pc.unique(interactions["basket_id"])),
        categories=len(sizes),
    )

    out.mkdir(parents=True, exist_ok=True)
    write_products(products, out / "products.jsonl")
    write_interactions(interactions, out / "interactions.parquet")
    (out / "taxonomy.md").write_text(render_taxonomy(data_end), encoding="utf-8", newline="\n")
    (out / "README.md").write_text(
        render_readme(counts, category_sizes), encoding="utf-8", newline="\n"
    )
    return counts, category_sizes


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build the demo data and report counts on stderr."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        help="Online Retail II parquet file (default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if not args.source.is_file():
        parser.error(f"source file not found: {args.source}")
    counts, category_sizes = build(args.source, args.out)
    report = [f"{field}: {value:,}" for field, value in asdict(counts).items()]
    report += [f"  {size:5,}  {category}" for category, size in category_sizes]
    sys.stderr.write("\n".join(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

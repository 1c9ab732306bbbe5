"""`python -m web`: the web gateway pod, settings from `AISLE_WEB_*` (as `aisle serve web`)."""

from __future__ import annotations

import sys

from web.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", "web", *sys.argv[1:]]))

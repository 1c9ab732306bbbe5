"""`python -m web.cli` runs the `aisle` command line."""

import sys

from web.cli import main

sys.exit(main())

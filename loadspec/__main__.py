"""`python -m loadspec` is the `loadspec` command."""

import sys

from loadspec.cli import main

sys.exit(main())

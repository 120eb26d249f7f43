"""`python -m digiskills …`: the command line (see digiskills.cli)."""

import sys

from digiskills.cli import main

sys.exit(main())

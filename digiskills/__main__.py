"""`python -m digiskills …`: the command line (see digiskills.cli)."""

import sys

from digiskills.cli import main

if __name__ == "__main__":  # an import by a worker process (multiprocessing "spawn") must not rerun the command
    sys.exit(main())

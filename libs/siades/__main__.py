"""Entry point: `python -m libs.siades init-db | seed-demo`."""

import sys

from libs.siades.cli import main

sys.exit(main())

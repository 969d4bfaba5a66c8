"""Entry point: `python -m libs.siades init-db | schema | seed-demo | create-staff`."""

import sys

from libs.siades.cli import main

sys.exit(main())

"""``python -m casework demo | list | advance``."""

import sys

from casework.cli import main

sys.exit(main())

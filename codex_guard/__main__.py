"""``python -m codex_guard`` entry point."""

import sys

from codex_guard.cli import main

sys.exit(main())

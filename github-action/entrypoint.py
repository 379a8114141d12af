"""The Action's run step: reads its inputs from INPUT_* environment variables (see action.yml)."""

import sys

from sdl_gate.github import main

sys.exit(main())

"""The Action's cache-key step: the key of sdl-gate's SAST cache (see action.yml and sdl_gate.github.cache_key)."""

import sys

from sdl_gate.github import cache_key_main

sys.exit(cache_key_main())

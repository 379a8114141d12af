"""Allows ``python -m sdl_gate``."""

from sdl_gate._entry import main

if __name__ == "__main__":
    main()

"""Moved to swarmtop/timeparse.py (neutral: the core reads times too). Kept while branches
that import it from here are merged."""

from swarmtop.timeparse import *  # noqa: F403

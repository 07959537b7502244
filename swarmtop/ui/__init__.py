"""The Textual dashboard. It reads only Snapshots, through a `swarmtop.feed.Feed`."""

from swarmtop.ui.app import SwarmtopApp, run_app

__all__ = ["SwarmtopApp", "run_app"]

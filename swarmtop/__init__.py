"""swarmtop: htop for LLM agent swarms."""

__version__ = "0.1.0"

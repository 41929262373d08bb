"""The community oral-history archive."""

__version__ = "0.1.0"

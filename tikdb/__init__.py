"""tikdb: an embedded analytical warehouse for TikTok slideshow agency exports."""

__version__ = "0.1.0"

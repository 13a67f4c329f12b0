"""pronate: measured evidence of the pronation chain from single-camera video."""

__version__ = "0.1.0"

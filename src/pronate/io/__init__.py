"""Input and output: video reading and writing, atomic file writes, sample data."""

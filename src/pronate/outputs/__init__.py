"""What the coach sees: summary.json, the overlay video, key frames and the report."""

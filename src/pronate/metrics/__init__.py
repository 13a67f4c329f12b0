"""Per-frame metrics of the pronation chain, and the uncertainty of each."""

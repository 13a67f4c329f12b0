"""Loading moments and their verdicts: when the body takes load, and whether the chain is there."""

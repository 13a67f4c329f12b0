"""``pronate batch``: every video of a folder (or a list file) analysed into its own
folder, plus one tidy table of the loading moments across clips.

An outer layer: the pipeline never imports it.
"""

from pronate.app.batch.run import BatchResult, BatchSettings, run_batch

__all__ = ["BatchResult", "BatchSettings", "run_batch"]

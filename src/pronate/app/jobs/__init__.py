"""Background analysis jobs: queued in the database (:mod:`pronate.app.workspace.queue`),
claimed by a worker pool and analysed on the executor (one clip per core, in spawned
processes) or on a Dask distributed cluster.

An outer layer: the pipeline never imports it.
"""

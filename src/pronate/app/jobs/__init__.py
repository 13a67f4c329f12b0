"""Background analysis jobs: kept in the database, run by a worker pool (one clip per
core, each in its own process) or on a Dask distributed cluster.

An outer layer: the pipeline never imports it.
"""

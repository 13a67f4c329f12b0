"""The workspace store: clients, visits, clips, jobs, analyses and live moments in a database
(SQLite by default, PostgreSQL by URL), files on disk by content hash.

An outer layer: the pipeline never imports it.
"""

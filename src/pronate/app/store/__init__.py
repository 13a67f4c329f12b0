"""The workspace store: clients, sessions, clips, jobs and analyses in a database
(SQLite by default, PostgreSQL by URL), files on disk by content hash.

An outer layer: the pipeline never imports it.
"""

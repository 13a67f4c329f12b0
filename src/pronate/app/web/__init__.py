"""The coach's workspace: a local web app (FastAPI, Jinja2 pages, JSON API under /api).

An outer layer: the pipeline never imports it.
"""

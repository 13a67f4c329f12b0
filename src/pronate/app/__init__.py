"""The outer layers: the command line, batch runs, the workspace (store, jobs, web) and live mode.

They call the pipeline; the pipeline never imports them. Inside, the command line is on
top, :mod:`pronate.app.server` puts the workspace together, the web app, live mode, jobs
and batch runs never import one another, and what they share sits below them (see
``[tool.importlinter]`` in pyproject.toml)."""

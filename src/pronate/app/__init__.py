"""The outer layers: the command line, batch runs, the workspace (store, jobs, web) and live mode.

They call the pipeline; the pipeline never imports them."""

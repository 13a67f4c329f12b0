"""What the workspace's outer pieces share: settings, the running workspace, the job
queue in the database, request dependencies and guards, the lookups both the web app and
live mode make, and the pages' common layout and assets.

It sits below :mod:`pronate.app.web`, :mod:`pronate.app.live` and :mod:`pronate.app.jobs`
(which never import one another) and above :mod:`pronate.app.store`;
:mod:`pronate.app.server` puts them together.
"""

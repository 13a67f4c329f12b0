"""User-facing errors.

Every error a user can cause (bad path, bad video, no person, missing models, full disk)
is raised as a subclass of :class:`PronateError`. The CLI prints its message on one line
and exits non-zero; anything else is a bug and keeps its traceback.
"""


class PronateError(Exception):
    """Base class of all errors that are reported to the user as one line."""

    exit_code = 2


class InputError(PronateError):
    """The input path is missing, unreadable or not a usable video."""


class NoPersonError(PronateError):
    """No person, or a person in too few frames, was found in the video."""


class ModelError(PronateError):
    """Model bundles are missing, corrupt or fail their checksum."""


class SchemaError(PronateError):
    """A pose dataset does not follow the schema of :mod:`pronate.pose.schema`."""


class OutputError(PronateError):
    """An output could not be written (unwritable folder, full disk)."""


class ConfigError(PronateError):
    """A configuration file or option is invalid."""

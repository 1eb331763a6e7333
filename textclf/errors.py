"""The one error type library code raises for anything the user can fix."""


class TextclfError(Exception):
    """A problem with the user's input: config, data, run directory or model file.

    ``cli.py`` prints its message on one line and exits with code 2.
    """

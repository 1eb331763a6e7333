"""The one error type library code raises for anything the user can fix."""


class TextclfError(Exception):
    """A problem with the user's input: config, data, run directory or model file.

    ``textclf.cli`` prints its message on one line and exits with code 2.
    """


class Interrupted(Exception):
    """The user stopped a command (Ctrl-C, ``kill``); the message says what was kept and how to go on.

    ``textclf.cli`` prints it and exits with code 130, as a shell does for Ctrl-C.
    """

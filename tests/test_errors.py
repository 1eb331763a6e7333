"""The project's two exceptions: a user's mistake (exit 2, one line) and a stop the user asked for (exit 130)."""

import pytest
import typer

from textclf.cli import user_errors
from textclf.errors import Interrupted, TextclfError


def test_a_stop_is_never_caught_as_a_user_mistake():
    assert not issubclass(Interrupted, TextclfError) and not issubclass(TextclfError, Interrupted)
    with pytest.raises(Interrupted):
        try:
            raise Interrupted("interrupted: the state after epoch 2 is saved")
        except TextclfError:  # library code that handles a user's mistake must not swallow Ctrl-C
            pytest.fail("an interrupt was handled as a user error")


@pytest.mark.parametrize(("error", "code"), [(TextclfError("data.path: x.csv\n  does not exist"), 2),
                                             (Interrupted("interrupted: resume with …"), 130)])
def test_each_ends_a_command_with_its_own_exit_code_and_one_message(error, code, capsys):
    @user_errors
    def command():
        raise error

    with pytest.raises(typer.Exit) as ended:
        command()
    assert ended.value.exit_code == code
    printed = capsys.readouterr().err.strip().splitlines()
    assert len(printed) == 1 and (printed[0] == "error: data.path: x.csv; does not exist" if code == 2 else True)

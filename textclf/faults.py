"""Test-only kill points: prove that every state a kill can leave resumes.

With ``TEXTCLF_KILL_AT=<moment>`` in its environment, a training process
kills itself (SIGKILL: no cleanup, no ``finally``) when it reaches that
moment: ``reading``, ``vectorizing``, ``backup`` (the first backup, written
but not yet in place), ``checkpoint`` (likewise the first best checkpoint) or
``final_save`` (``model.keras``), or ``cache_block`` (a streamed split's first
block in ``data.cache``, the split not yet in place). Unset, a kill point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

VARIABLE = "TEXTCLF_KILL_AT"
MOMENTS = ("reading", "vectorizing", "backup", "checkpoint", "final_save", "cache_block")


def kill_point(moment: str) -> None:
    if os.environ.get(VARIABLE) == moment:
        os.kill(os.getpid(), signal.SIGKILL)

"""One version, in textclf/version.py: the installed package's metadata reads it, and so do the run records."""

from importlib import metadata

import textclf
from textclf import version


def test_the_package_metadata_and_the_module_agree():
    assert metadata.version("textclf") == version.__version__ == textclf.__version__
    assert version.__version__.count(".") == 2 and all(part.isdigit() for part in version.__version__.split("."))

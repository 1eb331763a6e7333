"""textclf's benchmarks, run from the repository root as modules: ``python -m benchmarks.speed --data PATH``.

Each script writes its section of ``benchmarks/RESULTS.md`` (``results.write_section``).
The peers and tune benchmarks need the ``bench`` extra (fastText, scikit-learn).
"""

"""The training stage: a config trained into a complete run folder, resumable at any epoch.

``train.run`` is the ladder: ``prepare`` (read, vectorize, batch), build,
fit with ``callbacks`` (and ``fit_progress``, ``signals``), then test and
save; ``run_record`` writes what the run says about itself. ``distribute``
runs the same under ``tf.distribute``; ``ensemble`` trains several members.
"""

"""The run folder: its paths and files (``rundir``), one process at a time (``run_lock``), and the
training state a kill cannot corrupt (``backup``)."""

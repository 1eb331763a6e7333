from textclf import quiet


# That a real import prints nothing: tests/results/test_predict.py::test_a_saved_model_loads_in_a_fresh_process_….
def test_only_native_log_lines_are_dropped():
    native = ["WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
              "I0000 00:00:1796019297.631868     422 port.cc:153] oneDNN custom operations are on.",
              "E0000 00:00:1796019122.284437   30041 cuda_platform.cc:52] failed call to cuInit"]
    kept = ["UserWarning: something the user should see", "I0000 is not a timestamp here"]
    assert [bool(quiet._NATIVE_LINE.match(line)) for line in native + kept] == [True] * 3 + [False] * 2

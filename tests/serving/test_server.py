"""``textclf serve`` as a process: refusals at start-up in one line, and SIGTERM finishing what is in flight."""

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from helpers import assert_user_error, free_port, invoke, post_json, start_server, stop_server


def test_a_folder_that_is_not_a_run_or_a_damaged_model_is_one_line_and_exit_2(tmp_path, nbsvm_run):
    assert_user_error(invoke("serve", tmp_path / "missing"), "run directory does not exist")
    damaged = tmp_path / "run"
    subprocess.run(["cp", "-r", str(nbsvm_run), str(damaged)], check=True)
    (damaged / "model.keras").write_bytes(b"not a zip")
    assert_user_error(invoke("serve", damaged), "model.keras: cannot load model")


def test_a_port_in_use_is_one_line_and_exit_2(nbsvm_run):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port()))
        taken.listen()
        port = taken.getsockname()[1]
        assert_user_error(invoke("serve", nbsvm_run, "--port", port), f"cannot listen on 127.0.0.1:{port}")


def test_sigterm_finishes_the_requests_in_flight_then_exits_0(trained_run):
    process, url = start_server(trained_run)
    texts = [f"great wonderful film number {i} " * 3 for i in range(16)]
    with ThreadPoolExecutor(6) as pool:
        pending = [pool.submit(post_json, url + "/v1/predict", {"texts": texts, "explain": True}) for _ in range(6)]
        time.sleep(0.5)  # the requests are in: the explanations of an LSTM take a while
        assert not all(future.done() for future in pending)
        code = stop_server(process)
        answers = [future.result() for future in pending]
    assert code == 0, process.stderr.read()
    assert [status for status, _ in answers] == [200] * 6
    assert all(len(body["predictions"]) == 16 for _, body in answers)


def test_two_workers_each_serve_the_model(nbsvm_run):
    process, url = start_server(nbsvm_run, "--workers", "2")
    try:
        answers = [post_json(url + "/v1/predict", {"texts": ["superb"]}) for _ in range(4)]
        assert all(status == 200 and body["predictions"][0]["label"] == "pos" for status, body in answers)
    finally:
        assert stop_server(process) == 0

"""Serving load: `textclf serve` (dynamic batching on and off) against a naive FastAPI endpoint that calls
`model.predict` per request, on one machine, with single IMDB test reviews as requests.

    python -m benchmarks.serve --imdb ../shared/data/aclImdb_labeled.tar.gz --run nbsvm=RUN --run lstm=RUN \
        [--rounds 2] [--scale 1.0]
    python -m benchmarks.serve --imdb … --run nbsvm=RUN --screenshot docs/serve.png   # the README's picture

Each server is its own process on localhost; the client is a bounded pool of threads in this one, each with a
keep-alive connection, sending one review per request until its share is sent (so every measurement ends by
itself): 200 requests at concurrency 1 and 8, 640 at 32 (times --scale). Before measuring, 20 requests warm the
server up. Within a round every system is measured in turn, and the rounds repeat that order, so a slow spell
of the shared machine falls on all of them. Throughput is the mean over rounds; p50 and p99 are over every
request of every round; errors count non-200 answers and answers without one prediction. Results go to
benchmarks/RESULTS.md (section "serve") and serve.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.peers import HERE, ROOT
from benchmarks.results import markdown_table, merge_rows, section_body, write_section

CONCURRENCY = (1, 8, 32)
SYSTEMS = {"textclf serve": ["--batch-size", "64", "--batch-wait-ms", "2"],
           "textclf serve, batching off": ["--batch-size", "1"],
           "naive FastAPI + model.predict": None}
NAIVE_RUN = "TEXTCLF_BENCH_NAIVE_RUN"


def naive_app():
    """The endpoint a user would write first: FastAPI, and Keras' ``model.predict`` on each request's texts."""
    from fastapi import FastAPI

    import textclf

    model = textclf.load_model(Path(os.environ[NAIVE_RUN]) / "model.keras")
    app = FastAPI()

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.post("/v1/predict")
    def predict(body: dict) -> dict:
        outputs = model.predict(body["texts"], verbose=0)
        return {"predictions": [{"probabilities": row.tolist()} for row in outputs]}

    return app


def reviews(archive: str, count: int, seed: int = 0) -> list[str]:
    """``count`` IMDB test reviews, drawn at random."""
    texts = []
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and "/test/" in member.name and member.name.endswith(".txt"):
                texts.append(tar.extractfile(member).read().decode("utf-8", "replace"))
    return random.Random(seed).sample(texts, count)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(system: str, run: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    options = SYSTEMS[system]
    if options is None:
        command = [sys.executable, "-m", "uvicorn", "benchmarks.serve:naive_app", "--factory", "--port", str(port),
                   "--log-level", "warning", "--no-access-log"]
    else:
        command = [sys.executable, "-m", "textclf", "serve", str(run), "--port", str(port), *options]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, NAIVE_RUN: str(run)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{system} did not start")


def _client(port: int, texts: list[str]) -> tuple[list[float], int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies, errors = [], 0
    for text in texts:
        body = json.dumps({"texts": [text]})
        started = time.perf_counter()
        try:
            connection.request("POST", "/v1/predict", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = json.loads(response.read())
            ok = response.status == 200 and len(answer.get("predictions", [])) == 1
        except (OSError, ValueError, http.client.HTTPException):
            ok = False
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        latencies.append(time.perf_counter() - started)
        errors += not ok
    return latencies, errors


def load(port: int, texts: list[str], concurrency: int, total: int) -> dict:
    """``total`` requests from ``concurrency`` clients: requests per second, every latency, the errors."""
    _client(port, texts[:20])  # warm-up
    shares = [[texts[(i * concurrency + c) % len(texts)] for i in range(total // concurrency)]
              for c in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda share: _client(port, share), shares))
    seconds = time.perf_counter() - started
    latencies = [value for found, _ in results for value in found]
    return {"throughput": len(latencies) / seconds, "latencies": latencies, "errors": sum(e for _, e in results)}


def measure(model: str, run: Path, texts: list[str], rounds: int, scale: float) -> list[dict]:
    from datetime import datetime, timezone

    measured = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {rounds} rounds, --scale {scale}"
    found: dict[tuple[str, int], list[dict]] = {}
    for turn in range(rounds):
        for system in SYSTEMS:
            process, port = start(system, run)
            try:
                for concurrency in CONCURRENCY:
                    total = int(max(200, 20 * concurrency) * scale) // concurrency * concurrency
                    result = load(port, texts, concurrency, total)
                    found.setdefault((system, concurrency), []).append(result)
                    print(f"{model} round {turn + 1} {system} c={concurrency}: {result['throughput']:.1f} req/s, "
                          f"{result['errors']} errors", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=60)
    rows = []
    for (system, concurrency), results in found.items():
        latencies = np.array([value for result in results for value in result["latencies"]]) * 1000
        rows.append({"key": f"{model}|{system}|{concurrency}", "model": model, "system": system, "measured": measured,
                     "concurrency": concurrency, "throughput": float(np.mean([r["throughput"] for r in results])),
                     "throughput_rounds": [r["throughput"] for r in results],
                     "p50_ms": float(np.percentile(latencies, 50)), "p99_ms": float(np.percentile(latencies, 99)),
                     "requests": int(latencies.size), "errors": int(sum(r["errors"] for r in results))})
    return rows


def table(rows: list[dict]) -> str:
    naive = {(row["model"], row["concurrency"]): row["throughput"] for row in rows
             if row["system"].startswith("naive")}
    return markdown_table(
        ["model", "server", "concurrency", "requests/s (per round)", "× naive", "p50 ms", "p99 ms", "errors"],
        [[row["model"], row["system"], str(row["concurrency"]),
          f"{row['throughput']:.1f} ({', '.join(f'{v:.1f}' for v in row['throughput_rounds'])})",
          f"{row['throughput'] / naive[(row['model'], row['concurrency'])]:.2f}",
          f"{row['p50_ms']:.1f}", f"{row['p99_ms']:.1f}", f"{row['errors']} / {row['requests']}"] for row in rows]) + \
        "".join(f"\n\n{model} rows measured {when}." for model, when in
                {row["model"]: row.get("measured", "earlier") for row in rows}.items())


SHOWN = ("An absolute joy: the cast is superb and the story moving, though the last act drags a little and the "
         "score is forgettable. Still, one of the best films I have seen this year.")


def screenshot(run: Path, out: Path) -> None:
    """The web page of ``textclf serve RUN`` in headless Chromium, a review typed and labelled, as a PNG."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import headless_chromium

    process, port = start("textclf serve", run)
    browser = headless_chromium()
    try:
        browser.set_window_size(1000, 720)
        browser.get(f"http://127.0.0.1:{port}/")
        WebDriverWait(browser, 30).until(expected_conditions.text_to_be_present_in_element((By.ID, "about"), "run"))
        browser.find_element(By.ID, "texts").send_keys(SHOWN)
        browser.find_element(By.ID, "predict").click()
        WebDriverWait(browser, 30).until(expected_conditions.visibility_of_element_located((By.ID, "label-0")))
        browser.save_screenshot(str(out))
    finally:
        browser.quit()
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--imdb", required=True, help="the IMDB archive")
    parser.add_argument("--run", action="append", required=True, help="MODEL=RUN_DIR, e.g. nbsvm=outputs/…")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--scale", type=float, default=1.0, help="times the number of requests")
    parser.add_argument("--screenshot", type=Path, help="only write the web page of the first run to this PNG")
    args = parser.parse_args()
    if args.screenshot:
        screenshot(Path(args.run[0].split("=", 1)[1]), args.screenshot)
        return
    texts = reviews(args.imdb, 1000)
    rows, order = [], []
    for item in args.run:
        model, run = item.split("=", 1)
        rows += measure(model, Path(run), texts, args.rounds, args.scale)
    order = [row["key"] for row in rows]
    merged = merge_rows(HERE / "serve.json", rows, "key", order)
    body = section_body(__doc__, table(merged))
    write_section("serve", "Serving: textclf serve against a naive FastAPI endpoint (IMDB reviews)", body)
    print(table(merged))


if __name__ == "__main__":
    main()

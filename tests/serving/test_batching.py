"""Dynamic batching: concurrent requests share model calls, each gets its own rows, failures reach them all."""

import asyncio
import time

import numpy as np
import pytest

from textclf.serving.batching import Batcher


class Recorder:
    """A model of one column, the text's length, that takes 10 ms a call and records each call's texts."""

    def __init__(self, fail: bool = False):
        self.calls: list[list[str]] = []
        self.fail = fail

    def __call__(self, texts):
        self.calls.append(list(texts))
        time.sleep(0.01)
        if self.fail:
            raise RuntimeError("the model broke")
        return np.array([[len(text)] for text in texts], dtype=np.float32)


async def _concurrently(batcher: Batcher, requests: list[list[str]]):
    await batcher.start()
    try:
        return await asyncio.gather(*(batcher.probabilities(texts) for texts in requests), return_exceptions=True)
    finally:
        await batcher.stop()


def test_concurrent_requests_share_calls_and_each_gets_its_own_rows():
    model = Recorder()
    requests = [["x" * (i + 1)] * (1 + i % 3) for i in range(40)]
    answers = asyncio.run(_concurrently(Batcher(model, batch_size=16, wait=0.005), requests))
    for texts, answer in zip(requests, answers, strict=True):
        assert answer.tolist() == [[len(text)] for text in texts]
    assert len(model.calls) < len(requests) / 3  # shared
    assert all(len(call) <= 16 + 2 for call in model.calls)  # a call stops taking requests at the batch size
    assert sorted(text for call in model.calls for text in call) == sorted(t for texts in requests for t in texts)


def test_a_batch_size_of_one_calls_the_model_once_per_request():
    model = Recorder()
    asyncio.run(_concurrently(Batcher(model, batch_size=1, wait=0.005), [["a"], ["b"], ["c"]]))
    assert model.calls == [["a"], ["b"], ["c"]]


def test_a_failing_call_fails_its_requests_and_the_loop_goes_on():
    model = Recorder(fail=True)
    answers = asyncio.run(_concurrently(Batcher(model, batch_size=4, wait=0.0), [["a"], ["b"], ["c"]]))
    assert all(isinstance(answer, RuntimeError) for answer in answers)
    assert len(model.calls) >= 1


def test_a_request_of_no_texts_skips_the_queue():
    model = Recorder()
    (answer,) = asyncio.run(_concurrently(Batcher(model, batch_size=4, wait=10.0), [[]]))
    assert len(answer) == 0 and model.calls == [[]]


@pytest.mark.parametrize("wait", [0.0, 0.05])
def test_a_lone_request_waits_at_most_the_wait(wait):
    model = Recorder()
    started = time.perf_counter()
    asyncio.run(_concurrently(Batcher(model, batch_size=64, wait=wait), [["a"]]))
    assert time.perf_counter() - started < wait + 0.5


def test_a_lone_client_never_waits_for_company_and_a_crowd_does():
    async def one_after_another(batcher):
        await batcher.start()
        try:
            started = time.perf_counter()
            for text in "abcde":
                await batcher.probabilities([text])
            alone = time.perf_counter() - started
            await asyncio.gather(*(batcher.probabilities([text]) for text in "fghij"))
            return alone, batcher.concurrent
        finally:
            await batcher.stop()

    alone, crowded = asyncio.run(one_after_another(Batcher(Recorder(), batch_size=64, wait=0.2)))
    assert alone < 0.5  # five calls of 10 ms, not five waits of 200 ms
    assert crowded  # five at once shared a call: the next call would wait for company

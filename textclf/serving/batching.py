"""Dynamic batching: the texts of concurrent requests go through the model in one call.

A model call costs about the same for one text as for dozens (the Python, graph and thread hand-offs
dominate), so under load the server answers many more requests per second when requests share calls.
A call waits at most ``wait`` seconds for more requests, and only when the call before it served several: a
lone client never waits, while under load requests gather. Calls run one at a time on one thread, so
TensorFlow's own threads get the cores.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np


class Batcher:
    def __init__(self, predict: Callable[[list[str]], np.ndarray], batch_size: int, wait: float):
        self.predict, self.batch_size, self.wait = predict, batch_size, wait
        self.executor = ThreadPoolExecutor(1, thread_name_prefix="textclf-model")
        self.queue: asyncio.Queue | None = None
        self.task: asyncio.Task | None = None
        self.concurrent = False  # the last call served several requests: the next one waits for company

    async def start(self) -> None:
        self.queue = asyncio.Queue()
        self.task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """After the server has finished its requests: nothing is queued; end the loop and the thread."""
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        self.executor.shutdown(wait=True)

    async def probabilities(self, texts: list[str]) -> np.ndarray:
        """The texts' class probabilities, computed with whatever other requests came meanwhile."""
        if not texts:
            return self.predict([])
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((texts, future))
        return await future

    async def run(self, function: Callable, *args):
        """``function(*args)`` on the model's thread (explanations): never beside a model call."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def _gather(self) -> list[tuple[list[str], asyncio.Future]]:
        batch = [await self.queue.get()]
        count, loop = len(batch[0][0]), asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while count < self.batch_size:
            if self.queue.empty():
                left = deadline - loop.time() if self.concurrent else 0.0
                if left <= 0:
                    break
                try:
                    item = await asyncio.wait_for(self.queue.get(), left)
                except asyncio.TimeoutError:  # noqa: UP041  (Python 3.10: not the built-in one)
                    break
            else:
                item = self.queue.get_nowait()
            batch.append(item)
            count += len(item[0])
        self.concurrent = len(batch) > 1
        return batch

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._gather()
            texts = [text for request, _ in batch for text in request]
            try:
                probabilities = await loop.run_in_executor(self.executor, self.predict, texts)
            except Exception as exc:  # noqa: BLE001  every waiting request learns of it; the loop goes on
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for request, future in batch:
                if not future.done():  # a client that went away
                    future.set_result(probabilities[start:start + len(request)])
                start += len(request)

"""One-off jobs, kept until they have run: a typed job's payload as versioned JSON, under its
id (the id is also its fire id in the queue)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from nudges import codec
from nudges.jobs import Job
from nudges.store.base import StoreBase, as_str


class JobStore(StoreBase):
    async def save(self, job: Job) -> None:
        await self.redis.set(
            self.keys.job(job.id), codec.dumps({"kind": job.KIND, **job.payload()})
        )

    async def payload(self, job_id: str) -> dict[str, Any] | None:
        """The stored payload, with its ``kind``; None if the job has run (or never was).

        Raises:
            CodecError: The payload was written by a release this one cannot read.
        """
        raw = await self.redis.get(self.keys.job(job_id))
        return codec.loads(raw) if raw else None

    async def delete(self, job_id: str) -> None:
        await self.redis.delete(self.keys.job(job_id))

    async def ids(self) -> AsyncIterator[str]:
        head = self.keys.jobs_prefix
        async for key in self.redis.scan_iter(match=head + "*", count=1000):
            yield as_str(key)[len(head) :]

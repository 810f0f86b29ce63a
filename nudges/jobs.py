"""One-off jobs: work a feature asks to happen once, later, surviving restarts (a snoozed
prompt coming back, the close of a Pause, the check-in after one).

Each kind of job is a small frozen dataclass kept beside the feature it belongs to, with a
``KIND`` (stored with it), an ``id`` (its fire id in the queue, made by ``new_job_id``) and
its own payload. The feature registers a handler for it with ``Firing.on_job``; ``schedule``
keeps it and queues it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self

if TYPE_CHECKING:
    from nudges.deps import Deps

JOB_PREFIX = "o:"


def new_job_id() -> str:
    return f"{JOB_PREFIX}{uuid.uuid4().hex}"


def is_job(fire_id: str) -> bool:
    return fire_id.startswith(JOB_PREFIX)


class Job(Protocol):
    """A kind of one-off job."""

    KIND: ClassVar[str]
    """What the job is, stored with it ("pause-close"); unique across kinds."""

    @property
    def id(self) -> str: ...

    def payload(self) -> dict[str, Any]:
        """The job's fields as JSON values (without ``kind``)."""
        ...

    @classmethod
    def from_payload(cls, job_id: str, data: dict[str, Any]) -> Self:
        """The job again, from ``payload()``'s output.

        Raises:
            KeyError, TypeError, ValueError: The payload is not one of this kind's.
        """
        ...


async def schedule(deps: Deps, job: Job, at: datetime) -> None:
    """Keep ``job`` and queue it for ``at``: it runs once, even across restarts."""
    await deps.stores.jobs.save(job)
    await deps.queue.put([(job.id, at)])

"""The fire dispatcher: every kind of cadence and every kind of one-off job has a handler
registered by its feature, and every job survives being kept and read back."""

from __future__ import annotations

import pytest

from nudges.model import CadenceKind, MemberRef
from nudges.pause import PauseClose, PauseFollowUp
from nudges.prompts import SnoozedPrompt
from tests.conftest import World

SAM = MemberRef("test", "T1", "sam")
JOBS = [
    SnoozedPrompt(SAM, "ward-7", "attending-04", "c3"),
    PauseClose("p1"),
    PauseFollowUp("p1", to_me=True),
    PauseFollowUp("p1", to=(SAM, MemberRef("test", "T1", "priya"))),
]


@pytest.mark.parametrize("kind", list(CadenceKind))
def test_every_kind_of_cadence_has_a_handler(world: World, kind: CadenceKind) -> None:
    assert kind in world.engine.firing.cadence_kinds


@pytest.mark.parametrize("job", JOBS, ids=lambda j: type(j).__name__)
async def test_every_kind_of_job_is_registered_and_reads_back_as_it_was_kept(
    world: World, job: SnoozedPrompt | PauseClose | PauseFollowUp
) -> None:
    assert job.KIND in world.engine.firing.job_kinds
    await world.stores.jobs.save(job)
    payload = await world.stores.jobs.payload(job.id)
    assert payload is not None
    assert payload["kind"] == job.KIND
    assert type(job).from_payload(job.id, payload) == job


def test_job_ids_are_fire_ids_of_one_kind_and_never_repeat() -> None:
    ids = {PauseClose("p1").id for _ in range(100)}
    assert len(ids) == 100
    assert all(i.startswith("o:") for i in ids)

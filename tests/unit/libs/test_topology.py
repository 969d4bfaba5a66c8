"""Queue names derived in libs/topology.py, and the tools that take a queue's name."""

import re

import pytest

from libs import topology
from tools.dead_letters import work_queue

WORK_QUEUES = [wq.name for wq in topology.WORK_QUEUES]


@pytest.mark.parametrize("queue", WORK_QUEUES)
def test_a_dead_letter_queue_names_the_work_queue_it_parks_for(queue):
    assert topology.parked_from(topology.dead_queue(queue)) == queue
    assert topology.dead_queue(queue) in dict(topology.queues())


@pytest.mark.parametrize("name", [
    *WORK_QUEUES, "nope.commands.dead", topology.retry_queue(topology.DATA_QUEUE),
    topology.notice_queue(topology.DATA_QUEUE), topology.REVOCATIONS_STREAM + ".dead", "",
    topology.dead_queue(topology.dead_queue(topology.DATA_QUEUE)),
])
def test_no_other_name_is_a_dead_letter_queue(name):
    assert topology.parked_from(name) is None


@pytest.mark.parametrize("queue", WORK_QUEUES)
def test_dead_letters_takes_a_work_queue_by_its_name_or_its_dead_letter_queue(queue):
    assert work_queue(queue) == queue
    assert work_queue(topology.dead_queue(queue)) == queue


@pytest.mark.parametrize("name", [
    "nope.commands", "nope.commands.dead", topology.retry_queue(topology.DATA_QUEUE),
    topology.dead_queue(topology.dead_queue(topology.DATA_QUEUE)),
])
def test_dead_letters_refuses_any_other_queue_by_name(name):
    with pytest.raises(ValueError, match=re.escape(f"no work queue {name!r}: one of data_service")):
        work_queue(name)

"""A letter request's states (`permohonan_surat.status`), each with OpenSID's name for it and
the label of the siades_letter_requests{state=...} metric.

`RequestState` is an IntEnum: its members equal the numbers stored in the database, so they
go into SQL and compare with a loaded row's status as they are. What a resident is told on
reaching a state is in libs/texts.py (LETTER_STATE_DETAILS, keyed by these members).
"""

from __future__ import annotations

from enum import IntEnum


class OpenSIDState(IntEnum):
    """A state OpenSID stores as a number, with OpenSID's name for it and the metric's label;
    the base of RequestState and ComplaintState (libs/vocabulary/complaints.py)."""

    opensid_name: str
    metric_label: str

    def __new__(cls, number: int, opensid_name: str, metric_label: str) -> OpenSIDState:
        member = int.__new__(cls, number)
        member._value_ = number
        member.opensid_name = opensid_name
        member.metric_label = metric_label
        return member


class RequestState(OpenSIDState):
    """permohonan_surat.status: its number, OpenSID's name and the metric's label."""

    INCOMPLETE = 0, "Belum Lengkap", "incomplete"
    CHECKING = 1, "Sedang Diperiksa", "checking"  # what OpenSID's self-service writes
    AWAITING_SIGNATURE = 2, "Menunggu Tandatangan", "awaiting_signature"
    READY = 3, "Siap Diambil", "ready"
    COLLECTED = 4, "Sudah Diambil", "collected"
    CANCELLED = 5, "Dibatalkan", "cancelled"  # a rejection, a cancellation or a withdrawal


# The states as OpenSID names them: the console and the residents' messages both say these.
STATUS_NAMES = {state: state.opensid_name for state in RequestState}
# A request still in process: the resident may have only one.
IN_PROCESS = (RequestState.INCOMPLETE, RequestState.CHECKING, RequestState.AWAITING_SIGNATURE)

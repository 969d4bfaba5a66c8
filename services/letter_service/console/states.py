"""permohonan_surat's statuses as the console names them, its queue's tabs, where each role
lands, and the staff roles' names."""

from __future__ import annotations

from dataclasses import dataclass

from libs.siades.bot_models import STAFF_HEAD, STAFF_OPERATOR
from libs.vocabulary.states import IN_PROCESS, STATUS_NAMES, RequestState

__all__ = ["BEFORE_SIGNING", "CANCEL_KINDS", "QUEUE_TABS", "ROLE_NAMES", "STATUS_NAMES",
           "WITH_DOCUMENT", "Tab", "landing_tab", "tab_named"]

WITH_DOCUMENT = (RequestState.READY, RequestState.COLLECTED)
BEFORE_SIGNING = IN_PROCESS

# Status 5 is three things (told apart by listing.CANCEL_KIND): the office rejected the request,
# the resident cancelled it in the chat, or an issued letter was withdrawn.
REJECTED, CANCELLED_BY_RESIDENT, WITHDRAWN = "ditolak", "dibatalkan", "dicabut"
CANCEL_KINDS = {REJECTED: "Ditolak", CANCELLED_BY_RESIDENT: "Dibatalkan pemohon",
                WITHDRAWN: "Dicabut"}


@dataclass(frozen=True)
class Tab:
    """One tab of the queue: a status, and for status 5 which of its three kinds."""

    key: str  # in the URL: `?status=1`, `?status=ditolak`
    label: str
    status: int
    cancel_kind: str | None = None


QUEUE_TABS = (
    *(Tab(str(status), STATUS_NAMES[status], status)
      for status in RequestState if status != RequestState.CANCELLED),
    *(Tab(kind, label, RequestState.CANCELLED, kind) for kind, label in CANCEL_KINDS.items()),
)
_TABS_BY_KEY = {tab.key: tab for tab in QUEUE_TABS}
_TABS_BY_KEY[str(RequestState.CANCELLED)] = _TABS_BY_KEY[REJECTED]  # the one tab 5 used to be
# Where each role's work is: the operator checks requests, the Kepala Desa signs them.
LANDING = {STAFF_OPERATOR: str(RequestState.CHECKING),
           STAFF_HEAD: str(RequestState.AWAITING_SIGNATURE)}


def landing_tab(role: str) -> Tab:
    """The tab a staff member of this role opens the queue on."""
    return _TABS_BY_KEY[LANDING.get(role, str(RequestState.CHECKING))]


def tab_named(key: str | None) -> Tab | None:
    """The tab of a `?status=` value (`5` is the rejections' tab); None for anything else."""
    return _TABS_BY_KEY.get(key or "")


ROLE_NAMES = {STAFF_OPERATOR: "Operator", STAFF_HEAD: "Kepala Desa"}

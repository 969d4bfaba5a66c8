"""permohonan_surat's statuses as the console names them, and the staff roles' names."""

from libs.siades.bot_models import STAFF_HEAD, STAFF_OPERATOR
from libs.siades.letters import (
    REQUEST_AWAITING_SIGNATURE,
    REQUEST_CANCELLED,
    REQUEST_CHECKING,
    REQUEST_COLLECTED,
    REQUEST_READY,
    STATUS_NAMES,
)

__all__ = ["QUEUE_TABS", "ROLE_NAMES", "STATUS_NAMES", "WITH_DOCUMENT"]

# The queue's tabs; Belum Lengkap (OpenSID's own drafts) shows only when there are some.
QUEUE_TABS = (REQUEST_CHECKING, REQUEST_AWAITING_SIGNATURE, REQUEST_READY, REQUEST_COLLECTED,
              REQUEST_CANCELLED)
WITH_DOCUMENT = (REQUEST_READY, REQUEST_COLLECTED)

ROLE_NAMES = {STAFF_OPERATOR: "Operator", STAFF_HEAD: "Kepala Desa"}

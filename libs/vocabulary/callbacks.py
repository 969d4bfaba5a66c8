"""What an inline button sends back when tapped (its callback_data): built here for the letter
service's buttons, and parsed back with these same words (services/gateway/commands.py routes
them, services/letter_service/handlers.py `draft` tells the steps apart).

    Status                   the resident's requests (as if typed)
    Batal <id>               ask to confirm cancelling request <id>
    AJUKAN <kind>            start the guided request of a kind (AJUKAN SKU)
    AJUKAN KIRIM             send the guided request
    AJUKAN UBAH <field>      ask one of its fields again
    AJUKAN BATAL             stop filling it in
    AJUKAN LENGKAPI <id>     complete request <id>, which the office returned
    AJUKAN BATALKAN <id>     yes, cancel request <id>
    AJUKAN LANJUTKAN <id>    no, keep it
"""

from __future__ import annotations

STATUS = "Status"
CANCEL = "Batal"
DRAFT = "AJUKAN"  # the guided request's buttons; the word after it is the step
SEND, CHANGE, DISCARD = "KIRIM", "UBAH", "BATAL"
COMPLETE, CONFIRM_CANCEL, KEEP = "LENGKAPI", "BATALKAN", "LANJUTKAN"  # each with a request id


def cancel(request_id: int) -> str:
    """`Batal 12`: ask to confirm cancelling that request."""
    return f"{CANCEL} {request_id}"


def draft(step: str, argument: object | None = None) -> str:
    """`AJUKAN SKU`, `AJUKAN KIRIM`, `AJUKAN UBAH tujuan`, `AJUKAN LENGKAPI 12`..."""
    return f"{DRAFT} {step}" if argument is None else f"{DRAFT} {step} {argument}"

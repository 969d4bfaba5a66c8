"""The letters residents request in the chat, as the chat names them: the code they type, the
letter's title and the label of its button under the list of kinds.

The one source of the kinds: the gateway parses the codes from here (services/gateway/commands.py),
libs/texts.py lists them and lays out their buttons, and libs/siades/letter_kinds.py says what
each one asks and which OpenSID format it is (tests/unit/libs/test_vocabulary.py checks they agree).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """One letter kind as the chat names it."""

    code: str  # what residents type (`SKU`, `SKU#...`) and the guided request's `AJUKAN SKU`
    title: str  # on the letter, in the messages and on the verify page
    button: str  # its button under the list of kinds

    @property
    def word(self) -> str:
        """The command word the gateway recognises: the code in any case, `sku`."""
        return self.code.lower()


KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind("SKU", "Surat Keterangan Usaha", "SKU – Usaha"),
    Kind("SKD", "Surat Keterangan Domisili", "SKD – Domisili"),
    Kind("SKCK", "Surat Pengantar SKCK", "SKCK – Pengantar SKCK"),
    Kind("SKBPN", "Surat Keterangan Belum Pernah Menikah", "SKBPN – Belum Menikah"),
    Kind("SKUM", "Surat Keterangan Umum", "SKUM – Umum"),
)}
# The buttons under the list of kinds, row by row.
BUTTON_ROWS = (("SKU", "SKD"), ("SKCK",), ("SKBPN", "SKUM"))

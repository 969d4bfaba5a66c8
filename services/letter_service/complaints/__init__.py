"""Residents' complaints (pengaduan) from the chat: the guided and one-line flow (flow.py),
and the records they make and the office's answers (records.py)."""

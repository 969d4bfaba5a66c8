"""The revisions of the `bot` and `opensid` branches (see libs/siades/migrate.py)."""

"""The words the parts of the service share, as plain Python: the letter requests' states, the
letter kinds, the buttons' callback words, how a program participation stands.

The online side (the gateway, its verify page, bot setup) imports these and never the village
database: nothing in this package may import SQLAlchemy or libs.siades (checked by
tests/unit/services/gateway/test_online_imports.py). The database side builds on them in
libs/siades.
"""

"""Plain query functions over the SIADES/OpenSID tables, one module per aggregate, each function
taking the caller's Session:

    registration   a chat linked to its resident, the registration attempts, the office's audit
    residents      a resident's own data (biodata) and their family card
    assistance     the assistance programs and a resident's participation in them

The served village's own row (`village_name`, `village_config`) is read in libs/siades/village.py.
"""

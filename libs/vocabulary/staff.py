"""What a staff member sends the bot from their own Telegram account.

    STAF <code>     link this chat to the console account that showed the code
    STAF BERHENTI   unlink it (the console can unlink it, too)
"""

WORD = "STAF"
STOP = "BERHENTI"

"""`python -m services.letter_service keygen --dir DIR`: the key pair that signs letters."""

from __future__ import annotations

import argparse

from libs.letter_tokens import generate_keypair


def keygen(argv: list[str] | None = None) -> int:
    """Write a new signing key into --dir and print the settings for both sides; exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m services.letter_service keygen",
        description="Create the Ed25519 key that signs issued letters (kept at the village "
        "office) and print the public key the online gateway verifies them with.",
    )
    parser.add_argument("--dir", required=True, help="directory for letter-signing-key.pem")
    args = parser.parse_args(argv)
    try:
        path, public_key = generate_keypair(args.dir)
    except FileExistsError as exc:
        parser.exit(1, f"{exc.filename} exists already: letters signed with it would stop "
                       "verifying if it were replaced. Remove it yourself if you mean to.\n")
    print(f"# village office (letter_service): the private key, never copy it elsewhere\n"
          f"LETTER_SIGNING_KEY_FILE={path.resolve()}\n"
          f"# online gateway: give it this public key\n"
          f"LETTER_VERIFY_KEY={public_key}")
    return 0

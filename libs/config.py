"""One frozen Settings, read from the environment once at start and passed down."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

DEFAULT_PROGRAM_ALIASES = (
    "PKH=PKH;BPNT=BPNT,BPNT/SEMBAKO,SEMBAKO;KIS=KIS,JAMKESMAS,JKN-KIS,PBI,PBI-JK"
)

DEFAULT_VERIFY_BASE_URL = "http://127.0.0.1:8000"


def parse_program_aliases(spec: str) -> dict[str, tuple[str, ...]]:
    """Parse `PKH=PKH;KIS=KIS,JAMKESMAS` into {"PKH": ("PKH",), "KIS": ("KIS", "JAMKESMAS")}."""
    aliases: dict[str, tuple[str, ...]] = {}
    for part in spec.split(";"):
        service, _, names = part.partition("=")
        service = service.strip().upper()
        if not service:
            continue
        aliases[service] = tuple(n.strip().upper() for n in names.split(",") if n.strip())
    return aliases


class SettingsError(ValueError):
    """An environment variable whose text its setting cannot take; the message names both."""


def parse_bool(raw: str) -> bool:
    """`true`/`false` (also 1/0, yes/no, on/off) as a bool; ValueError for anything else."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(raw)


def _without_trailing_slash(raw: str) -> str:
    return raw.rstrip("/")


@dataclass(frozen=True)
class Parser:
    """How a variable's text becomes its setting's value (ValueError if it cannot), and what
    it expects, for the error."""

    parse: Callable[[str], Any]
    expects: str


# A setting's parser by the type of its default, unless its field names another.
PARSERS = {
    str: Parser(str, "text"),
    int: Parser(int, "a whole number"),
    float: Parser(float, "a number"),
    bool: Parser(parse_bool, "true or false"),
}


def env(variable: str, default: Any = MISSING, *, parse: Callable[[str], Any] | None = None,
        default_factory: Callable[[], Any] | None = None) -> Any:
    """A Settings field read from `variable`, `default` (or `default_factory()`) when it is
    unset or empty; its text parsed by the default's type, or by `parse` (which takes any)."""
    parser = Parser(parse, "text") if parse else PARSERS[type(default)]
    metadata = {"variable": variable, "parser": parser}
    if default_factory is not None:
        return field(default_factory=default_factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Everything a service needs to know about its surroundings: each field read from the
    environment variable it names (the README lists them), else its default."""

    rabbitmq_url: str = env("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    database_url: str = env("DATABASE_URL", "sqlite:///siades.db")
    # OpenSID's config.kode_desa of the village served, where one database holds several.
    village_code: str = env("VILLAGE_CODE", "", parse=str.strip)
    telegram_bot_token: str = env("TELEGRAM_BOT_TOKEN", "")
    telegram_api_url: str = env("TELEGRAM_API_URL", "https://api.telegram.org",
                                parse=_without_trailing_slash)
    telegram_webhook_secret: str = env("TELEGRAM_WEBHOOK_SECRET", "")
    # Where Telegram reaches the gateway; empty: long polling.
    public_url: str = env("PUBLIC_URL", "")
    gateway_bind: str = env("GATEWAY_BIND", "127.0.0.1:8000")
    gateway_workers: int = env("GATEWAY_WORKERS", 2)
    # Per gunicorn worker: requests waiting on confirms together.
    gateway_threads: int = env("GATEWAY_THREADS", 8)
    console_bind: str = env("CONSOLE_BIND", "127.0.0.1:8090")  # the staff console
    console_secret_key: str = env("CONSOLE_SECRET_KEY", "")  # signs the console's session cookie
    # Console logins: failures counted over a sliding window, per username typed and per
    # client address; past either limit that account or address is refused until old failures
    # leave the window. An office shares one address.
    console_login_window_minutes: int = env("CONSOLE_LOGIN_WINDOW_MINUTES", 15)
    console_login_max_failures: int = env("CONSOLE_LOGIN_MAX_FAILURES", 5)
    console_login_address_max_failures: int = env("CONSOLE_LOGIN_ADDRESS_MAX_FAILURES", 20)
    # A session with no request for this long ends.
    console_idle_minutes: float = env("CONSOLE_IDLE_MINUTES", 30.0)
    # Reverse proxies in front of the console that set X-Forwarded-For; 0: the client address
    # is the TCP peer's (request.remote_addr).
    console_trusted_proxies: int = env("CONSOLE_TRUSTED_PROXIES", 0)
    # Where staff reach the console from a phone: the staff alerts' buttons open it there.
    console_public_url: str = env("CONSOLE_PUBLIC_URL", "http://127.0.0.1:8090",
                                  parse=_without_trailing_slash)
    # Complaints: a photo larger than this is refused (Telegram's bots may fetch 20 MB at most);
    # and where OpenSID's admin shows complaint photos (its desa/upload/pengaduan/), if it runs
    # on this host: the photos of public complaints are copied there. Empty: nowhere.
    complaint_photo_max_bytes: int = env("COMPLAINT_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
    opensid_pengaduan_dir: str = env("OPENSID_PENGADUAN_DIR", "")
    # A letter request still waiting (status 1 or 2), or a complaint unanswered, this long is
    # escalated once to the Kepala Desa; the office's daily summary goes at this local hour.
    sla_hours: float = env("SLA_HOURS", 24.0)
    digest_hour: int = env("DIGEST_HOUR", 7)
    # How long a staff member's Telegram linking code works.
    staff_link_minutes: int = env("STAFF_LINK_MINUTES", 15)
    max_body_bytes: int = env("MAX_BODY_BYTES", 256 * 1024)
    prefetch: int = env("PREFETCH", 1)
    retry_delay_ms: int = env("RETRY_DELAY_MS", 1000)
    max_retries: int = env("MAX_RETRIES", 8)
    registration_max_failures: int = env("REGISTRATION_MAX_FAILURES", 5)
    registration_window_hours: int = env("REGISTRATION_WINDOW_HOURS", 24)
    # Failures with one NIK from all accounts together within the window: the NIK is then
    # refused until the window ends, and the village office is told (audit, log, metric).
    registration_nik_max_failures: int = env("REGISTRATION_NIK_MAX_FAILURES", 10)
    program_aliases: Mapping[str, tuple[str, ...]] = env(
        "PROGRAM_ALIASES", parse=parse_program_aliases,
        default_factory=lambda: parse_program_aliases(DEFAULT_PROGRAM_ALIASES),
    )
    timezone: str = env("TIMEZONE", "Asia/Jakarta")
    # The village office's PEM that signs letters (keygen), and the online gateway's matching
    # public key (base64url).
    letter_signing_key_file: str = env("LETTER_SIGNING_KEY_FILE", "")
    letter_verify_key: str = env("LETTER_VERIFY_KEY", "")
    # Where /verify/<token> is served; empty: public_url.
    verify_base_url: str = env("VERIFY_BASE_URL", "", parse=_without_trailing_slash)
    # The notifier's pace, under Telegram's limits (a bot: ~30 messages/s, a chat: 1/s,
    # a group: 20/min), and how hard it tries before parking a message.
    notifier_max_per_second: float = env("NOTIFIER_MAX_PER_SECOND", 30.0)
    notifier_per_chat_per_second: float = env("NOTIFIER_PER_CHAT_PER_SECOND", 1.0)
    notifier_per_group_per_minute: float = env("NOTIFIER_PER_GROUP_PER_MINUTE", 20.0)
    notifier_max_attempts: int = env("NOTIFIER_MAX_ATTEMPTS", 6)
    notifier_concurrency: int = env("NOTIFIER_CONCURRENCY", 8)  # Bot API calls in flight at once
    # Messages held, so that waiting chats don't block others.
    notifier_prefetch: int = env("NOTIFIER_PREFETCH", 1000)
    # Seconds to wait for Telegram's answer to a send.
    telegram_timeout: float = env("TELEGRAM_TIMEOUT", 15.0)
    log_level: str = env("LOG_LEVEL", "INFO")
    log_format: str = env("LOG_FORMAT", "text", parse=str.lower)  # or "json": one object a line
    # Workers: serve /metrics and /healthz on this port; 0: not at all.
    metrics_port: int = env("METRICS_PORT", 0)
    # False where the broker's definitions own the topology (deploy/): services then only check
    # that what they use exists, and their users need no configure permission.
    rabbitmq_declare: bool = env("RABBITMQ_DECLARE", True)

    @property
    def verify_url_base(self) -> str:
        """Where residents' phones reach /verify/<token>: VERIFY_BASE_URL, else PUBLIC_URL."""
        base = self.verify_base_url or self.public_url or DEFAULT_VERIFY_BASE_URL
        return base.rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build Settings from environment variables, falling back to the defaults above;
        SettingsError names a variable whose value its setting cannot take."""
        environ = os.environ if environ is None else environ
        values = {}
        for setting in fields(cls):
            variable, parser = setting.metadata["variable"], setting.metadata["parser"]
            raw = environ.get(variable)
            if raw is None or raw == "":
                continue
            try:
                values[setting.name] = parser.parse(raw)
            except ValueError:
                raise SettingsError(f"{variable} must be {parser.expects}, not {raw!r}") from None
        return cls(**values)

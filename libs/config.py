"""One frozen Settings, read from the environment once at start and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

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


def parse_bool(name: str, raw: str) -> bool:
    """`true`/`false` (also 1/0, yes/no, on/off) as a bool; anything else is an error."""
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    """Everything a service needs to know about its surroundings."""

    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    database_url: str = "sqlite:///siades.db"
    # OpenSID's config.kode_desa of the village served, where one database holds several.
    village_code: str = ""
    telegram_bot_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: str = ""
    public_url: str = ""  # where Telegram reaches the gateway; empty: long polling
    gateway_bind: str = "127.0.0.1:8000"
    gateway_workers: int = 2
    gateway_threads: int = 8  # per gunicorn worker: requests waiting on confirms together
    console_bind: str = "127.0.0.1:8090"  # the staff console
    console_secret_key: str = ""  # signs the console's session cookie
    # Console logins: failures counted over a sliding window, per username typed and per
    # client address; past either limit that account or address is refused until old failures
    # leave the window.
    console_login_window_minutes: int = 15
    console_login_max_failures: int = 5  # per username
    console_login_address_max_failures: int = 20  # per client address (an office shares one)
    console_idle_minutes: float = 30.0  # a session with no request for this long ends
    # Reverse proxies in front of the console that set X-Forwarded-For; 0: the client address
    # is the TCP peer's (request.remote_addr).
    console_trusted_proxies: int = 0
    max_body_bytes: int = 256 * 1024
    prefetch: int = 1
    retry_delay_ms: int = 1000
    max_retries: int = 8
    registration_max_failures: int = 5
    registration_window_hours: int = 24
    # Failures with one NIK from all accounts together within the window: the NIK is then
    # refused until the window ends, and the village office is told (audit, log, metric).
    registration_nik_max_failures: int = 10
    program_aliases: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: parse_program_aliases(DEFAULT_PROGRAM_ALIASES)
    )
    timezone: str = "Asia/Jakarta"
    letter_signing_key_file: str = ""  # village office: the PEM that signs letters (keygen)
    letter_verify_key: str = ""  # online gateway: the matching public key, base64url
    verify_base_url: str = ""  # where /verify/<token> is served; empty: public_url
    # The notifier's pace, under Telegram's limits (a bot: ~30 messages/s, a chat: 1/s,
    # a group: 20/min), and how hard it tries before parking a message.
    notifier_max_per_second: float = 30.0
    notifier_per_chat_per_second: float = 1.0
    notifier_per_group_per_minute: float = 20.0
    notifier_max_attempts: int = 6
    notifier_concurrency: int = 8  # Bot API calls in flight at once
    notifier_prefetch: int = 1000  # messages held, so that waiting chats don't block others
    telegram_timeout: float = 15.0  # seconds to wait for Telegram's answer to a send
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one JSON object per line
    metrics_port: int = 0  # workers: serve /metrics and /healthz on this port; 0: not at all
    # False where the broker's definitions own the topology (deploy/): services then only check
    # that what they use exists, and their users need no configure permission.
    rabbitmq_declare: bool = True

    @property
    def verify_url_base(self) -> str:
        """Where residents' phones reach /verify/<token>: VERIFY_BASE_URL, else PUBLIC_URL."""
        base = self.verify_base_url or self.public_url or DEFAULT_VERIFY_BASE_URL
        return base.rstrip("/")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build Settings from environment variables, falling back to the defaults above."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def get(name: str, default):
            raw = env.get(name)
            if raw is None or raw == "":
                return default
            if isinstance(default, bool):
                return parse_bool(name, raw)
            return type(default)(raw)

        return cls(
            rabbitmq_url=get("RABBITMQ_URL", defaults.rabbitmq_url),
            database_url=get("DATABASE_URL", defaults.database_url),
            village_code=get("VILLAGE_CODE", defaults.village_code).strip(),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN", defaults.telegram_bot_token),
            telegram_api_url=get("TELEGRAM_API_URL", defaults.telegram_api_url).rstrip("/"),
            telegram_webhook_secret=get(
                "TELEGRAM_WEBHOOK_SECRET", defaults.telegram_webhook_secret
            ),
            public_url=get("PUBLIC_URL", defaults.public_url),
            gateway_bind=get("GATEWAY_BIND", defaults.gateway_bind),
            gateway_workers=get("GATEWAY_WORKERS", defaults.gateway_workers),
            gateway_threads=get("GATEWAY_THREADS", defaults.gateway_threads),
            console_bind=get("CONSOLE_BIND", defaults.console_bind),
            console_secret_key=get("CONSOLE_SECRET_KEY", defaults.console_secret_key),
            console_login_window_minutes=get(
                "CONSOLE_LOGIN_WINDOW_MINUTES", defaults.console_login_window_minutes),
            console_login_max_failures=get(
                "CONSOLE_LOGIN_MAX_FAILURES", defaults.console_login_max_failures),
            console_login_address_max_failures=get(
                "CONSOLE_LOGIN_ADDRESS_MAX_FAILURES", defaults.console_login_address_max_failures),
            console_idle_minutes=get("CONSOLE_IDLE_MINUTES", defaults.console_idle_minutes),
            console_trusted_proxies=get(
                "CONSOLE_TRUSTED_PROXIES", defaults.console_trusted_proxies),
            max_body_bytes=get("MAX_BODY_BYTES", defaults.max_body_bytes),
            prefetch=get("PREFETCH", defaults.prefetch),
            retry_delay_ms=get("RETRY_DELAY_MS", defaults.retry_delay_ms),
            max_retries=get("MAX_RETRIES", defaults.max_retries),
            registration_max_failures=get(
                "REGISTRATION_MAX_FAILURES", defaults.registration_max_failures
            ),
            registration_window_hours=get(
                "REGISTRATION_WINDOW_HOURS", defaults.registration_window_hours
            ),
            registration_nik_max_failures=get(
                "REGISTRATION_NIK_MAX_FAILURES", defaults.registration_nik_max_failures
            ),
            program_aliases=parse_program_aliases(
                env.get("PROGRAM_ALIASES") or DEFAULT_PROGRAM_ALIASES
            ),
            timezone=get("TIMEZONE", defaults.timezone),
            letter_signing_key_file=get(
                "LETTER_SIGNING_KEY_FILE", defaults.letter_signing_key_file
            ),
            letter_verify_key=get("LETTER_VERIFY_KEY", defaults.letter_verify_key),
            verify_base_url=get("VERIFY_BASE_URL", defaults.verify_base_url).rstrip("/"),
            notifier_max_per_second=get(
                "NOTIFIER_MAX_PER_SECOND", defaults.notifier_max_per_second),
            notifier_per_chat_per_second=get(
                "NOTIFIER_PER_CHAT_PER_SECOND", defaults.notifier_per_chat_per_second),
            notifier_per_group_per_minute=get(
                "NOTIFIER_PER_GROUP_PER_MINUTE", defaults.notifier_per_group_per_minute),
            notifier_max_attempts=get("NOTIFIER_MAX_ATTEMPTS", defaults.notifier_max_attempts),
            notifier_concurrency=get("NOTIFIER_CONCURRENCY", defaults.notifier_concurrency),
            notifier_prefetch=get("NOTIFIER_PREFETCH", defaults.notifier_prefetch),
            telegram_timeout=get("TELEGRAM_TIMEOUT", defaults.telegram_timeout),
            log_level=get("LOG_LEVEL", defaults.log_level),
            log_format=get("LOG_FORMAT", defaults.log_format).lower(),
            metrics_port=get("METRICS_PORT", defaults.metrics_port),
            rabbitmq_declare=get("RABBITMQ_DECLARE", defaults.rabbitmq_declare),
        )

"""The deploy files as data, for tests/deploy: the compose files loaded as compose loads them
(YAML anchors and merge keys resolved, ${VAR} interpolated), the Dockerfile's instructions,
and the .dockerignore rules. Small re-implementations of compose's and Docker's own rules, kept
to what the files here use; there is no Docker engine on the test machine."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
ONLINE = DEPLOY / "docker-compose.online.yml"
OFFICE = DEPLOY / "docker-compose.office.yml"
COMPOSE_FILES = (COMPOSE, ONLINE, OFFICE)
ENV_EXAMPLE = DEPLOY / ".env.example"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"


def load(path: Path) -> dict:
    """A compose file as YAML data (anchors, aliases and `<<` merges resolved)."""
    return yaml.safe_load(path.read_text())


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of a .env file, as compose reads them (comments, blanks skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip().strip("'\"")
    return values


# --- interpolation: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err}

class InterpolationError(ValueError):
    """A required variable is missing (compose stops with the message), or bad syntax."""


@dataclass(frozen=True)
class Reference:
    """One ${...} in a file: the variable, its operator ('' for none) and the word after it."""

    name: str
    operator: str
    word: str

    @property
    def has_default(self) -> bool:
        return self.operator in ("-", ":-")


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


def _braced(text: str, start: int) -> int:
    """Index just past the `}` that closes the `${` at `start`, nested ${...} included."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise InterpolationError(f"unclosed ${{ in {text!r}")


def _parse(inner: str) -> Reference:
    match = _NAME.match(inner)
    if not match:
        raise InterpolationError(f"bad variable in ${{{inner}}}")
    rest = inner[match.end():]
    if not rest:
        return Reference(match.group(), "", "")
    for operator in _OPERATORS:
        if rest.startswith(operator):
            return Reference(match.group(), operator, rest[len(operator):])
    raise InterpolationError(f"bad operator in ${{{inner}}}")


def references(text: str) -> Iterator[Reference]:
    """Every variable reference in `text`, those nested in defaults too."""
    i = 0
    while (i := text.find("$", i)) != -1:
        if text.startswith("$$", i):
            i += 2
        elif text.startswith("${", i):
            end = _braced(text, i)
            reference = _parse(text[i + 2:end - 1])
            yield reference
            yield from references(reference.word)
            i = end
        elif match := _NAME.match(text, i + 1):
            yield Reference(match.group(), "", "")
            i = match.end()
        else:
            i += 1


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """`text` with every reference replaced as compose does."""
    out, i = [], 0
    while (j := text.find("$", i)) != -1:
        out.append(text[i:j])
        if text.startswith("$$", j):
            out.append("$")
            i = j + 2
        elif text.startswith("${", j):
            end = _braced(text, j)
            out.append(_resolve(_parse(text[j + 2:end - 1]), env))
            i = end
        elif match := _NAME.match(text, j + 1):
            out.append(env.get(match.group(), ""))
            i = match.end()
        else:
            out.append("$")
            i = j + 1
    out.append(text[i:])
    return "".join(out)


def _resolve(ref: Reference, env: Mapping[str, str]) -> str:
    value = env.get(ref.name)
    # The ':' forms treat an empty value as unset; the others only a missing one.
    missing = not value if ref.operator.startswith(":") else value is None
    if ref.operator in (":-", "-"):
        return interpolate(ref.word, env) if missing else value
    if ref.operator in (":?", "?"):
        if missing:
            raise InterpolationError(f"{ref.name}: {interpolate(ref.word, env)}")
        return value
    if ref.operator in (":+", "+"):
        return "" if missing else interpolate(ref.word, env)
    return value or ""


def strings(data) -> Iterator[str]:
    """Every string value in a loaded compose file (compose interpolates values, not keys)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, Mapping):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def interpolated(data, env: Mapping[str, str]):
    """A copy of loaded compose data with every string value interpolated."""
    if isinstance(data, str):
        return interpolate(data, env)
    if isinstance(data, Mapping):
        return {key: interpolated(value, env) for key, value in data.items()}
    if isinstance(data, list):
        return [interpolated(value, env) for value in data]
    return data


def as_json(data) -> str:
    """Loaded YAML as JSON (what check-jsonschema is given for an interpolated file)."""
    return json.dumps(data, indent=1, default=str)


# --- services ---------------------------------------------------------------------------------

def environment(service: Mapping) -> dict[str, str]:
    """A service's environment as a dict, whichever of compose's two spellings it uses."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.partition("=")[::2] for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def depends_on(service: Mapping) -> dict[str, dict]:
    """A service's dependencies in the long form: {name: {condition, required, ...}}."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: {"condition": "service_started"} for name in deps}
    return {name: dict(spec or {}) for name, spec in deps.items()}


def enabled(base: Mapping, override: Mapping | None = None,
            active_profiles: frozenset[str] = frozenset()) -> set[str]:
    """The services `docker compose up` starts: those whose profiles (an override's list is
    added to the base's) are none, or include an active one."""
    services = set()
    for name, service in base["services"].items():
        profiles = list(service.get("profiles") or [])
        if override:
            profiles += (override.get("services", {}).get(name) or {}).get("profiles") or []
        if not profiles or active_profiles & set(profiles):
            services.add(name)
    return services


# --- Dockerfile -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword (upper case), its text, its build stage."""

    keyword: str
    text: str
    stage: int

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form CMD/ENTRYPOINT/HEALTHCHECK CMD, else None."""
        start = self.text.find("[")
        if start == -1:
            return None
        return json.loads(self.text[start:])

    def words(self) -> list[str]:
        return shlex.split(self.text)


def dockerfile(path: Path = DOCKERFILE) -> list[Instruction]:
    """The instructions, with line continuations joined and comments dropped."""
    instructions, stage, pending = [], -1, ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = (pending + line).strip(), ""
        keyword, _, text = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, text.strip(), stage))
    return instructions


def image_env(instructions: list[Instruction]) -> dict[str, str]:
    """ENV of the final stage, `ENV A=1 B=2` form."""
    final = max(i.stage for i in instructions)
    env = {}
    for instruction in instructions:
        if instruction.keyword == "ENV" and instruction.stage == final:
            for word in instruction.words():
                key, _, value = word.partition("=")
                env[key] = value
    return env


# --- .dockerignore ----------------------------------------------------------------------------

def _pattern_regex(pattern: str) -> re.Pattern:
    """Docker's pattern syntax (Go's filepath.Match plus `**`) as a regex on a relative path."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


class DockerIgnore:
    """The rules of a .dockerignore: the last matching rule wins; a rule matching a directory
    covers everything under it; `!` lets a path back in."""

    def __init__(self, path: Path = DOCKERIGNORE):
        self.rules = []
        for line in path.read_text().splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = line[1:].strip() if negated else line
            pattern = pattern.strip("/").removeprefix("./")
            self.rules.append((negated, pattern, _pattern_regex(pattern)))

    def ignored(self, relative: str) -> bool:
        parts = relative.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        result = False
        for negated, _, regex in self.rules:
            if any(regex.match(prefix) for prefix in prefixes):
                result = not negated
        return result

    def context(self, root: Path = ROOT) -> set[str]:
        """The files `docker build` sends from `root`, as relative paths."""
        files = set()
        reopening = any(neg and "**" in pattern for neg, pattern, _ in self.rules)
        for path in sorted(root.iterdir()):
            files |= self._walk(root, path, reopening)
        return files

    def _walk(self, root: Path, path: Path, reopening: bool) -> set[str]:
        relative = path.relative_to(root).as_posix()
        if path.is_dir() and not path.is_symlink():
            # An ignored directory can be skipped unless some `!` rule could reach inside it.
            if self.ignored(relative) and not reopening and not any(
                    neg and pattern.startswith(relative + "/") for neg, pattern, _ in self.rules):
                return set()
            found = set()
            for child in sorted(path.iterdir()):
                found |= self._walk(root, child, reopening)
            return found
        return set() if self.ignored(relative) else {relative}

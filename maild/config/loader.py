"""Reading one YAML file with the line of every key, so that each problem is reported as
`file:line: path.to.key: message`, and reading secrets from their sources (never the YAML)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from maild import defaults
from maild.errors import ConfigError


class _LenientConstructor(RoundTripConstructor):
    """Dates stay text, so pydantic checks them and the error names the key (`2026-02-30`); a
    value its explicit tag cannot build (`!!int x`) is a YAML error at its line."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        return self.construct_scalar(node)

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            raise ConstructorError(None, None, f"cannot read {node.tag} value: {exc}",
                                   node.start_mark) from None


_LenientConstructor.add_constructor("tag:yaml.org,2002:timestamp",
                                    _LenientConstructor.construct_yaml_timestamp)


def _load_yaml(path: Path, text: str) -> Any:
    """The round-trip document (with line numbers), `{}` for an empty file; ConfigError else."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _LenientConstructor
    try:
        doc = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError([f"{path}:{line}: {exc.problem or exc.context}"]) from None
    except ReaderError as exc:  # control characters the YAML spec forbids
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
        line = text[:max(text.find(chr(code)), 0)].count("\n") + 1
        raise ConfigError([f"{path}:{line}: character U+{code:04X} is not allowed in YAML"]) \
            from None
    except (YAMLError, RecursionError) as exc:
        raise ConfigError([f"{path}:1: not readable YAML: {exc}"]) from None
    return {} if doc is None else doc


class Source:
    """One YAML file and its parsed document, able to name the line of any key path."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc: Any = None

    def read(self) -> Any:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise ConfigError([f"{self.path}:1: cannot read: {exc.strerror}"]) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[:exc.start].count(b"\n") + 1
            raise ConfigError([f"{self.path}:{line}: not UTF-8 text (byte {exc.start})"]) from None
        self.doc = _load_yaml(self.path, text)
        return self.doc

    def error(self, loc: tuple[Any, ...], message: str) -> str:
        """`file:line: a.b.c: message` for the deepest part of `loc` present in the document."""
        node, line, path = self.doc, 1, []
        for part in loc:
            position = self._position(node, part)
            if position is None:
                if isinstance(part, str) and not path_is_type_tag(part):
                    path.append(part)
                break
            line = position + 1
            path.append(str(part))
            node = node[part]
        key = ".".join(path)
        return f"{self.path}:{line}: {key + ': ' if key else ''}{message}"

    @staticmethod
    def _position(node: Any, part: Any) -> int | None:
        # Keys brought in by a merge (`<<: *anchor`) have no line of their own here.
        try:
            if isinstance(node, dict) and part in node and hasattr(node, "lc"):
                return int(node.lc.key(part)[0])
            if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node) \
                    and hasattr(node, "lc"):
                return int(node.lc.item(part)[0])
        except (KeyError, TypeError, IndexError):
            pass
        return None


def path_is_type_tag(part: str) -> bool:
    """Pydantic puts union member names (`str`, `list[str]`) into error locations: not keys."""
    return "[" in part or part in {"str", "int", "bool", "float",
                                   "function-after", "function-before"}


def validate(model: type[BaseModel], source: Source, errors: list[str],
             context: dict[str, Any] | None = None) -> Any:
    """The validated model, or None with the file's problems added to `errors`."""
    try:
        return model.model_validate(source.read(), context=context)
    except ConfigError as exc:
        errors.extend(exc.messages)
    except ValidationError as exc:
        errors.extend(source.error(e["loc"], _message(e)) for e in exc.errors())
    return None


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    return str(error["msg"]).removeprefix("Value error, ")


def read_secret(base: Path, file: str | None, env: str | None, credential: str | None,
                credentials_dir: str = defaults.CREDENTIALS_DIR) -> str | None:
    """A secret from the environment, a file (relative to `base`), or a credential: from
    $CREDENTIALS_DIRECTORY under systemd, else from `credentials_dir` (relative to `base`)."""
    if env:
        if env not in os.environ:
            raise ConfigError([f"environment variable {env} is not set"])
        return os.environ[env]
    if credential:
        return _read_credential(base, credential, credentials_dir)
    if not file:
        return None
    try:
        return (base / file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError([f"cannot read secret {file}: {exc.strerror}"]) from None
    except ValueError as exc:  # not UTF-8, or a NUL in the name
        raise ConfigError([f"cannot read secret {file}: {exc}"]) from None


def credential_folders(base: Path, credentials_dir: str) -> list[Path]:
    """Where a credential is looked for: systemd's folder when set, else the configured one."""
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    return [Path(directory)] if directory else [base / credentials_dir]


def _read_credential(base: Path, name: str, credentials_dir: str) -> str:
    if "/" in name or name in ("", ".", ".."):
        raise ConfigError([f"credential {name!r}: a credential is a plain file name"])
    folders = credential_folders(base, credentials_dir)
    for folder in folders:
        try:
            return (folder / name).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise ConfigError([f"cannot read credential {folder / name}: "
                               f"{getattr(exc, 'strerror', None) or exc}"]) from None
    source = ("$CREDENTIALS_DIRECTORY" if os.environ.get("CREDENTIALS_DIRECTORY")
              else "credentials_dir (no $CREDENTIALS_DIRECTORY)")
    tried = ", ".join(str(f) for f in folders)
    raise ConfigError([f"credential {name!r} not found in {tried} ({source})"])


"""What the deploy guide (docs/deploy.md) and its files (deploy/) name, read the way an operator
would read them: the variables, the `beacon` commands, the repository paths, nginx's blocks.
tests/unit/test_deploy_guide.py checks each against the code."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.project import ROOT

GUIDE = ROOT / "docs" / "deploy.md"
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "beacon.env.example"
UNITS = (DEPLOY / "systemd" / "beacon-web.service", DEPLOY / "systemd" / "beacon-worker.service")
PROCFILE = DEPLOY / "Procfile"
NGINX = DEPLOY / "nginx" / "beacon.conf"
CADDYFILE = DEPLOY / "caddy" / "Caddyfile"
INSTALL_ROOT = "/srv/beacon"  # where the guide installs the checkout on each host

# What `make setup` and the first start create in the checkout: named by the guide, not in git.
MADE_BY_SETUP = (".venv", ".tools", ".cache", ".web", "data")


def deploy_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.is_file())


def texts() -> dict[Path, str]:
    """The guide and every file under deploy/, by path."""
    return {path: path.read_text() for path in [GUIDE, *deploy_files()]}


VARIABLE = re.compile(r"\b(?:BEACON|REFLEX|GRANIAN)_[A-Z0-9_]*[A-Z0-9]\b")


def variables() -> dict[str, set[Path]]:
    """Every BEACON_ / REFLEX_ / GRANIAN_ name, and the files that name it."""
    found: dict[str, set[Path]] = {}
    for path, text in texts().items():
        for name in VARIABLE.findall(text):
            found.setdefault(name, set()).add(path)
    return found


def env_example() -> dict[str, str]:
    """deploy/beacon.env.example's KEY=VALUE lines (systemd EnvironmentFile syntax, no quoting used)."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _code(text: str) -> Iterator[str]:
    """Inline code spans and fenced code blocks' lines of a Markdown text."""
    fenced = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
    for block in fenced.findall(text):
        yield from block.splitlines()
    for span in re.findall(r"`([^`]+)`", fenced.sub("", text)):
        yield " ".join(span.split())  # a span may wrap across lines


# `beacon` where a shell command starts: a line, after ; && || | ( or a quote, after `exec`, or
# as a path (.venv/bin/beacon). Not an argument (`sudo -u beacon`, `useradd ... beacon`).
_COMMAND = re.compile(r"(?:^\s*|[;&|('(]\s*|\bexec\s+|/bin/)beacon((?:\s+[^\s;'&|)`]+)*)")


def beacon_commands() -> list[tuple[Path, list[str]]]:
    """Every `beacon ...` invocation in the guide's code and in the units and the Procfile, as
    argument lists (`beacon` itself left out), cut at the first placeholder or shell operator."""
    sources: list[tuple[Path, str]] = [(GUIDE, line) for line in _code(GUIDE.read_text())]
    for path in (*UNITS, PROCFILE):
        sources += [(path, line) for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    commands = []
    for path, line in sources:
        for match in _COMMAND.finditer(line):
            words = shlex.split(match.group(1).split("#", 1)[0], posix=True) if match.group(1).strip() else []
            if words:
                commands.append((path, words))
    return commands


_REPO_PATH = re.compile(r"(?<![\w./-])((?:app|deploy|docs|scripts|tests|bench)/[\w./-]*[\w/])")
_LINK = re.compile(r"\]\((\.\./[^)#\s]+|[\w-]+\.md)(?:#[^)]*)?\)")


def repository_paths() -> set[str]:
    """Paths in the repository the guide and the deploy files name: `app/...`, `deploy/...` and
    the like, Markdown links, and what lies under /srv/beacon/ (the checkout on each host)."""
    found: set[str] = set()
    for path, text in texts().items():
        found.update(_REPO_PATH.findall(text))
        for link in _LINK.findall(text):
            found.add(str((path.parent / link).resolve().relative_to(ROOT)))
        for under in re.findall(re.escape(INSTALL_ROOT) + r"/([\w./-]*[\w/])", text):
            found.add(under)
    return {p.rstrip("/") for p in found if p.split("/", 1)[0] not in MADE_BY_SETUP}


# --- nginx -----------------------------------------------------------------------------------

@dataclass
class Block:
    """One `name args { ... }` block of an nginx file: its own directives and its sub-blocks."""

    name: str
    args: tuple[str, ...]
    directives: list[tuple[str, ...]]
    blocks: list[Block]

    def find(self, name: str, *args: str) -> list[Block]:
        return [b for b in self.blocks if b.name == name and (not args or b.args == args)]

    def values(self, name: str) -> list[tuple[str, ...]]:
        return [d[1:] for d in self.directives if d[0] == name]


def _nginx_tokens(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        yield from re.findall(r"'[^']*'|\"[^\"]*\"|[{};]|[^\s{};]+", line)


def parse_nginx(text: str) -> Block:
    """A small reader of nginx's syntax (directives end in `;`, blocks in `{}`), enough to check
    what the file sets where; `nginx -t` checks the syntax itself."""
    root = Block("", (), [], [])
    stack, words = [root], []
    for token in _nginx_tokens(text):
        if token == "{":
            block = Block(words[0], tuple(words[1:]), [], [])
            stack[-1].blocks.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            stack.pop()
        elif token == ";":
            stack[-1].directives.append(tuple(words))
            words = []
        else:
            words.append(token)
    return root

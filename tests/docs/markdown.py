"""Reading README.md and docs/**/*.md for the docs tests: the files, their links, their heading
anchors (GitHub's slugs) and the run commands they show."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([\w+-]*)")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^()\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+(\S+)", re.M)
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"", re.I)
SHELL_BLOCKS = {"bash", "sh", "shell", "console"}
RUNNERS = ("run.py",)


def doc_files(repo: Path = REPO) -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [repo / "README.md", *sorted((repo / "docs").rglob("*.md"))]


def rel(path: Path, repo: Path = REPO) -> str:
    return str(path.relative_to(repo))


@dataclass(frozen=True)
class Piece:
    """A stretch of a Markdown file: prose (links and code spans) or a fenced block."""

    line: int  # 1-based line of its first line
    text: str
    fence: str | None  # the block's info string ("bash", ""), None for prose


def pieces(text: str) -> list[Piece]:
    """Split a Markdown text into prose stretches and fenced code blocks."""
    out, buf, start, fence, info = [], [], 1, None, ""
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if fence is None and m:
            if buf:
                out.append(Piece(start, "\n".join(buf), None))
            buf, start, fence, info = [], n + 1, m.group(2), m.group(3).lower()
        elif fence is not None and line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            out.append(Piece(start, "\n".join(buf), info))
            buf, start, fence = [], n + 1, None
        else:
            buf.append(line)
    if buf:
        out.append(Piece(start, "\n".join(buf), info if fence is not None else None))
    return out


def _line_of(piece: Piece, offset: int) -> int:
    return piece.line + piece.text.count("\n", 0, offset)


def links(text: str) -> list[tuple[int, str]]:
    """(line, target) of every inline, image and reference link outside code."""
    found = []
    for piece in pieces(text):
        if piece.fence is not None:
            continue
        prose = CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), piece.text)
        for pattern in (LINK, REF_LINK):
            found += [(_line_of(piece, m.start()), m.group(1)) for m in pattern.finditer(prose)]
    return sorted(found)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text without Markdown, lower case, punctuation
    other than '-' and '_' dropped, each space a '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every anchor a link may name in this file (duplicates numbered as GitHub does)."""
    seen: dict[str, int] = {}
    names = set(HTML_ANCHOR.findall(text))
    for piece in pieces(text):
        if piece.fence is not None:
            continue
        for line in piece.text.splitlines():
            m = HEADING.match(line)
            if not m:
                continue
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            names.add(base if n == 0 else f"{base}-{n}")
    return names


@dataclass(frozen=True)
class Command:
    """A run command shown in the docs, as Hydra's argv."""

    file: str
    line: int
    text: str  # as written (continuations joined)
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()  # variables exported before it or set on its line

    def where(self) -> str:
        return f"{self.file}:{self.line}: {self.text}"


PLACEHOLDER = re.compile(r"<[^<>\n]*>|\.\.\.|…|\bARGS\b|\bPATH\b")


def commands(path: Path, repo: Path = REPO) -> tuple[list[Command], list[str]]:
    """The run commands of one file: every `python run.py ...`, `recexp run|sweep ...`,
    `accelerate launch ... run.py ...` and `torchrun ... run.py ...` in a shell block or an inline
    code span; returns them and the ones skipped for a placeholder (`<dir>`, `...`, `ARGS`).
    Shell variables set in a block (`DM="..."`) apply to the rest of the file; `seed=N` is seed 1."""
    found, skipped, env = [], [], {}
    for piece in pieces(path.read_text()):
        if piece.fence is None:
            lines = [(_line_of(piece, m.start()), " ".join(m.group(2).split()))
                     for m in CODE_SPAN.finditer(piece.text)]
        elif piece.fence in SHELL_BLOCKS:
            lines = _shell_lines(piece)
        else:
            continue  # output and error examples: not commands to compose
        for line, cmd in lines:
            for part in re.split(r"\s*(?:&&|;)\s*", cmd):
                own: dict[str, str] = {}
                argv = _hydra_argv(part, env, own)
                if argv is None:
                    continue
                where = f"{rel(path, repo)}:{line}: {part}"
                if any(PLACEHOLDER.search(a) for a in argv):
                    skipped.append(where)
                else:
                    found.append(Command(rel(path, repo), line, part, tuple(argv), tuple({**exported(env), **own}.items())))
    return found, skipped


def _shell_lines(piece: Piece) -> list[tuple[int, str]]:
    """A shell block's command lines, backslash continuations joined, comments dropped."""
    out, buf, first = [], "", None
    for n, line in enumerate(piece.text.splitlines(), piece.line):
        first = n if first is None else first
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        joined = (buf + line).strip()
        buf = ""
        if joined and not joined.startswith("#"):
            out.append((first, " ".join(re.sub(r"\s+#\s.*$", "", joined).split())))
        first = None
    return out


def exported(env: dict[str, str]) -> dict[str, str]:
    return {k[len("export "):]: v for k, v in env.items() if k.startswith("export ")}


def _hydra_argv(command: str, env: dict[str, str], own: dict[str, str]) -> list[str] | None:
    """Hydra's argv for a run command (None if it is not one); records `NAME=value` lines in env
    (`export NAME=value` as 'export NAME'), and a command's own `NAME=value` prefixes in own."""
    from recexp.cli import hydra_argv

    command = re.sub(r"<([^<>]*)>", lambda m: "<" + "_".join(m.group(1).split()) + ">", command)  # one token
    command = re.sub(r"\$(\w+)|\$\{(\w+)\}", lambda m: env.get(m.group(1) or m.group(2), m.group(0)), command)
    try:
        tokens = shlex.split(command)
    except ValueError:
        return None
    if tokens[:1] == ["export"]:
        env.update((f"export {t.split('=', 1)[0]}", t.split("=", 1)[1]) for t in tokens[1:] if "=" in t)
        return None
    while tokens and re.fullmatch(r"\w+=.*", tokens[0]):  # NAME=value prefixes
        name, value = tokens.pop(0).split("=", 1)
        (own if tokens else env)[name] = value
    while tokens and tokens[0] in ("time", "/usr/bin/time", "nohup", "env"):
        tokens.pop(0)
    if len(tokens) >= 2 and tokens[0] == "recexp" and tokens[1] in ("run", "sweep"):
        args = hydra_argv(tokens[1], tokens[2:])
    elif any(t.endswith(RUNNERS) for t in tokens[:8]) and tokens and tokens[0] in (
            "python", "python3", "accelerate", "torchrun", "run.py", "./run.py"):
        args = tokens[next(i for i, t in enumerate(tokens) if t.endswith(RUNNERS)) + 1:]
    else:
        return None
    return [re.sub(r"^seed=N$", "seed=1", a) for a in args]

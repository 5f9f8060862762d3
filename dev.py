#!/usr/bin/env python3
"""Set up paramsbot in ./.venv and run it or its tests: the README's two commands.

    python3 dev.py explain "what is a bias"   # set up, then answer (any explain arguments)
    python3 dev.py test [pytest args]         # set up with test tools, then run the suite

Only the standard library is used here, because this runs before anything is installed.
Every install goes through constraints.txt, which pins the CPU build of torch.
A stamp file skips the install when pyproject.toml and constraints.txt are unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _say(message: str) -> None:
    print(f"dev.py: {message}", file=sys.stderr, flush=True)


def _fingerprint(extras: str) -> str:
    digest = hashlib.sha256(extras.encode())
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def setup(extras: str = "") -> None:
    """Create .venv if needed and install paramsbot (editable) with the pinned CPU torch."""
    if sys.version_info < (3, 11):
        sys.exit("dev.py: paramsbot needs Python 3.11 or newer")
    if not PYTHON.exists():
        _say(f"creating virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".paramsbot-installed{('-' + extras) if extras else ''}"
    wanted = _fingerprint(extras)
    if stamp.exists() and stamp.read_text() == wanted:
        return
    target = f".[{extras}]" if extras else "."
    _say(f"installing paramsbot{target[1:]} (CPU torch from constraints.txt); first time takes a minute or two")
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(ROOT / "constraints.txt"), "-e", target],
        cwd=ROOT, check=True,
    )
    stamp.write_text(wanted)


#: How each package manager installs tmux, which tests/test_tui_tmux.py runs the real app in.
TMUX_INSTALLS = (
    (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "tmux"]),
    (["dnf", "install", "-y", "tmux"],),
    (["brew", "install", "tmux"],),
)


def system_tools() -> None:
    """Install tmux with the system's package manager when it is missing (as root, or with sudo
    that needs no password). Without it the terminal tests skip, and fail when $CI is set."""
    if shutil.which("tmux"):
        return
    for steps in TMUX_INSTALLS:
        if shutil.which(steps[0][0]) is None:
            continue
        as_root = steps[0][0] == "brew" or not hasattr(os, "geteuid") or os.geteuid() == 0
        _say("installing tmux for the terminal tests")
        for step in steps:
            command = step if as_root else ["sudo", "-n", *step]
            if subprocess.call(command, stdin=subprocess.DEVNULL) != 0:
                break
        break
    if not shutil.which("tmux"):
        _say("tmux is missing and could not be installed: install it to run the terminal tests")


def _run(argv: list[str]) -> int:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.call(argv, cwd=ROOT if argv[1:2] == ["-m"] else None, env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"explain", "test", "setup"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "test":
            setup("test")
            system_tools()
            return _run([str(PYTHON), "-m", "pytest", *rest])
        setup()
        if command == "setup":
            return 0
        return _run([str(BIN / "explain"), *rest])
    except subprocess.CalledProcessError as error:
        _say(f"set-up failed ({error}); see the pip output above")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

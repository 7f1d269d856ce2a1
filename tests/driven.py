"""Drive the real `ghafmemgen` in a subprocess and act at one moment inside it.

The moments are reached without a test seam in the code: the child runs the real entry point
under an audit hook (sys.addaudithook) that stops the process (SIGSTOP) at the n-th rename or
temporary file, so a test can signal it, kill it, edit a file or start a second command right
there, as an unlucky user or an attacker would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SET = (
    "appvm-base.nix",
    "host-swap.json",
    "host-swap.nix",
    "memory-plan.json",
    "vm-config.nix",
    "vm-swap.nix",
)

# The child: the real `ghafmemgen` entry point, with an audit hook that acts at the n-th
# event of one kind. "stop" stops the process there (the parent continues it); "plant" puts
# a symbolic link at the very name of a temporary file about to be created, as an attacker
# who guessed it would.
DRIVER = r"""
import json, os, signal, sys
cfg = json.loads(sys.argv[1])
seen = [0]

def matches(event, args):
    if cfg["on"] == "rename":
        return event == "os.rename"
    if event != "open" or not isinstance(args[0], str) or not isinstance(args[2], int):
        return False
    creating = args[2] & os.O_CREAT
    if cfg["on"] == "temporary":
        return bool(creating) and (args[0].endswith(".ghafmemgen-tmp") or args[0] in cfg["names"])
    return False

def hook(event, args):
    if not matches(event, args):
        return
    seen[0] += 1
    if seen[0] != cfg["nth"]:
        return
    if cfg["do"] == "stop":
        os.kill(os.getpid(), signal.SIGSTOP)
    elif cfg["do"] == "plant":
        os.symlink(cfg["victim"], os.path.join(cfg["folder"], args[0]))

sys.addaudithook(hook)
sys.argv = ["ghafmemgen", *sys.argv[2:]]
from ghafmemgen.cli import main
main()
"""


@dataclass(frozen=True, slots=True)
class Run:
    code: int  # negative: killed by that signal
    stdout: str
    stderr: str
    reached: bool  # the n-th event happened


def drive(
    args: list[str | Path],
    *,
    on: str,
    nth: int,
    do: str = "stop",
    when_stopped: Callable[[int], None] = lambda pid: None,
    names: tuple[str, ...] = SET,
    cwd: Path | None = None,
    ignore_hup: bool = False,
    **extra: str,
) -> Run:
    """Run ghafmemgen `args`; at the `nth` event `on` ("rename" or "temporary"), `do` it;
    a stopped child is handed to `when_stopped(pid)`, then continued."""
    cfg = {"on": on, "nth": nth, "do": do, "names": list(names), **extra}
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, json.dumps(cfg), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        preexec_fn=(lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN)) if ignore_hup else None,
    )
    reached = do != "stop"
    if do == "stop":
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            reached = True
            when_stopped(proc.pid)
            os.kill(proc.pid, signal.SIGCONT)
        else:  # it ended without reaching the event
            out, err = proc.communicate(timeout=60)
            code = os.waitstatus_to_exitcode(status)
            return Run(code, out, err, reached=False)
    out, err = proc.communicate(timeout=120)
    return Run(proc.returncode, out, err, reached=reached)


def ghafmemgen(*args: str | Path, cwd: Path | None = None) -> Run:
    proc = subprocess.run(
        [sys.executable, "-m", "ghafmemgen", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr, reached=True)

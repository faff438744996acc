"""Stops a stack when the process that started it dies (pytest killed with SIGKILL/SIGTERM).

``python -m devstack.watchdog PARENT_PID STATE_DIR``; started by ``stack.up(watch_pid=...)``,
stopped by ``stack.down``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from devstack import stack

NAME = stack.WATCHDOG  # its pid file and log in the state directory


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main(argv: list[str]) -> int:
    parent, state_dir = int(argv[0]), Path(argv[1])
    while alive(parent) and os.getppid() == parent:
        time.sleep(0.5)
    stack.down(state_dir, include_watchdog=False)
    (state_dir / f"{NAME}.pid").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

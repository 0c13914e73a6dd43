"""Several real processes on the test database at once, started together (PostgreSQL tests).

Each process runs `script` (Python source) with Django set up on the test database by the script
itself: its argv is [database name, *arguments]. It prints "ready" once connected, waits for "go"
on stdin, does its work and prints its result on stdout. All are connected before any starts, so
they really run side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from django.conf import settings
from django.db import connection


def run_together(script: str, arguments: Sequence[Sequence[str]], *, timeout: float) -> list[str]:
    """Start one process per entry of `arguments`, let them go at once; their stdout, in order.

    Fails (AssertionError naming the stderr) when one does not get ready or exits with an error.
    """
    command = [sys.executable, "-c", script, connection.settings_dict["NAME"]]
    processes = [
        subprocess.Popen(
            [*command, *map(str, args)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE},
        )
        for args in arguments
    ]
    try:
        for process in processes:
            assert process.stdout.readline() == "ready\n", process.communicate(timeout=30)[1]
        for process in processes:  # all connected: start them together
            process.stdin.write("go\n")
            process.stdin.flush()
        results = [process.communicate(timeout=timeout) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [process.returncode for process in processes] == [0] * len(processes), [
        err for _out, err in results
    ]
    return [out for out, _err in results]

"""Parts of an answer worked out in other processes while this one goes on.

A report's trade flows and its charts each read the ledger on their own, and each costs seconds on a
large ledger. Handed to processes of their own (`python -m ledger.aside`: fresh interpreters, which
inherit neither this one's database connections nor its main module), they run on the machine's
other cores beside the rest of the report. Where no other process can reach the ledger (one in
memory, or a read-only ledger whose read model lives in this process's scratch file) or there is no
other core, a part is worked out here when it is asked for.
"""

from __future__ import annotations

import functools
import os
import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ledger.application import Ledger

T = TypeVar("T")


def start(ledger: Ledger, work: Callable[..., T], *args: Any) -> Callable[[], T]:
    """Start `work(ledger, *args)` (a function of a module, its arguments and answer picklable) and
    give what answers it when called."""
    if ledger.read_only or ledger.store.backend.name == "memory" or (os.cpu_count() or 1) < 2:
        return functools.partial(work, ledger, *args)
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger.aside"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert process.stdin is not None
    process.stdin.write(pickle.dumps((ledger.store.backend.address, work, args)))
    process.stdin.close()
    process.stdin = None  # all said: the part's answer waits in its pipe until asked for
    return functools.partial(_answer, process)


def _answer(process: subprocess.Popen[bytes]) -> Any:
    out, err = process.communicate()
    if process.returncode != 0 or not out:
        raise RuntimeError(f"a part of the answer worked out aside failed: {err.decode(errors='replace').strip()}")
    failed, value = pickle.loads(out)
    if failed:
        raise value
    return value


def _main() -> None:
    from ledger.application import Ledger
    from ledger.collector import collector_paused

    address, work, args = pickle.loads(sys.stdin.buffer.read())
    ledger = Ledger(address, create=False)
    try:
        with collector_paused():  # a part is bulk work, as the answer it is part of
            answer: tuple[bool, Any] = (False, work(ledger, *args))
    except Exception as error:  # handed back, to be raised where the part was asked for
        answer = (True, error)
    finally:
        ledger.close()
    sys.stdout.buffer.write(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    _main()

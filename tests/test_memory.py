"""A worker keeps the memory it frees (web/memory.py): an array made again after one of its
size was freed reuses pages the process has, instead of faulting in fresh ones."""

from __future__ import annotations

import subprocess
import sys

import pytest

from web import memory

PROBE = """
import resource, sys
import numpy as np
sys.path.insert(0, {root!r})
if {keep}:
    from web.memory import keep_freed_memory
    assert keep_freed_memory()
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(2):  # the first round settles the heap
    before = faults()
    a = np.ones(20_000_000 // 8)
    del a
    after = faults()
print(after - before)
"""


def _faults(keep: bool) -> int:
    from pathlib import Path

    root = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(root=root, keep=keep)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


@pytest.mark.slow
def test_a_freed_array_s_pages_are_reused_not_faulted_in_again():
    if not memory.keep_freed_memory():
        pytest.skip("no glibc mallopt on this system")
    kept, default = _faults(keep=True), _faults(keep=False)
    assert kept < 50, kept  # the 20 MB came from pages the process already had
    # glibc's own: a fresh mmap of 20 MB, faulted in again (in huge pages where the kernel
    # gives them: a few hundred faults rather than 5.000)
    assert default > 200, default

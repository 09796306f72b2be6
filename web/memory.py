"""How a worker process keeps the memory it frees (glibc's malloc, `mallopt(3)`).

A worker rebuilds part of its dataset after every accepted return: a few hundred megabytes of
arrays at national scale, freed as the next ones are made. By default glibc gives arrays over
a threshold their own `mmap` and returns freed memory at the top of its heap to the system, and
each request thread gets its own arena; so every refresh touched fresh pages (15.000-18.000
page faults, about a third of the overview's time after an upload, measured with `python
app.py` on the national set). Here the process keeps one arena, takes arrays up to 32 MB from
it and keeps what it frees (up to 1 GB at the top of the heap): the next refresh reuses pages
it already has. The resident memory then stays near its peak instead of falling back between
uploads; the peak itself does not move.

Elsewhere than glibc (no `mallopt`) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util

# mallopt(3) parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's greatest on 64-bit systems
TRIM_THRESHOLD = 1024 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set the process's malloc as the module says, before it serves; whether it was (False
    where the C library has no `mallopt`)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        libc = None
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    settings = (
        (M_ARENA_MAX, 1),
        (M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
    )
    return all(mallopt(param, value) == 1 for param, value in settings)

"""Names the machine a benchmark ran on, for bench/RESULTS.md."""

from __future__ import annotations

import os
import platform


def describe() -> str:
    """`2-core Intel(R) Xeon(R) ..., 24 GiB, Python 3.11.7, torch 2.13.0+cpu`."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages * size / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    extra = ""
    try:
        import torch

        extra = f", torch {torch.__version__}"
    except ImportError:
        pass
    return f"{os.cpu_count()}-core {cpu}{mem}, Python {platform.python_version()}{extra}"

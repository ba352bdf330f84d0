"""What deadline a process is waiting with, read from the kernel instead of waited out: a
process asleep in rt_sigtimedwait(set, info, timeout) shows the call and its arguments in
/proc/PID/syscall, and the timeout it passed can be read from /proc/PID/mem (root)."""
import os
import platform
import struct

from harness import wait_until

# rt_sigtimedwait per architecture: number -> layout of the timespec it takes. 32-bit
# systems have the old call (32-bit fields) and the time64 one (421).

_WAITS = {
    "x86_64": {128: "qq"},
    "aarch64": {137: "qq"}, "riscv64": {137: "qq"}, "loongarch64": {137: "qq"},
    "ppc64le": {176: "qq"}, "ppc64": {176: "qq"}, "s390x": {177: "qq"},
    "armv7l": {177: "ii", 421: "qq"}, "armv6l": {177: "ii", 421: "qq"},
    "i686": {177: "ii", 421: "qq"}, "i386": {177: "ii", 421: "qq"},
}


def _sample(pid, calls):
    try:
        with open(f"/proc/{pid}/syscall") as f:
            fields = f.read().split()
    except OSError:
        return None
    if not fields or not fields[0].isdigit() or int(fields[0]) not in calls:
        return None  # running, or in another call (briefly, on the way back to its wait)
    return calls[int(fields[0])], int(fields[3], 16)


def blocked_wait_timeout(pid, timeout=20.0):
    """Waits until pid sleeps in rt_sigtimedwait; returns the timeout it passed in
    seconds, or None when it waits with no timeout at all."""
    calls = _WAITS.get(platform.machine())
    assert calls, f"rt_sigtimedwait's number on {platform.machine()} is not known here"
    layout, address = wait_until(lambda: _sample(pid, calls), timeout=timeout,
                                 what=f"pid {pid} to wait for signals")
    if address == 0:
        return None
    fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    try:
        raw = os.pread(fd, struct.calcsize(layout), address)
    finally:
        os.close(fd)
    seconds, nanoseconds = struct.unpack(layout, raw)
    return seconds + nanoseconds / 1e9

#!/usr/bin/python3
# What a pooler costs the machine, read from /proc: CPU seconds of a process and all its
# descendants (pgpool-II forks a child per client), and a process's resident memory.
import os
import sys

TICKS = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    """Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses)."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()


def tree_cpu_seconds(root):
    """utime+stime of root and its live descendants, plus cutime+cstime of each of them: a child
    that exited and was reaped hands its time to its parent, so nothing is lost or counted twice."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid = int(stat_fields(entry)[1])
        except (OSError, ValueError, IndexError):
            continue  # exited while we looked
        children.setdefault(ppid, []).append(int(entry))
    ticks, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            f = stat_fields(pid)
        except OSError:
            continue
        ticks += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        todo.extend(children.get(pid, []))
    return ticks / TICKS


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise LookupError(f"no VmRSS for pid {pid}")


def main(argv):
    if len(argv) != 3 or argv[1] not in ("cpu", "rss"):
        sys.exit("usage: proc.py cpu|rss PID")
    pid = int(argv[2])
    print(f"{tree_cpu_seconds(pid):.2f}" if argv[1] == "cpu" else rss_kib(pid))


if __name__ == "__main__":
    main(sys.argv)

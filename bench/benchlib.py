"""benchlib.py - what the benchmark scripts share: percentiles of a sample
and a process's resident memory, read from /proc."""


def pct(values, p, empty=None):
    """The p-th percentile (nearest rank) of `values`; `empty` if none."""
    if not values:
        return empty
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def rss_kib(pid):
    """Resident set size of process `pid` in KiB (VmRSS), 0 if unknown."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0

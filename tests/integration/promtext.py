"""promtext: a strict reader of the Prometheus text exposition format 0.0.4,
for the tests of GET /metrics (test_cloud_metrics.py).

    families = parse(text)        # raises ValueError naming the line
    families["gfcloud_sessions"].type, .help, .samples
    value(families, "gfcloud_sign_ins_total", outcome="ok")

What it insists on, beyond the format's grammar: every sample belongs to a
family whose ``# TYPE`` came first, and each family's lines are together;
no family is declared twice and no sample appears twice; counter names end
in ``_total``; a histogram's buckets, per label set, rise in ``le``, are
cumulative, end with ``le="+Inf"`` equal to ``_count``, and have a
``_sum``; the text ends with a newline.
"""

import math
import re

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class Family:
    def __init__(self, name, mtype):
        self.name = name
        self.type = mtype
        self.help = None
        self.samples = []  # (name, {labels}, value)


def _float(text, where):
    if text in ("+Inf", "Inf"):
        return math.inf
    if text == "-Inf":
        return -math.inf
    if text == "NaN":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise ValueError("%s: not a number: %r" % (where, text))


def _labels(text, where):
    """The {...} part (without braces) as a dict; strict escapes."""
    out = {}
    i = 0
    while i < len(text):
        eq = text.find("=", i)
        if eq < 0:
            raise ValueError("%s: label without '='" % where)
        name = text[i:eq]
        if not LABEL.match(name):
            raise ValueError("%s: bad label name %r" % (where, name))
        if name in out:
            raise ValueError("%s: label %s twice" % (where, name))
        if eq + 1 >= len(text) or text[eq + 1] != '"':
            raise ValueError("%s: label value not quoted" % where)
        j = eq + 2
        val = []
        while True:
            if j >= len(text):
                raise ValueError("%s: unterminated label value" % where)
            ch = text[j]
            if ch == "\\":
                nxt = text[j + 1:j + 2]
                if nxt not in ("\\", '"', "n"):
                    raise ValueError("%s: bad escape \\%s" % (where, nxt))
                val.append("\n" if nxt == "n" else nxt)
                j += 2
                continue
            if ch == '"':
                break
            if ch == "\n":
                raise ValueError("%s: newline in a label value" % where)
            val.append(ch)
            j += 1
        out[name] = "".join(val)
        j += 1
        if j < len(text):
            if text[j] != ",":
                raise ValueError("%s: expected ',' between labels" % where)
            j += 1
        i = j
    return out


def _split_sample(line, where):
    m = re.match(r"([^{\s]+)(\{(.*)\})?\s+(\S+)(\s+(-?\d+))?\Z", line)
    if not m:
        raise ValueError("%s: not a sample line: %r" % (where, line))
    name = m.group(1)
    if not NAME.match(name):
        raise ValueError("%s: bad metric name %r" % (where, name))
    labels = _labels(m.group(3), where) if m.group(3) else {}
    return name, labels, _float(m.group(4), where)


def _family_of(name, families):
    if name in families:
        return families[name]
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix):
            base = name[:-len(suffix)]
            f = families.get(base)
            if f and f.type in ("histogram", "summary"):
                if suffix == "_bucket" and f.type != "histogram":
                    break
                return f
    return None


def _check_histogram(f):
    groups = {}
    for name, labels, val in f.samples:
        rest = tuple(sorted((k, v) for k, v in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"buckets": [], "sum": None,
                                     "count": None})
        if name == f.name + "_bucket":
            if "le" not in labels:
                raise ValueError("%s: a bucket without le" % f.name)
            g["buckets"].append((_float(labels["le"], f.name), val))
        elif name == f.name + "_sum":
            g["sum"] = val
        elif name == f.name + "_count":
            g["count"] = val
        else:
            raise ValueError("%s: sample %s in a histogram" % (f.name, name))
    if not groups:
        raise ValueError("%s: a histogram without samples" % f.name)
    for rest, g in groups.items():
        b = g["buckets"]
        if not b or b[-1][0] != math.inf:
            raise ValueError("%s%s: buckets must end with le=\"+Inf\""
                             % (f.name, rest))
        for (le0, v0), (le1, v1) in zip(b, b[1:]):
            if not le1 > le0:
                raise ValueError("%s: le not rising (%s then %s)"
                                 % (f.name, le0, le1))
            if v1 < v0:
                raise ValueError("%s: buckets not cumulative at le=%s"
                                 % (f.name, le1))
        if g["count"] is None or g["sum"] is None:
            raise ValueError("%s%s: _sum and _count are needed"
                             % (f.name, rest))
        if g["count"] != b[-1][1]:
            raise ValueError("%s: _count %s is not the +Inf bucket %s"
                             % (f.name, g["count"], b[-1][1]))


def parse(text):
    """The families of ``text`` by name; ValueError on anything wrong."""
    if text and not text.endswith("\n"):
        raise ValueError("the text must end with a newline")
    families = {}
    order = []  # families in the order their lines came
    seen = set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d" % n
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 2 and parts[1] in ("HELP", "TYPE"):
                if len(parts) < 3 or not NAME.match(parts[2]):
                    raise ValueError("%s: # %s needs a metric name"
                                     % (where, parts[1]))
                name = parts[2]
                if parts[1] == "TYPE":
                    mtype = parts[3] if len(parts) == 4 else ""
                    if mtype not in TYPES:
                        raise ValueError("%s: unknown type %r" % (where, mtype))
                    if name in families and families[name].type:
                        raise ValueError("%s: %s declared twice" % (where, name))
                    f = families.get(name) or Family(name, mtype)
                    if f.samples:
                        raise ValueError("%s: TYPE of %s after its samples"
                                         % (where, name))
                    f.type = mtype
                    families[name] = f
                else:
                    f = families.get(name) or Family(name, None)
                    if f.help is not None:
                        raise ValueError("%s: HELP of %s twice" % (where, name))
                    f.help = parts[3] if len(parts) == 4 else ""
                    families[name] = f
                if not order or order[-1] != name:
                    if name in order:
                        raise ValueError("%s: lines of %s are not together"
                                         % (where, name))
                    order.append(name)
            continue
        name, labels, val = _split_sample(line, where)
        f = _family_of(name, families)
        if f is None or not f.type:
            raise ValueError("%s: %s has no # TYPE before it" % (where, name))
        if not order or order[-1] != f.name:
            raise ValueError("%s: lines of %s are not together"
                             % (where, f.name))
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise ValueError("%s: sample %s%s twice" % (where, name, labels))
        seen.add(key)
        f.samples.append((name, labels, val))
    for f in families.values():
        if not f.type:
            raise ValueError("%s has a HELP but no TYPE" % f.name)
        if f.type == "counter":
            if not f.name.endswith("_total"):
                raise ValueError("counter %s must end in _total" % f.name)
            for _, _, val in f.samples:
                if val < 0:
                    raise ValueError("counter %s is negative" % f.name)
        if f.type == "histogram":
            _check_histogram(f)
    return families


def value(families, name, **labels):
    """The value of sample ``name`` with exactly these labels (le aside);
    0.0 when the family has no such sample; KeyError when there is no such
    family."""
    f = _family_of(name, families)
    if f is None:
        raise KeyError(name)
    for n, lab, val in f.samples:
        if n == name and lab == labels:
            return val
    return 0.0

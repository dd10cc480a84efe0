#!/usr/bin/env python3
"""Walks one chapter of labs/ as an attendee would, for tests/integration/labs.sh.

    labs_walk.py CHAPTER.md [--capture FILE]

Runs the chapter's ```sh blocks in order, from the repository's top, each
with bash (a failing command fails the walk), and compares what each printed
(stdout and stderr) with the ```text block that follows it in the chapter,
if any: "what you should see". A ```sh block right after the comment
<!-- not run --> is left out (it needs what the test has not: an Azure
account, a browser).

The chapter shows the default lab (ports 3307, 19092, ..., folder run/); the
test lab runs on the ports of the LAB_*_PORT variables and in $LAB_RUN_DIR:
commands are rewritten from the defaults to the test lab's, and the output
back, before they are compared. Then both sides are normalised: trailing
spaces, runs of spaces, and every number that is not one of the lab's
default ports (ids, pids,
counts, times and rates change from run to run) is masked. In the expected
text a line "..." stands for any number of lines, and <anything> within a
line for any text.

--capture FILE writes each step's rewritten output to FILE, to paste into
the chapter. Exit 0 when every step ran and printed what the chapter shows.
"""

import argparse
import functools
import os
import re
import subprocess
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PORTS = [  # (default, environment variable)
    (3307, "LAB_MYSQL_PORT"), (19092, "LAB_ONPREM_PORT"), (19093, "LAB_ONPREM_CONTROLLER_PORT"),
    (29092, "LAB_CLOUD_PORT"), (29093, "LAB_CLOUD_CONTROLLER_PORT"), (10000, "LAB_AZURITE_PORT"),
    (8083, "LAB_CDC_HTTP_PORT"), (8084, "LAB_REPLICATE_HTTP_PORT"), (8085, "LAB_SINK_HTTP_PORT"),
    (8086, "LAB_RUN_HTTP_PORT"), (8080, "LAB_DASHBOARD_PORT"),
]
FENCE = re.compile(r"^```(\w*)\s*$")


def steps(text):
    """[(command, expected or None, line number)] of a chapter."""
    out, skip_next, block, info, start = [], False, None, "", 0
    for n, line in enumerate(text.splitlines(), 1):
        if block is None:
            m = FENCE.match(line)
            if m:
                block, info, start = [], m.group(1), n
            elif line.strip() == "<!-- not run -->":
                skip_next = True
            continue
        if line.startswith("```"):
            body = "\n".join(block)
            if info == "sh":
                if not skip_next:
                    out.append([body, None, start])
                skip_next = False
            elif info == "text" and out and out[-1][1] is None and out[-1][2] < start:
                out[-1][1] = body
            block = None
            continue
        block.append(line)
    return [tuple(s) for s in out]


def port_map():
    return [(d, int(os.environ[v])) for d, v in PORTS if v in os.environ]


def to_test(cmd, run_dir):
    for d, t in port_map():
        cmd = re.sub(rf"(?<![0-9]){d}(?![0-9])", str(t), cmd)
    return re.sub(r"(?<![\w/.])run/", run_dir + "/", cmd)


def to_default(out, run_dir):
    out = out.replace(run_dir, "run").replace(TOP + "/", "")
    for d, t in port_map():
        out = re.sub(rf"(?<![0-9]){t}(?![0-9])", str(d), out)
    return out


DEFAULT_PORTS = {str(d) for d, _ in PORTS}


def normalise(line):
    line = re.sub(r"\s+", " ", line.rstrip())
    return re.sub(r"[0-9]+", lambda m: m.group() if m.group() in DEFAULT_PORTS else "#", line)


def line_pattern(line):
    parts = re.split(r"(<[^<>]+>)", normalise(line))
    return re.compile("".join(".*" if p.startswith("<") and p.endswith(">") else re.escape(p) for p in parts) + r"\Z")


def matches(expected, actual):
    exp = [None if e.strip() == "..." else line_pattern(e) for e in expected]
    act = [normalise(a) for a in actual]

    @functools.lru_cache(maxsize=None)
    def m(i, j):
        if i == len(exp):
            return j == len(act)
        if exp[i] is None:
            return m(i + 1, j) or (j < len(act) and m(i, j + 1))
        return j < len(act) and exp[i].match(act[j]) is not None and m(i + 1, j + 1)

    sys.setrecursionlimit(100000)
    return m(0, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("chapter")
    ap.add_argument("--capture")
    a = ap.parse_args()
    run_dir = os.path.abspath(os.environ.get("LAB_RUN_DIR", os.path.join(TOP, "run")))
    with open(a.chapter) as f:
        chapter_steps = steps(f.read())
    captured, failed = [], 0
    for cmd, expected, line in chapter_steps:
        shown = cmd.splitlines()[0]
        try:
            p = subprocess.run(["bash", "-o", "pipefail", "-ec", to_test(cmd, run_dir)], cwd=TOP,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
            rc, out = p.returncode, p.stdout
        except subprocess.TimeoutExpired as e:
            rc, out = "timeout", (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        out = to_default(out, run_dir)
        captured.append(f"# {a.chapter}:{line}: {shown}\n```text\n{out.rstrip()}\n```\n")
        if rc != 0:
            failed += 1
            print(f"# {a.chapter}:{line}: `{shown}` exited {rc}:")
            print("".join(f"#   {l}\n" for l in out.splitlines()[-15:]), end="")
        elif expected is not None and not matches(expected.splitlines(), out.rstrip("\n").splitlines()):
            failed += 1
            print(f"# {a.chapter}:{line}: `{shown}` printed what the chapter does not show:")
            print("".join(f"#   shown:   {l}\n" for l in expected.splitlines()[:20]), end="")
            print("".join(f"#   printed: {l}\n" for l in out.splitlines()[:20]), end="")
    if a.capture:
        with open(a.capture, "w") as f:
            f.write("\n".join(captured))
    print(f"# {a.chapter}: {len(chapter_steps)} steps, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Folded stacks and a self-contained SVG flame graph from JFR samples.

Usage:
    jfr print --json --stack-depth 1024 --events jdk.ExecutionSample rec.jfr | jfr_flame.py - --folded out.folded --svg out.svg --title "predict" [--top 25]
                 [--thread-filter REGEX] [--min-width 0.0005] [--no-threads]

Reads the JSON that ``jfr print --json`` writes, event by event (a file or standard input; events of any sampling type: jdk.ExecutionSample,
jdk.NativeMethodSample), one stack per event. Frames are ``package.Class.method``; JFR lists them leaf first, the
folded stacks root first, with the thread's name (digits replaced by ``#``, so a pool's threads merge) as the root
frame unless --no-threads. A stack JFR truncated (deeper than --stack-depth) gets a ``[truncated]`` root frame.

Writes:
  * --folded: one line per distinct stack, ``frame;frame;...;leaf COUNT`` (the format flame graph tools read);
  * --svg: a flame graph (root at the bottom, width = share of samples), one <rect> per frame with the frame name,
    sample count and share as its tooltip; frames narrower than --min-width of the total are left out to keep the
    file small (their samples still count in their parents). No script, no external resources;
  * on stdout: the sample count, the --top frames by self samples (the leaf) and by total samples (anywhere on the
    stack, counted once per sample), with their share of all samples, and a breakdown by phase of the request: each
    sample in the phase of the frame nearest its leaf that matches a phase's pattern (PHASES below, --phase).
"""
import argparse
import html
import json
import re
import sys
import zlib
from collections import Counter

DIGITS = re.compile(r"\d+")
# hidden classes (lambdas, method handles) carry an address and a hash that change from run to run
HIDDEN = re.compile(r"(\$\$Lambda|LambdaForm\$[A-Z]+)\$?\d*\+0x[0-9a-f]+(/\d+)?")


def frame_name(frame):
    method = frame.get("method") or {}
    owner = (method.get("type") or {}).get("name", "?").replace("/", ".")
    return HIDDEN.sub(r"\1", f"{owner}.{method.get('name', '?')}")


def thread_name(values):
    thread = values.get("sampledThread") or values.get("eventThread") or {}
    name = thread.get("javaName") or thread.get("osName") or "?"
    return DIGITS.sub("#", name)


def read_events(path, chunk=1 << 20):
    """The events of ``jfr print --json`` one at a time, without holding the whole document (gigabytes for a 40 s
    recording at 1 ms: every frame carries its method's full description). ``-`` reads standard input."""
    f = sys.stdin if path == "-" else open(path, encoding="utf-8")
    decoder = json.JSONDecoder()
    try:
        buf = ""
        while '"events"' not in buf:
            more = f.read(chunk)
            if not more:
                return
            buf += more
        buf = buf[buf.index('"events"') :]
        while "[" not in buf:
            buf += f.read(chunk)
        buf = buf[buf.index("[") + 1 :]
        pos = 0
        eof = False
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf) and buf[pos] == "]":
                return
            try:
                if pos >= len(buf):
                    raise json.JSONDecodeError("need more", buf, pos)
                event, pos = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError:
                if eof:
                    raise
                more = f.read(chunk)
                eof = not more
                buf = buf[pos:] + more
                pos = 0
                continue
            yield event
    finally:
        if f is not sys.stdin:
            f.close()


def read_stacks(path, with_threads, thread_filter, weight_field=None):
    stacks = Counter()
    for event in read_events(path):
        values = event.get("values", {})
        trace = values.get("stackTrace")
        if not trace:
            continue
        thread = thread_name(values)
        if thread_filter and not thread_filter.search(thread):
            continue
        frames = [frame_name(fr) for fr in reversed(trace.get("frames", []))]
        if trace.get("truncated"):
            frames.insert(0, "[truncated]")
        if with_threads:
            frames.insert(0, thread)
        if frames:
            stacks[tuple(frames)] += int(values.get(weight_field, 0)) if weight_field else 1
    return stacks


class Node:
    __slots__ = ("name", "total", "children")

    def __init__(self, name):
        self.name = name
        self.total = 0
        self.children = {}


def build_tree(stacks):
    root = Node("all")
    for frames, count in stacks.items():
        root.total += count
        node = root
        for name in frames:
            node = node.children.setdefault(name, Node(name))
            node.total += count
    return root


def depth_of(node):
    return 1 + max((depth_of(c) for c in node.children.values()), default=0)


def colour(name):
    """A stable warm colour per frame; JDK/framework frames paler, native-looking ones reddish."""
    h = zlib.crc32(name.encode())
    if name.startswith("io.salience."):
        r, g, b = 230 + h % 25, 140 + (h >> 8) % 80, 40 + (h >> 16) % 40
    elif name.startswith(("org.tensorflow.", "ai.djl.", "org.bytedeco.")):
        r, g, b = 120 + h % 40, 170 + (h >> 8) % 50, 220 + (h >> 16) % 35
    elif name.startswith(("java.", "javax.", "jdk.", "sun.", "com.sun.")):
        r, g, b = 220 + h % 35, 190 + (h >> 8) % 50, 120 + (h >> 16) % 50
    else:
        r, g, b = 235 + h % 20, 110 + (h >> 8) % 90, 70 + (h >> 16) % 50
    return f"rgb({r},{g},{b})"


def short(name):
    """``io.salience.imaging.Preprocessor.prepare`` -> ``Preprocessor.prepare`` for the box labels."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else name


def write_svg(root, path, title, min_width):
    width = 1200.0
    row = 16
    pad_top = 40
    depth = depth_of(root)
    height = pad_top + depth * row + 10
    total = root.total or 1
    char_w = 6.6
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{int(width)}" height="{height}" '
        f'viewBox="0 0 {int(width)} {height}" font-family="monospace" font-size="11">',
        '<rect x="0" y="0" width="100%" height="100%" fill="#fdfdf6"/>',
        f'<text x="{width / 2}" y="18" text-anchor="middle" font-size="15">{html.escape(title)}</text>',
        f'<text x="10" y="34" font-size="11">{total} samples; hover a frame for its name and share; '
        f"frames under {min_width * 100:g} % are left out</text>",
    ]

    def emit(node, x, level):
        w = node.total / total * width
        if node.total / total < min_width:
            return
        y = height - 10 - (level + 1) * row
        share = node.total / total * 100
        tip = html.escape(f"{node.name} ({node.total} samples, {share:.2f} %)")
        out.append(
            f'<g><title>{tip}</title><rect x="{x:.2f}" y="{y}" width="{max(w - 0.5, 0.1):.2f}" '
            f'height="{row - 1}" fill="{colour(node.name)}" rx="2"/>'
        )
        label = short(node.name)
        fit = int((w - 6) / char_w)
        if fit >= 3:
            text = label if len(label) <= fit else label[: max(fit - 2, 1)] + ".."
            out.append(f'<text x="{x + 3:.2f}" y="{y + row - 4}">{html.escape(text)}</text>')
        out.append("</g>")
        cx = x
        for child in sorted(node.children.values(), key=lambda c: c.name):
            emit(child, cx, level + 1)
            cx += child.total / total * width

    emit(root, 0.0, 0)
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
        f.write("\n")


# Phases of a request, each sample counted once: in the phase of the frame nearest its leaf that matches one of
# these (checked in this order for that frame). Specific to this service; --phase NAME=REGEX adds or replaces.
PHASES = [
    ("image decode (ImageIO, screen)", r"^(javax\.imageio|com\.sun\.imageio)\.|io\.salience\.imaging\.(ImageDecoder|ImageScreen|RgbConverter)\.|io\.salience\.inference\.DecodePool"),
    ("preprocess", r"io\.salience\.imaging\.(Preprocessor|Resampler|ValueStep|OpenCvLinear8)"),
    ("normalise", r"io\.salience\.imaging\.SaliencyNormalizer"),
    ("PNG/NPY render", r"io\.salience\.imaging\.(SaliencyRenderer|NpyWriter|ColorMap|MapResizer)|javax\.imageio\.ImageIO\.write"),
    ("JSON write (Jackson)", r"^tools\.jackson\.|^com\.fasterxml\.jackson\.|HttpMessageConverter"),
    ("multipart parse", r"fileupload|parseParts|[Mm]ultipart"),
    ("model run, Java side (pool, TF API)", r"^io\.salience\.(inference|model|engine)\.|^org\.tensorflow\.|^org\.bytedeco\.|^ai\.djl\."),
    ("attribution (Java side)", r"^io\.salience\.attribution\."),
    ("metrics, observation", r"micrometer|[Oo]bservation"),
    ("security filters", r"^org\.springframework\.security\.|^io\.salience\.security\."),
    ("audit, admission, controllers", r"^io\.salience\."),
    ("Spring MVC", r"^org\.springframework\."),
    ("Tomcat, HTTP", r"^org\.apache\.(coyote|catalina|tomcat)\."),
]


def phase_table(stacks, phases):
    compiled = [(name, re.compile(rx)) for name, rx in phases]
    counts = Counter()
    total = sum(stacks.values()) or 1
    for frames, count in stacks.items():
        phase = "other (JVM, idle loops)"
        for name in reversed(frames):
            hit = next((p for p, rx in compiled if rx.search(name)), None)
            if hit:
                phase = hit
                break
        counts[phase] += count
    lines = ["phases (each sample in the phase of its innermost matching frame):"]
    for name, c in counts.most_common():
        lines.append(f"  {c / total * 100:6.2f} %  {c:6d}  {name}")
    return "\n".join(lines)


def top_frames(stacks, top, skip_roots):
    total = sum(stacks.values()) or 1
    self_counts = Counter()
    total_counts = Counter()
    for frames, count in stacks.items():
        body = frames[skip_roots:]
        if not body:
            continue
        self_counts[body[-1]] += count
        for name in set(body):
            total_counts[name] += count
    lines = [f"samples: {total}", "", f"top {top} by self samples:"]
    for name, c in self_counts.most_common(top):
        lines.append(f"  {c / total * 100:6.2f} %  {c:6d}  {name}")
    lines += ["", f"top {top} by total samples (frame anywhere on the stack):"]
    for name, c in total_counts.most_common(top):
        lines.append(f"  {c / total * 100:6.2f} %  {c:6d}  {name}")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json", help="output of jfr print --json (a file, or - for standard input)")
    ap.add_argument("--folded", help="write folded stacks here")
    ap.add_argument("--svg", help="write the flame graph here")
    ap.add_argument("--title", default="JFR samples")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--thread-filter", help="keep only threads whose (#-normalised) name matches this regex")
    ap.add_argument("--min-width", type=float, default=0.0005, help="smallest frame drawn, share of all samples")
    ap.add_argument("--no-threads", action="store_true", help="no thread-name root frame")
    ap.add_argument("--phase", action="append", help="NAME=REGEX: a phase of the breakdown (added last)")
    ap.add_argument(
        "--weight-field",
        help="count each event as this numeric field instead of 1 (jdk.ObjectAllocationSample: weight, in bytes)",
    )
    args = ap.parse_args(argv)

    thread_filter = re.compile(args.thread_filter) if args.thread_filter else None
    stacks = read_stacks(args.json, not args.no_threads, thread_filter, args.weight_field)
    if not stacks:
        print("no stack samples in the input", file=sys.stderr)
        return 1
    if args.folded:
        with open(args.folded, "w", encoding="utf-8") as f:
            for frames, count in sorted(stacks.items()):
                f.write(";".join(frames) + f" {count}\n")
    if args.svg:
        write_svg(build_tree(stacks), args.svg, args.title, args.min_width)
    print(top_frames(stacks, args.top, 0 if args.no_threads else 1))
    phases = list(PHASES)
    for spec in args.phase or []:
        name, _, rx = spec.partition("=")
        phases = [p for p in phases if p[0] != name] + [(name, rx)]
    print()
    print(phase_table(stacks, phases))
    return 0


if __name__ == "__main__":
    sys.exit(main())

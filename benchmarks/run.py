"""Benchmark: flake8 with and without flake8-torch-pitfalls, the peer TorchFix, and LibCST parse-only,
side by side on the Python sources of real PyTorch projects (pinned wheels from PyPI).

    python benchmarks/run.py                          # all projects
    python benchmarks/run.py --projects torchmetrics timm --skip-torchfix --repeats 1

Each tool gets its own virtual environment under benchmarks/.cache, so "plain flake8" is really plain.
Prints files, lines, wall time, lines/s, peak memory and the ratios, then editor latency, then the
corpus-wide count of plugin errors. Timings are measurements, never assertions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from corpora import CACHE, LIBRARY, ROOT, ensure_corpus

FLAKE8 = "flake8==7.5.0"
TOOLS = {
    "plain": [FLAKE8],
    "ours": [FLAKE8, str(ROOT)],
    "torchfix": [FLAKE8, "torchfix==0.7.0"],
}
# Runs one command as a child and reports its wall time and the peak RSS of it and its descendants.
MEASURE = (
    "import json, resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "p = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "wall = time.perf_counter() - t\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(json.dumps({'wall': wall, 'rss_kb': rss, 'rc': p.returncode,"
    " 'stderr': p.stderr[-20000:]}))\n"
)
PARSE_ONLY = (
    "import sys, libcst\n"
    "for path in open(sys.argv[1]).read().splitlines():\n"
    "    try:\n"
    "        libcst.parse_module(open(path, 'rb').read())\n"
    "    except Exception:\n"
    "        pass\n"
)


@dataclass
class Run:
    wall: float
    rss_mib: float
    rc: int
    stderr: str


def ensure_venv(tool: str) -> Path:
    venv = CACHE / f"venv-{tool}"
    stamp = venv / "installed.json"
    sources = sorted((ROOT / "flake8_torch_pitfalls").rglob("*.py")) if tool == "ours" else []
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()
    wanted = json.dumps([TOOLS[tool], digest])
    if stamp.is_file() and stamp.read_text() == wanted:
        return venv
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *TOOLS[tool]], check=True)
    stamp.write_text(wanted)
    return venv


def measure(command: list[str]) -> Run:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    subprocess.run([sys.executable, "-c", MEASURE, out, *command], check=True)
    data = json.loads(Path(out).read_text())
    os.unlink(out)
    return Run(data["wall"], data["rss_kb"] / 1024, data["rc"], data["stderr"])


def best_of(commands: dict[str, list[str]], repeats: dict[str, int]) -> dict[str, Run]:
    """Each command's fastest run: the least disturbed by whatever else the machine was doing. Runs
    take turns (plain, ours, plain, ours, ...) so that a slow spell of the machine hits every tool."""
    runs: dict[str, list[Run]] = {tool: [] for tool in commands}
    for round_ in range(max(repeats.values())):
        for tool, command in commands.items():
            if round_ < max(1, repeats[tool]):
                runs[tool].append(measure(command))
    return {tool: min(done, key=lambda run: run.wall) for tool, done in runs.items()}


def flake8_command(venv: Path, paths: list[Path], jobs: str = "2", select: str | None = None) -> list[str]:
    chosen = ["--select", select] if select else []
    return [str(venv / "bin" / "flake8"), "--isolated", "--exit-zero", "-j", jobs, *chosen, *map(str, paths)]


def parse_only(venv: Path, files: list[Path]) -> Run:
    """LibCST parse of every file, two processes like flake8 -j 2: the floor of a LibCST design."""
    halves = [files[0::2], files[1::2]]
    lists = []
    for half in halves:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
            handle.write("\n".join(map(str, half)))
            lists.append(handle.name)
    started = time.perf_counter()
    procs = [subprocess.Popen([str(venv / "bin" / "python"), "-c", PARSE_ONLY, name]) for name in lists]
    for proc in procs:
        proc.wait()
    wall = time.perf_counter() - started
    for name in lists:
        os.unlink(name)
    return Run(wall, float("nan"), 0, "")


def count_lines(files: list[Path]) -> int:
    return sum(f.read_bytes().count(b"\n") for f in files)


def plugin_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if "flake8-torch-pitfalls" in line or "TorchPitfalls" in line or 'failed during execution' in line]


def latency(venv: Path, path: Path, repeats: int) -> float:
    samples = [measure(flake8_command(venv, [path], jobs="1")).wall for _ in range(repeats)]
    return statistics.median(samples)


def editor_files() -> tuple[Path, Path]:
    small = CACHE / "editor" / "plain_small.py"
    small.parent.mkdir(parents=True, exist_ok=True)
    small.write_text("".join(f"def f{i}(values):\n    return sorted(v * {i} for v in values)\n\n\n"
                             for i in range(12)))
    torch_file = CACHE / "editor" / "torch_300.py"
    fixtures = "".join(p.read_text() for p in sorted((ROOT / "fixtures").glob("TPF*.py")))
    torch_file.write_text("".join(fixtures.splitlines(keepends=True)[:300]))
    return small, torch_file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", nargs="+", choices=sorted(LIBRARY), default=list(LIBRARY))
    parser.add_argument("--skip-torchfix", action="store_true")
    parser.add_argument("--latency-repeats", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=3, help="runs of plain and ours per project (fastest kept)")
    args = parser.parse_args()

    tools = ["plain", "ours"] + ([] if args.skip_torchfix else ["torchfix"])
    venvs = {tool: ensure_venv(tool) for tool in tools}
    corpora = {name: ensure_corpus("library", name) for name in args.projects}

    print(f"{'project':<18}{'files':>7}{'lines':>10}  " + "".join(f"{t + ' s':>12}" for t in tools)
          + f"{'parse s':>10}{'ours/plain':>12}{'tfix/ours':>11}{'ours MiB':>10}")
    totals: dict[str, float] = {t: 0.0 for t in [*tools, "parse"]}
    all_files: list[Path] = []
    errors: list[str] = []
    for name, corpus in corpora.items():
        files = sorted(corpus.rglob("*.py"))
        all_files += files
        runs = best_of({tool: flake8_command(venvs[tool], [corpus]) for tool in tools},
                       {tool: 1 if tool == "torchfix" else args.repeats for tool in tools})
        parsed = parse_only(venvs["ours"], files)
        errors += plugin_errors(runs["ours"].stderr)
        for tool, run in runs.items():
            totals[tool] += run.wall
        totals["parse"] += parsed.wall
        tfix = f"{runs['torchfix'].wall / runs['ours'].wall:>10.1f}x" if "torchfix" in runs else f"{'-':>11}"
        if "torchfix" in runs and runs["torchfix"].rc not in (0, 1):
            tfix = f"{'failed':>11}"
        print(f"{name:<18}{len(files):>7}{count_lines(files):>10}  "
              + "".join(f"{runs[t].wall:>12.1f}" for t in tools)
              + f"{parsed.wall:>10.1f}{runs['ours'].wall / runs['plain'].wall:>11.2f}x{tfix}"
              + f"{runs['ours'].rss_mib:>10.0f}", flush=True)
    lines = count_lines(all_files)
    print(f"{'total':<18}{len(all_files):>7}{lines:>10}  " + "".join(f"{totals[t]:>12.1f}" for t in tools)
          + f"{totals['parse']:>10.1f}{totals['ours'] / totals['plain']:>11.2f}x"
          + (f"{totals['torchfix'] / totals['ours']:>10.1f}x" if "torchfix" in totals else ""))
    print(f"\nthroughput: plain {lines / totals['plain']:,.0f} lines/s, ours {lines / totals['ours']:,.0f} lines/s"
          + (f", torchfix {lines / totals['torchfix']:,.0f} lines/s" if "torchfix" in totals else "")
          + f", libcst parse-only {lines / totals['parse']:,.0f} lines/s")
    ours_added = totals["ours"] - totals["plain"]
    print(f"our plugin adds {100 * (totals['ours'] / totals['plain'] - 1):.1f}% to plain flake8's wall time "
          f"({ours_added:.1f} s)")
    if "torchfix" in totals:
        torchfix_added = totals["torchfix"] - totals["plain"]
        print(f"TorchFix adds {torchfix_added:.1f} s: {torchfix_added / max(ours_added, 1e-9):.1f}x what ours adds "
              f"(whole flake8 runs: {totals['torchfix'] / totals['ours']:.1f}x)")

    print("\nwith a selection that shows no TPF code (--select E,W,F: the plugin should cost nothing):")
    unselected = {"plain": 0.0, "ours": 0.0}
    for name, corpus in corpora.items():
        runs = best_of({tool: flake8_command(venvs[tool], [corpus], select="E,W,F") for tool in unselected},
                       {tool: args.repeats for tool in unselected})
        for tool in unselected:
            unselected[tool] += runs[tool].wall
        print(f"  {name:<18} plain {runs['plain'].wall:7.1f} s, with ours {runs['ours'].wall:7.1f} s "
              f"({100 * (runs['ours'].wall / runs['plain'].wall - 1):+.1f}%)", flush=True)
    print(f"  {'total':<18} plain {unselected['plain']:7.1f} s, with ours {unselected['ours']:7.1f} s "
          f"({100 * (unselected['ours'] / unselected['plain'] - 1):+.1f}%)")

    largest = max(all_files, key=lambda f: f.stat().st_size)
    big = {tool: measure(flake8_command(venvs[tool], [largest], jobs="1")) for tool in ("plain", "ours")}
    print(f"\nlargest file: {largest.relative_to(CACHE)} ({count_lines([largest]):,} lines): "
          f"plain {big['plain'].wall:.2f} s / {big['plain'].rss_mib:.0f} MiB, "
          f"ours {big['ours'].wall:.2f} s / {big['ours'].rss_mib:.0f} MiB peak")

    small, torch_file = editor_files()
    print("\neditor latency (median of flake8 runs on one file):")
    for label, path in (("non-torch file", small), ("300-line torch file", torch_file)):
        plain_s, ours_s = latency(venvs["plain"], path, args.latency_repeats), latency(
            venvs["ours"], path, args.latency_repeats)
        print(f"  {label:<20} plain {plain_s * 1000:6.0f} ms, with ours {ours_s * 1000:6.0f} ms "
              f"({(ours_s - plain_s) * 1000:+.0f} ms)")

    print(f"\nplugin errors over the corpus: {len(errors)}")
    for line in errors[:20]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

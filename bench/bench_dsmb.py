"""DSMB report benchmark: time, pages and peak memory of the closed-session report, end to end, and our pages
per second against WeasyPrint's own on a plain HTML table of the same rows, measured in the same run.

    python bench/bench_dsmb.py                      # the example trial and 10,000 participants × 20 AEs
    python bench/bench_dsmb.py --sizes 2000 --repeat 1

Each trial is imported first (not timed). Then, in a fresh process, `produce_dsmb` reads the snapshot, analyses
it, renders the PDF in its worker and writes it, as `regsync report dsmb` does: "total s". The worker's own
render (HTML to PDF, timed in the worker, its start-up not included) is "render s". "command s" is `regsync
report dsmb` as a user runs it, in a process of its own, start-up and imports included. Peak memory: the
parent's and the render worker's resident peaks (the worker's as it reports it itself).
The plain baseline: every table row the report prints (same cells, same count), and every serious-AE listing
event as a row of its nine values (the report sets these as fixed-pitch blocks), as one unstyled HTML table,
rendered by WeasyPrint in the same process; the ratio is our pages per second over the baseline's (end to end,
and the render alone), and "rows/s ratio" the same for table rows laid out per second of rendering.
Targets (issue #4): 10,000 participants with all summary tables and the serious-AE listing in at most 30 s and
1.5 GB; a pages-per-second ratio of at least 0.8.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.calibrate import calibration_seconds  # noqa: E402
from bench.generate import generate, import_in_fresh_process  # noqa: E402

EXAMPLE = HERE.parent / "examples" / "msc-t1d"

REPORT = """
import html, json, resource, subprocess, sys, time
from pathlib import Path
from lxml import html as lxml_html
from weasyprint import HTML
import service.reports.worker as worker
from service.db import open_database
from service.outputs.dsmb.produce import DsmbRequest, produce_dsmb
from service.reports.dsmb import serious_listing_fields
from service.trialdata import resolve_snapshot

def pages(pdf):
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))

captured = {}
render = worker.RenderWorker.render
def timed_render(self, html_text, **kwargs):
    captured["html"] = html_text
    try:
        return render(self, html_text, **kwargs)
    finally:
        captured["render_s"] = self.render_seconds  # in the worker: HTML to PDF, its start-up not included
        # The worker's own peak, as it reports it: RUSAGE_CHILDREN would also count pdfinfo, whose peak on Linux
        # starts from the parent's (the high-water mark survives exec).
        captured["worker_mb"] = self.peak_mb
worker.RenderWorker.render = timed_render
import service.outputs.dsmb.produce
build_context = service.outputs.dsmb.produce.build_dsmb_context
def capturing_context(*args, **kwargs):
    captured["context"] = build_context(*args, **kwargs)
    return captured["context"]
service.outputs.dsmb.produce.build_dsmb_context = capturing_context

engine = open_database(sys.argv[1])
out = Path(sys.argv[2])
snapshot = resolve_snapshot(engine, "bench")
t0 = time.perf_counter()
produce_dsmb(engine, snapshot, out / "report.pdf", DsmbRequest("closed", memory_mb=4096))
total = time.perf_counter() - t0
ours = pages(out / "report.pdf")
parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
worker_peak = captured["worker_mb"]

# The baseline's rows are the report's data rows, a cell per value: the table rows as printed, and the serious-AE
# listing's events with their nine values each, which the report sets as fixed-pitch blocks.
document = lxml_html.fromstring(captured["html"])
rows = [
    [cell.text_content() for cell in tr.xpath("./td|./th")]
    for tr in document.iter("tr")
    if not tr.xpath("ancestor::table[contains(@class, 'fixed-pitch')]")
]
_, values = serious_listing_fields(captured["context"]["tables"]["listing_serious"].rows, captured["context"]["names"])
rows += [list(v) for v in values]
plain = "<html><body><table>" + "".join(
    "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
) + "</table></body></html>"
t1 = time.perf_counter()
HTML(string=plain).write_pdf(out / "plain.pdf")
plain_s = time.perf_counter() - t1
theirs = pages(out / "plain.pdf")
print(json.dumps({"total_s": total, "render_s": captured["render_s"], "pages": ours, "rows": len(rows),
                  "parent_mb": parent_peak, "worker_mb": worker_peak, "plain_s": plain_s, "plain_pages": theirs,
                  "ratio_total": (ours / total) / (theirs / plain_s),
                  "ratio_render": (ours / captured["render_s"]) / (theirs / plain_s),
                  "rows_ratio": (len(rows) / captured["render_s"]) / (len(rows) / plain_s)}))
"""


def measure(url: str, out: Path) -> dict[str, float]:
    out.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-c", REPORT, url, str(out)], capture_output=True, text=True, check=True, cwd=HERE.parent
    )
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    # The command as a user runs it, start-up and imports included; no config.toml in `out`, so the defaults.
    command = [str(Path(sys.executable).parent / "regsync"), "report", "dsmb", "bench", "--session", "closed"]
    start = time.perf_counter()
    subprocess.run(
        [*command, "--out", str(out / "command.pdf")],
        capture_output=True,
        check=True,
        cwd=out,
        env={**os.environ, "REGSYNC_DATABASE_URL": url},
    )
    figures["command_s"] = time.perf_counter() - start
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10000])
    parser.add_argument("--aes", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="measurements of each trial (this VM's speed varies)")
    args = parser.parse_args()
    print(f"calibration loop: {calibration_seconds():.2f} s (best of 3; lower = faster machine at this moment)")
    print(
        f"{'trial':>18} {'rows':>7} {'pages':>6} {'total s':>8} {'render s':>9} {'command s':>10} {'parent MB':>10} "
        f"{'worker MB':>10} "
        f"{'plain p/s':>10} {'ratio (total)':>14} {'ratio (render)':>15} {'rows/s ratio':>13}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        trials = [("example", EXAMPLE)] + [
            (f"{size:,} × {args.aes}", generate(Path(tmp) / f"t{size}", size, args.aes, "bundle"))
            for size in args.sizes
        ]
        for index, (name, source) in enumerate(trials):
            url = f"sqlite:///{Path(tmp) / f'r{index}.db'}"
            import_in_fresh_process(source, url)
            for _ in range(args.repeat):
                r = measure(url, Path(tmp) / f"out{index}")
                print(
                    f"{name:>18} {r['rows']:>7,.0f} {r['pages']:>6.0f} {r['total_s']:>8.2f} {r['render_s']:>9.2f} "
                    f"{r['command_s']:>10.2f} {r['parent_mb']:>10.0f} {r['worker_mb']:>10.0f} "
                    f"{r['plain_pages'] / r['plain_s']:>10.1f} "
                    f"{r['ratio_total']:>14.2f} {r['ratio_render']:>15.2f} {r['rows_ratio']:>13.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()

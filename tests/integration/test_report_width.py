"""The HTML report shows every column of its tables in a 1000-px and a 1400-px window (issue 20).

The committed reference run and the multi-engine run are rendered by this code into a
temporary folder, then opened in headless Chromium with a script that measures every table's
right edge against the window and against any box that would clip it. Under CI=true a missing
Chromium is a failure, never a skip."""

import html
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tfopt import paths
from tfopt.records import store
from tfopt.render import views

REFERENCE_RUN = "20261204T194804Z-7356"  # the 24-variant run behind results/report.html
ENGINES_RUN = "20261125T043824Z-56f3"  # two engines side by side, each part's report beside it
WIDTHS = (1000, 1400)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")

# Runs in the page once it is laid out; leaves its findings on <body data-width-check="…">.
MEASURE = """<script>
(function () {
  var view = document.documentElement.clientWidth, heading = "", tables = 0, over = [];
  document.querySelectorAll("h1, h2, h3, h4, h5, h6, table").forEach(function (el) {
    if (el.tagName !== "TABLE") { heading = el.textContent; return; }
    var right = el.getBoundingClientRect().right, limit = view;
    for (var box = el.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") limit = Math.min(limit, box.getBoundingClientRect().right);
    }
    tables += 1;
    if (right > limit + 0.5) over.push({under: heading, right: Math.round(right), limit: Math.round(limit)});
  });
  document.body.setAttribute("data-width-check", JSON.stringify(
    {view: view, page: document.documentElement.scrollWidth, tables: tables, over: over}));
})();
</script>"""


@pytest.fixture(scope="module")
def chromium():
    found = shutil.which("chromium")
    if not found:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI=true and no chromium on PATH (.ci/run installs it)")
        pytest.skip("no chromium on PATH (apt-get install chromium)")
    return found


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """Every report.html of the two runs, rendered by this code from a copy of their records."""
    results = tmp_path_factory.mktemp("results")
    for run_dir in store.runs_dir(paths.PROJECT_ROOT / "results").iterdir():
        if run_dir.name.split("@")[0] in (REFERENCE_RUN, ENGINES_RUN):
            shutil.copytree(run_dir, store.runs_dir(results) / run_dir.name)
    out = tmp_path_factory.mktemp("rendered")
    written = views.render_report(results, REFERENCE_RUN, out / "reference")
    written += views.render_report(results, ENGINES_RUN, out / "engines")
    found = [p for p in written if p.name == "report.html"]
    assert len(found) == 4, found  # the reference, the engines' parent and its two parts
    return found


def measure(chromium: str, page: Path, width: int) -> dict:
    """The page at `width` px: its viewport and page widths, its table count, the tables past an edge."""
    probe = page.with_name("width-check.html")  # beside the page, so its charts load as they would
    probe.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    with tempfile.TemporaryDirectory(prefix="tfopt-chromium-") as profile:
        dom = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},900",
                              "--dump-dom", probe.as_uri()],
                             capture_output=True, text=True, timeout=120, check=True).stdout
    found = dom.split('data-width-check="', 1)
    assert len(found) == 2, f"the width check did not run in {page}:\n{dom[:2000]}"
    return json.loads(html.unescape(found[1].split('"', 1)[0]))


@pytest.mark.parametrize("width", WIDTHS)
def test_every_table_of_every_report_fits_the_window(chromium, pages, width):
    problems = []
    for page in pages:
        seen = measure(chromium, page, width)
        where = f"{page.parent.name}/{page.name} in a {width}-px window"
        if not seen["tables"]:
            problems.append(f"{where}: no table measured")
        if seen["over"]:
            problems.append(f"{where}: tables past the edge ({seen['view']} px): {seen['over']}")
        if seen["page"] > seen["view"]:
            problems.append(f"{where}: the page scrolls sideways ({seen['page']} px)")
    assert not problems, "\n".join(problems)


def test_the_check_sees_a_table_wider_than_the_window_and_one_clipped_by_its_box(chromium, tmp_path):
    wide = '<table><tr><td style="white-space: nowrap">' + "wide " * 400 + "</td></tr></table>"
    page = tmp_path / "report.html"
    page.write_text(f"<!DOCTYPE html><html><body><h2>Loose</h2>{wide}"
                    f'<h2>Boxed</h2><div style="overflow-x: auto; width: 300px">{wide}</div></body></html>')
    seen = measure(chromium, page, 1000)
    assert [t["under"] for t in seen["over"]] == ["Loose", "Boxed"]
    assert seen["page"] > seen["view"]

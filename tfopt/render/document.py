"""The document model of every report, and its two renderers.

A report is built once as a list of sections (paragraphs, bullet lists, tables, images, small
print) and rendered twice: to Markdown, and to one self-contained HTML page (charts are linked
by relative path and sit beside it). Columns and sections carry a key beside their wording, so
a report that reuses another's tables picks them by key: rewording a header keeps its column.
"""

import html
import re
from dataclasses import dataclass, field
from typing import List, Sequence, Tuple


@dataclass
class Table:
    header: List[str]
    rows: List[List[str]]
    keys: Sequence[str] = ()  # one stable name per column, for columns(); the header is wording

    def columns(self, keys: Sequence[str]) -> "Table":
        """The columns named by `keys`, in this table's order."""
        missing = [k for k in keys if k not in self.keys]
        if missing:
            raise ValueError(f"table has no column {', '.join(missing)} (its keys: {', '.join(self.keys)})")
        keep = [i for i, k in enumerate(self.keys) if k in keys]
        return Table([self.header[i] for i in keep], [[row[i] for i in keep] for row in self.rows],
                     [self.keys[i] for i in keep])


@dataclass
class Section:
    title: str  # "" for a run of text under the previous heading (no heading of its own)
    level: int = 2
    paragraphs: List[str] = field(default_factory=list)
    bullets: List[str] = field(default_factory=list)
    tables: List[Table] = field(default_factory=list)
    images: List[Tuple[str, str]] = field(default_factory=list)  # (file name, alt text)
    images_first: bool = False  # the images above the tables, not after the notes
    notes: List[str] = field(default_factory=list)  # small print after the tables
    kind: str = ""  # what the section is, for a report that picks sections of another (its title is wording)


# ---------------------------------------------------------------- Markdown

def md_cell(text: str) -> str:
    """A table cell's text, safe inside a Markdown table row."""
    return text.replace("|", "\\|").replace("\n", " ")


def md_row(cells: Sequence[str]) -> str:
    return "|" + "|".join(f" {md_cell(c)} " if c else " " for c in cells) + "|"


def to_markdown(sections: Sequence[Section], title: str) -> str:
    out = [f"# {title}", ""]
    for s in sections:
        out += section_markdown(s)
    return "\n".join(out)


def section_markdown(s: Section) -> List[str]:
    """One section's Markdown lines."""
    out = ["#" * s.level + " " + s.title, ""] if s.title else []
    for p in s.paragraphs:
        out += [p, ""]
    if s.bullets:
        out += [f"- {b}" for b in s.bullets] + [""]
    images = [line for name, alt in s.images for line in (f"![{alt}]({name})", "")]
    if s.images_first:
        out += images
    for t in s.tables:
        # a table without a header (every header cell blank) still needs one in Markdown: a blank row
        out.append(md_row(t.header) if any(t.header) else "|" + "  |" * len(t.header))
        out.append("|" + "---|" * len(t.header))
        out += [md_row(row) for row in t.rows]
        out.append("")
    for n in s.notes:
        out += [f"_{n}_", ""]
    return out if s.images_first else out + images


# ---------------------------------------------------------------- HTML

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1400px; padding: 0 1.5em; color: #1a1a1a; line-height: 1.45; }
h1 { border-bottom: 2px solid #333; padding-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; padding-bottom: .15em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #d0d0d0; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
tr:nth-child(even) td { background: #fafafa; }
td.num { text-align: right; }
td:first-child { white-space: nowrap; }
td.list { white-space: normal; }
.nb { white-space: nowrap; }
td.ok { color: #2e7d32; font-weight: bold; }
td.bad { color: #c62828; font-weight: bold; }
td.faster { color: #2e7d32; } td.slower { color: #c62828; } td.same { color: #666; }
img { max-width: min(100%, 1100px); display: block; margin: 1em 0; border: 1px solid #eee; }
p.note { font-size: 13px; color: #555; }
@media (max-width: 1100px) {  /* a 1000-px window still shows every column of a family table */
  body { padding: 0 1em; }
  table { font-size: 12px; }
  th, td { padding: 3px 5px; }
}
"""


NUMBER = re.compile(r"^\d[\d.]*( \[[\d.–]+\]| MiB| GB| s( \([\d.]+ s\))?)$")
NAME_LIST = re.compile(r"^[\w.-]+(, [\w.-]+)+$")  # "tf2-stock, tf2-1thread": wraps between names only
# Runs a line break would misread ("1.76 ± / 0.12x", "[40.8– / 87.9]", "230 / MiB", "1,542, / 104"): each
# stays on one line and a cell wraps between them, so a narrow window gets taller rows, not a hidden column.
UNBROKEN = re.compile(r"\d[\d.]* ± [\d.]+x|\[[^\]\s]+\]|\d[\d.,]* (?:MiB|GiB|GB|M|G|ms|s)\b|≥ \d+%"
                      r"|(?<![\w.=-])\d[\d.,]*\d(?![\w-])")
SNAKE_CASE = re.compile(r"(?=\w{20})[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+")  # may_change_predictions: wraps after a "_"


def cell_class(text: str) -> str:
    """The CSS class of a table cell, read from its text (the renderers know no report)."""
    if text == "✓":
        return "ok"
    if text.startswith("✗"):
        return "bad"
    if text.endswith("faster"):
        return "faster"
    if text.endswith("slower"):
        return "slower"
    if text.startswith(("no significant", "within A/A")):
        return "same"
    if NUMBER.match(text):
        return "num"
    if NAME_LIST.match(text):
        return "list"
    return ""


def cell_html(text: str) -> str:
    """A table cell's text as HTML: the same text, its unbreakable runs marked (UNBROKEN, NAME_LIST)."""
    e = html.escape
    if NAME_LIST.match(text):
        return " ".join(f'<span class="nb">{e(name)}</span>' for name in text.split(" "))
    out, at = [], 0
    for run in UNBROKEN.finditer(text):
        out += [_breakable(text[at:run.start()]), f'<span class="nb">{e(run.group())}</span>']
        at = run.end()
    return "".join(out) + _breakable(text[at:])


def _breakable(text: str) -> str:
    """Escaped text whose long snake_case names may wrap after an underscore, not mid-word."""
    return SNAKE_CASE.sub(lambda name: name.group().replace("_", "_<wbr>"), html.escape(text))


def to_html(sections: Sequence[Section], title: str) -> str:
    return html_page(title, [line for s in sections for line in section_html(s)])


def html_page(title: str, body: Sequence[str], css: str = CSS) -> str:
    e = html.escape
    return "\n".join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                      f"<title>{e(title)}</title><style>{css}</style></head><body>", f"<h1>{e(title)}</h1>",
                      *body, "</body></html>"])


def section_html(s: Section) -> List[str]:
    """One section's HTML lines."""
    e = html.escape
    out = [f"<h{s.level}>{e(s.title)}</h{s.level}>"] if s.title else []
    out += [f"<p>{e(p)}</p>" for p in s.paragraphs]
    if s.bullets:
        out.append("<ul>" + "".join(f"<li>{e(b)}</li>" for b in s.bullets) + "</ul>")
    images = [f'<img src="{e(name)}" alt="{e(alt)}">' for name, alt in s.images]
    if s.images_first:
        out += images
    for t in s.tables:
        out.append("<table>")
        if any(t.header):
            out.append("<tr>" + "".join(f"<th>{e(h)}</th>" for h in t.header) + "</tr>")
        for row in t.rows:
            cells = []
            for c in row:
                cls = cell_class(c)
                cells.append(f'<td class="{cls}">{cell_html(c)}</td>' if cls else f"<td>{cell_html(c)}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
    out += [f'<p class="note">{e(n)}</p>' for n in s.notes]
    return out if s.images_first else out + images

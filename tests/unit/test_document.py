"""The document model and its renderers, and the shared table cells."""

import pytest

from tfopt.render import cells
from tfopt.render.document import Section, Table, cell_html, section_html, section_markdown, to_markdown


def test_columns_are_picked_by_key_whatever_their_header_says():
    table = Table(["name", "time (reworded)", "note"], [["a", "1.0", "x"], ["b", "2.0", "y"]],
                  keys=("variant", "ms", "note"))
    picked = table.columns(("ms", "variant"))
    assert picked.header == ["name", "time (reworded)"]  # the table's order, not the request's
    assert picked.rows == [["a", "1.0"], ["b", "2.0"]]
    with pytest.raises(ValueError, match="no column speed"):
        table.columns(("speed",))


def test_markdown_escapes_pipes_once_and_marks_blank_header_cells():
    table = Table(["", "race"], [["a|b", "line\nbreak"]])
    assert section_markdown(Section("Cost", tables=[table])) == [
        "## Cost", "", "| | race |", "|---|---|", "| a\\|b | line break |", ""]


def test_a_table_without_header_keeps_a_blank_header_row_in_markdown_and_none_in_html():
    table = Table(["", ""], [["CPU", "x"]])
    assert section_markdown(Section("Environment", tables=[table]))[2] == "|  |  |"
    assert "<th>" not in "".join(section_html(Section("Environment", tables=[table])))


def test_an_untitled_section_continues_under_the_previous_heading():
    text = to_markdown([Section("", paragraphs=["lead"]), Section("Next", paragraphs=["body"])], "Title")
    assert text == "# Title\n\nlead\n\n## Next\n\nbody\n"
    assert section_html(Section("", paragraphs=["lead"])) == ["<p>lead</p>"]


@pytest.mark.parametrize("text, marked", [
    ("59.9 [40.8–87.9]", '<span class="nb">59.9</span> <span class="nb">[40.8–87.9]</span>'),
    ("0.35 s (1.6 s)", '<span class="nb">0.35 s</span> (<span class="nb">1.6 s</span>)'),
    ("no significant difference (0.98 ± 0.03x); could detect ≥ 4%",
     'no significant difference (<span class="nb">0.98 ± 0.03x</span>); could detect <span class="nb">≥ 4%</span>'),
    ("tf2-stock, openvino-default-precision", '<span class="nb">tf2-stock,</span> '
                                              '<span class="nb">openvino-default-precision</span>'),
    ("1,542,104", '<span class="nb">1,542,104</span>'),
    ("pypi tensorflow-cpu==2.14.0 → intel-tensorflow==2.14.0",
     "pypi tensorflow-cpu==2.14.0 → intel-tensorflow==2.14.0"),
    ("may_change_predictions: off → on; OMP_NUM_THREADS <1>",
     "may_<wbr>change_<wbr>predictions: off → on; OMP_NUM_THREADS &lt;1&gt;"),
])
def test_an_html_cell_keeps_its_text_and_wraps_only_where_a_reader_would(text, marked):
    assert cell_html(text) == marked


def test_isa_summary():
    assert cells.isa_summary(["avx", "avx2", "fma", "amx_tile", "amx_bf16", "avx512f"]) == \
        "avx, avx2, fma, avx512 (f), amx (bf16, tile)"
    assert cells.isa_summary([]) == "unknown"


def test_cpu_flags_lists_the_vector_extensions_only():
    assert cells.cpu_flags("sse4_2 avx2 avx fma avx512f avx_vnni_int8 ht") == \
        ["avx", "avx2", "avx512f", "avx_vnni_int8", "fma"]


def test_cells():
    assert [cells.ms(x) for x in (123.4, 12.34, 1.234)] == ["123", "12.3", "1.23"]
    assert [cells.times(x) for x in (None, 2.34, 23.4)] == ["—", "2.3x", "23x"]
    assert cells.value({"a": True, "b": None}) == "a on b unset"

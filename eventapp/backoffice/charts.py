"""Server-rendered SVG charts: no JavaScript, readable on a projector, each paired with a table.

The SVG is an image with a title (role="img"); the template puts the same figures in a table
right after it, which is what screen readers and exports use.
"""

from markupsafe import Markup, escape

WIDTH = 800
ROW = 34
LABEL_WIDTH = 300
VALUE_WIDTH = 70


def _svg(chart_id: str, title: str, height: int, body: str) -> Markup:
    # Every text inside was escaped where it was put together; the rest are numbers.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" focusable="false">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>{body}</svg>'
    )


# About as many characters as fit left of the bars at the chart's font size; the table has the rest.
LABEL_CHARS = 30


def _fit(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, int]], *, maximum: int | None = None) -> Markup:
    """Horizontal bars, one per row, with the label on the left and the value written after the bar."""
    top = max([maximum or 0, *(value for _, value in rows)]) or 1
    bar_space = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = []
    for index, (label, value) in enumerate(rows):
        y = index * ROW
        length = round(bar_space * value / top) if value else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 10}" y="{y + ROW / 2 + 5}" text-anchor="end">{escape(_fit(label))}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 6}" width="{length}" height="{ROW - 12}"/>'
            f'<text x="{LABEL_WIDTH + length + 8}" y="{y + ROW / 2 + 5}">{value}</text>'
        )
    parts.append(f'<line class="axis" x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{len(rows) * ROW}"/>')
    return _svg(chart_id, title, max(len(rows), 1) * ROW, "".join(parts))


def line_chart(chart_id: str, title: str, points: list[tuple[str, int]]) -> Markup:
    """A rising line (cumulative counts) with the first and last dates and the top value written."""
    height, left, right, top_pad, bottom = 300, 60, 20, 20, 40
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom
    top = max((value for _, value in points), default=0) or 1
    parts = [
        f'<line class="axis" x1="{left}" y1="{top_pad + plot_h}" x2="{WIDTH - right}" y2="{top_pad + plot_h}"/>',
        f'<line class="axis" x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}"/>',
        f'<text x="{left - 8}" y="{top_pad + 5}" text-anchor="end">{top}</text>',
        f'<text x="{left - 8}" y="{top_pad + plot_h + 5}" text-anchor="end">0</text>',
    ]
    if points:
        step = plot_w / max(len(points) - 1, 1)
        coords = [(left + i * step, top_pad + plot_h - plot_h * value / top) for i, (_, value) in enumerate(points)]
        if len(coords) == 1:
            coords = [(left, coords[0][1]), (WIDTH - right, coords[0][1])]
        parts.append('<polyline class="line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
        parts.append(f'<text x="{left}" y="{height - 12}">{escape(points[0][0])}</text>')
        if len(points) > 1:
            parts.append(
                f'<text x="{WIDTH - right}" y="{height - 12}" text-anchor="end">{escape(points[-1][0])}</text>'
            )
    return _svg(chart_id, title, height, "".join(parts))

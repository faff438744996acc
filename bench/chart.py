"""A stacked horizontal bar chart as plain SVG (no plotting library needed)."""

from __future__ import annotations

from html import escape

COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#9c755f")


def stacked_bars(title: str, bars: list[tuple[str, list[float]]], segments: list[str], unit: str = "s") -> str:
    """``bars``: (label, one value per segment); segments are named once, in the legend."""
    width, left, right, bar_h, gap, top = 760, 150, 80, 30, 16, 44
    longest = max((sum(values) for _, values in bars), default=1.0) or 1.0
    scale = (width - left - right) / longest
    legend_rows = (len(segments) + 3) // 4
    height = top + len(bars) * (bar_h + gap) + 30 + legend_rows * 22
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for row, (label, values) in enumerate(bars):
        y = top + row * (bar_h + gap)
        out.append(f'<text x="{left - 8}" y="{y + bar_h / 2 + 5}" text-anchor="end">{escape(label)}</text>')
        x = float(left)
        for index, value in enumerate(values):
            w = max(0.0, value * scale)
            out.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                f'fill="{COLOURS[index % len(COLOURS)]}"><title>{escape(segments[index])}: '
                f"{value:.3f} {unit}</title></rect>"
            )
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_h / 2 + 5}">{sum(values):.2f} {unit}</text>')
    ticks_y = top + len(bars) * (bar_h + gap)
    step = _tick_step(longest)
    tick = 0.0
    while tick <= longest + 1e-9:
        x = left + tick * scale
        out.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{ticks_y - gap + 4}" '
            'stroke="#ccc" stroke-width="0.5"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{ticks_y + 8}" text-anchor="middle" font-size="11" fill="#555">{tick:g}</text>'
        )
        tick += step
    legend_y = ticks_y + 30
    for index, name in enumerate(segments):
        x = left + (index % 4) * 150 - 100
        y = legend_y + (index // 4) * 22
        out.append(f'<rect x="{x}" y="{y - 11}" width="12" height="12" fill="{COLOURS[index % len(COLOURS)]}"/>')
        out.append(f'<text x="{x + 17}" y="{y}" font-size="12">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _tick_step(longest: float) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10):
        if longest / step <= 10:
            return step
    return 20.0

"""The report's look: its font stack, colours and style sheet (markup of tikdb's own)."""

from __future__ import annotations

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', 'Liberation Sans', sans-serif"

# Okabe-Ito: distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000")

# ColorBrewer YlGnBu: light to dark, ordered in lightness, readable in grey.
SEQUENTIAL = ("#ffffd9", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")

# Tables wrap their headers and long text, and stack what belongs together in one cell,
# so that they fit a printed page (about 720 CSS pixels wide) without cutting a column.
CSS = f"""
body {{ font-family: {FONT}; color: #111; background: #fafafa; margin: 0; }}
main {{ max-width: 1000px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }}
h1 {{ font-size: 26px; margin: 0 0 4px; overflow-wrap: anywhere; }}
h2 {{ font-size: 19px; margin: 36px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }}
p.note {{ color: #555; margin: 4px 0 12px; font-size: 13px; overflow-wrap: anywhere; }}
.cards {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr));
  gap: 10px; margin-top: 16px; }}
.card {{ border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; }}
.card .label {{ font-size: 12px; color: #555; }}
.card .value {{ font-size: 20px; font-weight: 650; margin-top: 2px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 12.5px; margin-top: 6px; }}
th, td {{ border-bottom: 1px solid #e5e5e5; padding: 4px 6px; text-align: left;
  vertical-align: top; }}
td {{ white-space: nowrap; }}
th {{ background: #f2f2f2; font-weight: 600; white-space: normal; }}
.scroll {{ overflow-x: auto; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.empty {{ color: #777; text-align: center; }}
td .long {{ display: block; min-width: 70px; max-width: 300px; white-space: normal;
  overflow-wrap: anywhere; }}
.stack .line {{ display: block; }}
.fail {{ color: #b00020; font-weight: 600; }}
.warn {{ color: #8a5300; font-weight: 600; }}
.pass {{ color: #1b7a33; }}
svg.chart {{ width: 100%; height: auto; display: block; margin-top: 8px; }}
svg.chart * {{ stroke-linejoin: round; stroke-linecap: butt; }}
code {{ font-size: 12px; overflow-wrap: anywhere; }}
@media (max-width: 820px) {{ main {{ padding: 16px 10px 32px; }} }}
@page {{ margin: 12mm; }}
@media print {{
  body {{ background: #fff; }}
  main {{ max-width: none; padding: 0; }}
  .scroll {{ overflow: visible; }}
  h2 {{ break-after: avoid; }}
  tr, svg.chart, .card {{ break-inside: avoid; }}
}}
"""

"""Simple PDF table reports with the CJK font embedded (subset), so the text layer is extractable."""
from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

FONT_NAME = "WQY"
FONT_PATH = Path(__file__).resolve().parent.parent / "fonts" / "wqy-microhei.ttc"


def register_cjk_font() -> str:
    """Register WenQuanYi Micro Hei once (TrueType subset embedded in every PDF that uses it)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_PATH), subfontIndex=0))
    return FONT_NAME


def table_report(title: str, sections: Sequence[tuple[str, Sequence[str], Sequence[Sequence[object]]]],
                 subtitle: str = "", note: str = "") -> bytes:
    """A PDF: a title, an optional subtitle, then one table per (heading, header row, rows)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_cjk_font()
    h1 = ParagraphStyle("h1", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    story: list = [Paragraph(title, h1)]
    if subtitle:
        story.append(Paragraph(subtitle, body))
    for heading, header, rows in sections:
        story.append(Paragraph(heading, h2))
        data = [[Paragraph(str(h), cell) for h in header]]
        data += [[Paragraph("" if v is None else str(v), cell) for v in row] for row in rows]
        if len(data) == 1:
            data.append([Paragraph("（无）", cell)] + [""] * (len(header) - 1))
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), font),
                                   ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    if note:
        story += [Spacer(1, 6 * mm), Paragraph(note, body)]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm)
    doc.build(story)
    return buffer.getvalue()

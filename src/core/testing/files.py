"""Small real files for tests that upload attachments (uploads are checked by content, `core.uploads`)."""
from __future__ import annotations

import io


def tiny_pdf(title: str = "test") -> bytes:
    """A one-page PDF written by reportlab, `title` in its document information."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.setTitle(title)
    pdf.drawString(72, 720, "attachment")
    pdf.save()
    return buffer.getvalue()


def tiny_png(size: tuple[int, int] = (4, 4)) -> bytes:
    """A small PNG written by Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()

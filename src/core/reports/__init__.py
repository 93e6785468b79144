"""Generic report writers (PDF with the embedded CJK font, xlsx). No app imports here."""

"""Icons are vendored SVG ({% icon %}), never emoji or pictographic symbols: a server or phone
without an emoji font draws those as boxes (issue 13 item 7: 🗺 and 📎 did). Every template and
every platform script or stylesheet (not the vendored libraries) is scanned."""
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2]
# emoji and pictographs, dingbats (✓ ✔ ✗ …), misc symbols, arrows-as-pictographs, the emoji
# presentation selector
PICTOGRAPHS = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")
KNOWN: set[str] = set()  # nothing exempt: every template uses {% icon %}


def test_templates_and_platform_static_files_hold_no_emoji():
    found = []
    for path in sorted(SRC.rglob("*")):
        rel = path.relative_to(SRC).as_posix()
        if path.suffix not in (".html", ".js", ".css", ".txt") or "/vendor/" in rel or rel in KNOWN:
            continue
        if "/templates/" not in rel and "/static/" not in rel:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for ch in PICTOGRAPHS.findall(line):
                found.append(f"{rel}:{n}: U+{ord(ch):04X} {ch}")
    assert not found, "\n".join(found)


def test_the_icon_tag_inlines_a_vendored_svg():
    from django.template import Context, Template

    html = Template('{% load platform_tags %}{% icon "map" %}{% icon "check" "是" %}').render(Context())
    assert html.count("<svg") == 2 and 'class="icon icon-map"' in html and 'aria-label="是"' in html
    assert "<!--" not in html and "lucide" not in html


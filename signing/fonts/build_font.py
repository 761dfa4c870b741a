"""Dev-time script that builds the embedded Vietnamese font subset shipped with the package.

Run ``python signing/fonts/build_font.py`` after changing the source font or the character set;
the resulting ``VanThuSerif.ttf`` is committed. Source: GNU FreeSerif (GPLv3 with the font
exception), which already has 1000 units per em, so pyHanko lays it out at the right width.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/truetype/freefont/FreeSerif.ttf")
TARGET = Path(__file__).with_name("VanThuSerif.ttf")

# Only what Vietnamese text needs: Basic Latin, Latin-1 (À Á Â Ã È É Ê ...), Ă ă Đ đ Ĩ ĩ Ũ ũ,
# Ơ ơ Ư ư, Latin Extended Additional (precomposed Vietnamese), a little punctuation and the
# dong sign. pyHanko keeps glyph ids when it embeds a subset, so every glyph in this file costs
# time at each signature: keep the list short.
UNICODES = (
    "U+0020-007E,U+00A0-00FF,U+0102-0103,U+0110-0111,U+0128-0129,U+0168-0169,U+01A0-01A1,U+01AF-01B0,"
    "U+1EA0-1EF9,U+2013-2014,U+2018-2019,U+201C-201D,U+2026,U+20AB"
)


def build(source: Path = SOURCE, target: Path = TARGET) -> Path:
    font = TTFont(source)
    if font["head"].unitsPerEm != 1000:
        from fontTools.ttLib.scaleUpem import scale_upem

        scale_upem(font, 1000)
    options = subset.Options()
    # No OpenType layout tables: pyHanko re-subsets the font for every signature and parsing
    # GPOS/GSUB dominated that cost. Text is NFC-normalised before layout, so precomposed
    # Vietnamese glyphs are used and mark positioning is not needed.
    options.layout_features = []
    options.drop_tables += ["GPOS", "GSUB", "GDEF", "FFTM"]
    # Hinting is useless at signature sizes and made each embedded subset slower to write.
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
    subsetter.subset(font)
    font.save(target)
    return target


if __name__ == "__main__":
    out = build(*(Path(a) for a in sys.argv[1:3]))
    print(out, out.stat().st_size, "bytes")

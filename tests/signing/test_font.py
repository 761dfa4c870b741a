"""The embedded font covers every Vietnamese letter and is laid out at 1000 units per em."""

from fontTools.ttLib import TTFont

from signing.appearance import FONT_PATH

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)


def test_font_has_all_vietnamese_letters_and_1000_upem():
    font = TTFont(FONT_PATH)
    cmap = font.getBestCmap()
    letters = VIETNAMESE + VIETNAMESE.upper() + "0123456789/-:,.()+"
    missing = sorted({ch for ch in letters if ord(ch) not in cmap})
    assert missing == []
    assert font["head"].unitsPerEm == 1000
    assert FONT_PATH.stat().st_size < 150 * 1024

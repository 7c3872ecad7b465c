"""Draw Tianbao's icon: resources/icons/tianbao.png (the window's) and tianbao.ico (the Windows
programs' and the installer's, 16–256 px). Run again after changing the design:

    .venv/bin/python tools/draw_icon.py

A rounded square in the red of the plan's cover with 填 in white, from the bundled font, and a
small rising bar chart: filling in figures that are monitored.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "icons"
FONT = ROOT / "resources" / "fonts" / "wqy-microhei.ttc"
RED = (190, 30, 45, 255)
WHITE = (255, 255, 255, 255)
GOLD = (255, 204, 77, 255)
SIZE = 1024  # drawn large, scaled down smoothly
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = SIZE // 16
    pen.rounded_rectangle((margin, margin, SIZE - margin, SIZE - margin), radius=SIZE // 6,
                          fill=RED)
    font = ImageFont.truetype(str(FONT), int(SIZE * 0.54), index=0)
    pen.text((SIZE * 0.43, SIZE * 0.45), "填", font=font, fill=WHITE, anchor="mm")
    # Three rising bars in the lower right corner.
    base, width, gap = SIZE * 0.82, SIZE * 0.05, SIZE * 0.025
    left = SIZE * 0.735
    for number, height in enumerate((0.10, 0.17, 0.25)):
        x = left + number * (width + gap)
        pen.rectangle((x, base - SIZE * height, x + width, base), fill=GOLD)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    image = draw()
    image.resize((256, 256), Image.Resampling.LANCZOS).save(OUT / "tianbao.png")
    image.save(OUT / "tianbao.ico", sizes=ICO_SIZES)
    print(f"wrote {OUT / 'tianbao.png'} and {OUT / 'tianbao.ico'}")


if __name__ == "__main__":
    main()

"""Generate the images of the example calendar (Fernwood Coffee Roasters).

The example calendar under ``content/`` points at these files, so they are
kept in the repository; this script only exists so they can be regenerated
(or restyled) without an image editor:

    python scripts/make_example_images.py          # writes assets/**.jpg

Everything is drawn with Pillow primitives (gradients, polygons, ellipses)
and a DejaVu font when one is installed, else Pillow's built-in font. The
output is deterministic: no randomness without a fixed seed, no timestamps.
Sizes follow the platforms: 1080x1350 (4:5 portrait), 1080x1080 (square),
1200x675 (16:9 landscape). Each file is a JPEG, quality 80, under 150 KB.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SS = 2  # supersampling factor: draw big, shrink with a good filter
QUALITY = 80
MAX_BYTES = 150_000

# Palette ------------------------------------------------------------------
CREAM = (244, 235, 221)
PAPER = (250, 245, 236)
ESPRESSO = (43, 27, 20)
ROAST = (107, 62, 38)
CARAMEL = (201, 139, 78)
TERRACOTTA = (196, 98, 58)
SAGE = (125, 143, 105)
PINE = (47, 74, 58)
BERRY = (142, 59, 70)
GOLD = (217, 164, 65)
FROST = (220, 230, 234)
KRAFT = (190, 150, 105)
MIDNIGHT = (30, 36, 52)

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]


def font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A DejaVu font at ``size`` (already supersampled), or Pillow's default."""
    for folder in FONT_DIRS:
        path = folder / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def serif_bold(size: int):
    return font("DejaVuSerif-Bold.ttf", size * SS)


def sans(size: int):
    return font("DejaVuSans.ttf", size * SS)


def sans_bold(size: int):
    return font("DejaVuSans-Bold.ttf", size * SS)


# Canvas helpers -------------------------------------------------------------


@dataclass
class Canvas:
    img: Image.Image
    draw: ImageDraw.ImageDraw

    @property
    def w(self) -> int:
        return self.img.width

    @property
    def h(self) -> int:
        return self.img.height

    def px(self, fx: float) -> int:
        """A fraction of the width, in pixels."""
        return round(self.w * fx)

    def py(self, fy: float) -> int:
        """A fraction of the height, in pixels."""
        return round(self.h * fy)


def mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def shade(c: tuple[int, int, int], f: float) -> tuple[int, int, int]:
    """Darken (f < 1) or lighten (f > 1) a colour."""
    if f < 1:
        return mix(c, (0, 0, 0), 1 - f)
    return mix(c, (255, 255, 255), f - 1)


def gradient(w: int, h: int, top: tuple, bottom: tuple, radial: bool = False) -> Image.Image:
    """A vertical (or soft radial) gradient, built from a 1-pixel strip."""
    if radial:
        small = Image.new("RGB", (64, 64))
        for y in range(64):
            for x in range(64):
                d = math.hypot(x - 32, y - 24) / 45
                small.putpixel((x, y), mix(top, bottom, min(1.0, d)))
        return small.resize((w, h), Image.BICUBIC)
    strip = Image.new("RGB", (1, 256))
    for y in range(256):
        strip.putpixel((0, y), mix(top, bottom, y / 255))
    return strip.resize((w, h), Image.BICUBIC)


def new_canvas(size: tuple[int, int], top: tuple, bottom: tuple, radial: bool = False) -> Canvas:
    w, h = size[0] * SS, size[1] * SS
    img = gradient(w, h, top, bottom, radial)
    return Canvas(img, ImageDraw.Draw(img))


def wrap(draw: ImageDraw.ImageDraw, text: str, fnt, max_w: int) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split():
            trial = f"{line} {word}".strip()
            if draw.textlength(trial, font=fnt) <= max_w or not line:
                line = trial
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def text_block(
    c: Canvas,
    text: str,
    fnt,
    x: int,
    y: int,
    max_w: int,
    fill,
    align: str = "left",
    spacing: float = 1.18,
) -> int:
    """Draw wrapped text; returns the y below the block."""
    size = getattr(fnt, "size", 20)
    for line in wrap(c.draw, text, fnt, max_w):
        lw = c.draw.textlength(line, font=fnt)
        lx = x + (max_w - lw) / 2 if align == "center" else x
        c.draw.text((lx, y), line, font=fnt, fill=fill)
        y += round(size * spacing)
    return y


def wordmark(c: Canvas, fill, y: int | None = None, align: str = "center") -> None:
    """The letter-spaced brand line near the bottom edge."""
    fnt = sans_bold(15 if c.w < 1150 * SS else 16)
    label = "  ".join("FERNWOOD") + "    " + "  ".join("COFFEE ROASTERS")
    lw = c.draw.textlength(label, font=fnt)
    y = c.h - c.py(0.055) if y is None else y
    x = (c.w - lw) / 2 if align == "center" else c.px(0.07)
    c.draw.text((x, y), label, font=fnt, fill=fill)


def snowflakes(
    c: Canvas, seed: str, n: int, color, region=(0.0, 0.0, 1.0, 1.0), keepout=()
) -> None:
    """Dots and six-armed flakes in ``region``, none inside a ``keepout`` box (fractions)."""
    rnd = random.Random(seed)
    x0, y0, x1, y1 = region
    for _ in range(n):
        fx, fy = rnd.uniform(x0, x1), rnd.uniform(y0, y1)
        if any(k[0] <= fx <= k[2] and k[1] <= fy <= k[3] for k in keepout):
            continue
        x, y = c.px(fx), c.py(fy)
        r = rnd.randint(3, 9) * SS
        if rnd.random() < 0.35:  # a six-armed flake
            for k in range(3):
                a = math.pi / 3 * k
                dx, dy = math.cos(a) * r * 1.8, math.sin(a) * r * 1.8
                c.draw.line([(x - dx, y - dy), (x + dx, y + dy)], fill=color, width=SS * 2)
        else:
            c.draw.ellipse([x - r, y - r, x + r, y + r], fill=color)


def confetti(
    c: Canvas, seed: str, n: int, colors, region=(0.0, 0.0, 1.0, 0.55), keepout=()
) -> None:
    rnd = random.Random(seed)
    for _ in range(n):
        fx, fy = rnd.uniform(region[0], region[2]), rnd.uniform(region[1], region[3])
        if any(k[0] <= fx <= k[2] and k[1] <= fy <= k[3] for k in keepout):
            continue
        x, y = c.px(fx), c.py(fy)
        s = rnd.randint(6, 14) * SS
        a = rnd.uniform(0, math.pi)
        pts = [
            (x + math.cos(a) * s, y + math.sin(a) * s),
            (x + math.cos(a + 2.6) * s * 0.5, y + math.sin(a + 2.6) * s * 0.5),
            (x - math.cos(a) * s, y - math.sin(a) * s),
            (x + math.cos(a - 0.5) * s * 0.5, y + math.sin(a - 0.5) * s * 0.5),
        ]
        c.draw.polygon(pts, fill=rnd.choice(colors))


def soft_shadow(c: Canvas, box: tuple[int, int, int, int], strength: int = 90) -> None:
    """An elliptical blurred shadow under an object."""
    x0, y0, x1, y1 = box
    layer = Image.new("L", c.img.size, 0)
    ImageDraw.Draw(layer).ellipse(box, fill=strength)
    layer = layer.filter(ImageFilter.GaussianBlur(max(4, (y1 - y0) // 3)))
    c.img.paste(ESPRESSO, (0, 0), layer)


# Objects ---------------------------------------------------------------------


def bean(c: Canvas, cx: float, cy: float, length: float, angle: float, color=ROAST) -> None:
    """A coffee bean: an oval with a curved centre crease, rotated."""
    size = int(length * 1.3)
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    bw, bh = length * 0.68, length
    ox, oy = (size - bw) / 2, (size - bh) / 2
    d.ellipse([ox, oy, ox + bw, oy + bh], fill=color + (255,))
    d.ellipse(
        [ox + bw * 0.12, oy + bh * 0.08, ox + bw * 0.55, oy + bh * 0.6],
        fill=shade(color, 1.18) + (255,),
    )
    crease = []
    for i in range(21):
        t = i / 20
        yy = oy + bh * (0.1 + 0.8 * t)
        xx = size / 2 + math.sin(t * math.pi * 2) * bw * 0.09
        crease.append((xx, yy))
    d.line(crease, fill=shade(color, 0.55) + (255,), width=max(2, int(length * 0.07)))
    layer = layer.rotate(angle, resample=Image.BICUBIC, expand=False)
    c.img.paste(layer, (int(cx - size / 2), int(cy - size / 2)), layer)


def bean_scatter(c: Canvas, seed: str, n: int, region, length=(34, 52), color=ROAST) -> None:
    rnd = random.Random(seed)
    x0, y0, x1, y1 = region
    for _ in range(n):
        bean(
            c,
            c.px(rnd.uniform(x0, x1)),
            c.py(rnd.uniform(y0, y1)),
            rnd.uniform(*length) * SS,
            rnd.uniform(0, 360),
            shade(color, rnd.uniform(0.85, 1.12)),
        )


def coffee_bag(
    c: Canvas,
    cx: int,
    bottom: int,
    width: int,
    height: int,
    body=KRAFT,
    label=PAPER,
    label_lines: tuple[str, ...] = (),
    accent=TERRACOTTA,
) -> None:
    """A stand-up pouch with a crimped top, a side gusset and a paper label."""
    soft_shadow(
        c, (cx - width * 0.62, bottom - height * 0.05, cx + width * 0.62, bottom + height * 0.06)
    )
    top = bottom - height
    half = width / 2
    body_poly = [
        (cx - half * 0.94, top + height * 0.1),
        (cx + half * 0.94, top + height * 0.1),
        (cx + half, bottom),
        (cx - half, bottom),
    ]
    c.draw.polygon(body_poly, fill=body)
    # gusset shading on the right side
    c.draw.polygon(
        [
            (cx + half * 0.72, top + height * 0.1),
            (cx + half * 0.94, top + height * 0.1),
            (cx + half, bottom),
            (cx + half * 0.76, bottom),
        ],
        fill=shade(body, 0.82),
    )
    # crimped top band
    band_h = height * 0.1
    c.draw.rectangle([cx - half * 0.94, top, cx + half * 0.94, top + band_h], fill=shade(body, 0.9))
    teeth = 18
    step = width * 0.94 / teeth
    zig = [
        (cx - half * 0.94 + i * step, top + (0 if i % 2 else band_h * 0.18))
        for i in range(teeth + 1)
    ]
    c.draw.line(zig, fill=shade(body, 0.7), width=2 * SS)
    c.draw.line(
        [(cx - half * 0.94, top + band_h), (cx + half * 0.94, top + band_h)],
        fill=shade(body, 0.7),
        width=2 * SS,
    )
    # degassing valve
    vx, vy = cx + half * 0.42, top + height * 0.2
    r = width * 0.035
    c.draw.ellipse([vx - r, vy - r, vx + r, vy + r], fill=shade(body, 0.75))
    c.draw.ellipse([vx - r / 2, vy - r / 2, vx + r / 2, vy + r / 2], fill=shade(body, 0.6))
    # label
    lx0, lx1 = cx - half * 0.66, cx + half * 0.56
    ly0, ly1 = top + height * 0.32, top + height * 0.8
    c.draw.rounded_rectangle([lx0, ly0, lx1, ly1], radius=int(width * 0.03), fill=label)
    c.draw.rectangle([lx0, ly0 + (ly1 - ly0) * 0.08, lx1, ly0 + (ly1 - ly0) * 0.13], fill=accent)
    bean(c, (lx0 + lx1) / 2, ly0 + (ly1 - ly0) * 0.3, (ly1 - ly0) * 0.22, 25, ROAST)
    y = ly0 + (ly1 - ly0) * 0.48
    sizes = (0.105, 0.06, 0.05)
    fonts = (serif_bold, sans_bold, sans)
    for i, line in enumerate(label_lines):
        fnt = fonts[min(i, 2)](max(8, int(width * sizes[min(i, 2)] / SS)))
        lw = c.draw.textlength(line, font=fnt)
        c.draw.text(((lx0 + lx1) / 2 - lw / 2, y), line, font=fnt, fill=ESPRESSO)
        y += getattr(fnt, "size", 20) * 1.25


def steam(c: Canvas, cx: float, top: float, height: float, color, width: int) -> None:
    for k, dx in enumerate((-0.22, 0.0, 0.22)):
        pts = []
        for i in range(31):
            t = i / 30
            x = cx + dx * height + math.sin(t * math.pi * 2 + k) * height * 0.06
            pts.append((x, top + height * (1 - t)))
        c.draw.line(pts, fill=color, width=width, joint="curve")


def cup(
    c: Canvas, cx: int, base: int, size: int, color=PAPER, coffee=ROAST, steam_color=None
) -> None:
    """A cup on a saucer, seen slightly from above, with steam."""
    soft_shadow(c, (cx - size * 0.8, base - size * 0.05, cx + size * 0.8, base + size * 0.18))
    c.draw.ellipse(
        [cx - size * 0.75, base - size * 0.12, cx + size * 0.75, base + size * 0.14],
        fill=shade(color, 0.9),
    )
    c.draw.ellipse(
        [cx - size * 0.6, base - size * 0.1, cx + size * 0.6, base + size * 0.08], fill=color
    )
    top = base - size * 0.72
    half = size * 0.48
    # handle
    c.draw.ellipse(
        [cx + half * 0.75, top + size * 0.12, cx + half * 1.45, top + size * 0.48],
        outline=shade(color, 0.88),
        width=int(size * 0.07),
    )
    # body: rectangle + rounded bottom, drawn as a mask so the shaded side follows the curve
    mask = Image.new("L", c.img.size, 0)
    md = ImageDraw.Draw(mask)
    md.rectangle([cx - half, top + size * 0.06, cx + half, base - size * 0.3], fill=255)
    md.pieslice([cx - half, base - size * 0.62, cx + half, base + size * 0.02], 0, 180, fill=255)
    c.img.paste(color, (0, 0), mask)
    md.rectangle([0, 0, cx + half * 0.72, c.h], fill=0)
    c.img.paste(shade(color, 0.93), (0, 0), mask)
    # rim and coffee
    c.draw.ellipse(
        [cx - half, top - size * 0.04, cx + half, top + size * 0.16], fill=shade(color, 0.95)
    )
    c.draw.ellipse(
        [cx - half * 0.88, top - size * 0.015, cx + half * 0.88, top + size * 0.14], fill=coffee
    )
    c.draw.ellipse(
        [cx - half * 0.35, top + size * 0.02, cx + half * 0.25, top + size * 0.09],
        fill=shade(coffee, 1.35),
    )
    if steam_color is not None:
        steam(c, cx, top - size * 0.75, size * 0.65, steam_color, int(size * 0.035))


def gift_box(c: Canvas, cx: int, bottom: int, w: int, h: int, color=BERRY, ribbon=GOLD) -> None:
    soft_shadow(c, (cx - w * 0.62, bottom - h * 0.06, cx + w * 0.62, bottom + h * 0.1))
    top = bottom - h
    c.draw.rectangle([cx - w / 2, top + h * 0.18, cx + w / 2, bottom], fill=color)
    c.draw.rectangle([cx + w * 0.3, top + h * 0.18, cx + w / 2, bottom], fill=shade(color, 0.85))
    c.draw.rectangle([cx - w * 0.55, top, cx + w * 0.55, top + h * 0.2], fill=shade(color, 1.1))
    c.draw.rectangle([cx + w * 0.33, top, cx + w * 0.55, top + h * 0.2], fill=color)
    rb = w * 0.07
    c.draw.rectangle([cx - rb, top, cx + rb, bottom], fill=ribbon)
    c.draw.rectangle([cx - w * 0.55, top + h * 0.07, cx + w * 0.55, top + h * 0.13], fill=ribbon)
    # bow
    for sgn in (-1, 1):
        c.draw.polygon(
            [(cx, top), (cx + sgn * w * 0.3, top - h * 0.2), (cx + sgn * w * 0.34, top + h * 0.02)],
            fill=shade(ribbon, 0.9),
        )
    c.draw.ellipse([cx - rb * 1.2, top - rb * 1.1, cx + rb * 1.2, top + rb * 1.0], fill=ribbon)


def gift_card(c: Canvas, box, top=TERRACOTTA, bottom=BERRY, amount="$50") -> None:
    x0, y0, x1, y1 = [int(v) for v in box]
    soft_shadow(c, (x0 + 20, y1 - 30, x1 - 20, y1 + 50), 110)
    card = gradient(x1 - x0, y1 - y0, top, bottom)
    mask = Image.new("L", card.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        [0, 0, card.width - 1, card.height - 1], radius=int(card.width * 0.06), fill=255
    )
    c.img.paste(card, (x0, y0), mask)
    w, h = x1 - x0, y1 - y0
    bean(c, x0 + w * 0.14, y0 + h * 0.22, h * 0.22, 30, CREAM)
    fnt = serif_bold(int(h * 0.2 / SS))
    c.draw.text((x0 + w * 0.07, y0 + h * 0.5), amount, font=fnt, fill=CREAM)
    small = sans_bold(int(h * 0.065 / SS))
    c.draw.text((x0 + w * 0.07, y0 + h * 0.82), "FERNWOOD GIFT CARD", font=small, fill=CREAM)
    # a bow in the corner
    gx, gy = x1 - w * 0.16, y0 + h * 0.2
    c.draw.rectangle([gx - w * 0.02, y0, gx + w * 0.02, y1], fill=GOLD)
    c.draw.ellipse([gx - w * 0.06, gy - w * 0.05, gx + w * 0.06, gy + w * 0.05], fill=GOLD)


def pour_over(c: Canvas, cx: int, bottom: int, size: int) -> None:
    """A cone dripper on a glass carafe, with drips and a kettle stream."""
    soft_shadow(c, (cx - size * 0.55, bottom - size * 0.05, cx + size * 0.55, bottom + size * 0.1))
    glass = (214, 226, 228)
    # carafe
    ct = bottom - size * 0.62
    c.draw.polygon(
        [
            (cx - size * 0.2, ct),
            (cx + size * 0.2, ct),
            (cx + size * 0.45, bottom - size * 0.12),
            (cx + size * 0.4, bottom),
            (cx - size * 0.4, bottom),
            (cx - size * 0.45, bottom - size * 0.12),
        ],
        fill=glass,
    )
    c.draw.polygon(
        [
            (cx - size * 0.37, bottom - size * 0.2),
            (cx + size * 0.37, bottom - size * 0.2),
            (cx + size * 0.4, bottom - size * 0.04),
            (cx - size * 0.4, bottom - size * 0.04),
        ],
        fill=ROAST,
    )
    c.draw.rectangle(
        [cx - size * 0.17, ct + size * 0.14, cx + size * 0.17, ct + size * 0.2], fill=CARAMEL
    )
    # dripper cone
    dt = ct - size * 0.42
    c.draw.polygon(
        [
            (cx - size * 0.36, dt),
            (cx + size * 0.36, dt),
            (cx + size * 0.1, ct),
            (cx - size * 0.1, ct),
        ],
        fill=PAPER,
    )
    c.draw.polygon(
        [
            (cx + size * 0.2, dt),
            (cx + size * 0.36, dt),
            (cx + size * 0.1, ct),
            (cx + size * 0.04, ct),
        ],
        fill=shade(PAPER, 0.9),
    )
    c.draw.rectangle(
        [cx - size * 0.38, dt - size * 0.03, cx + size * 0.38, dt + size * 0.02],
        fill=shade(PAPER, 0.95),
    )
    for dy in (0.06, 0.13, 0.2):
        r = size * 0.018
        c.draw.ellipse([cx - r, ct + size * dy - r, cx + r, ct + size * dy + r * 1.6], fill=ROAST)
    # water stream from above
    c.draw.line(
        [(cx - size * 0.02, dt - size * 0.2), (cx - size * 0.02, dt + size * 0.02)],
        fill=(236, 244, 246),
        width=int(size * 0.02),
    )


def french_press(c: Canvas, cx: int, bottom: int, size: int) -> None:
    soft_shadow(c, (cx - size * 0.42, bottom - size * 0.05, cx + size * 0.42, bottom + size * 0.1))
    w = size * 0.52
    top = bottom - size * 1.0
    c.draw.rectangle([cx - w / 2, top + size * 0.1, cx + w / 2, bottom], fill=(210, 222, 224))
    c.draw.rectangle(
        [
            cx - w / 2 + size * 0.02,
            top + size * 0.35,
            cx + w / 2 - size * 0.02,
            bottom - size * 0.02,
        ],
        fill=ROAST,
    )
    c.draw.rectangle(
        [cx - w / 2 + size * 0.02, top + size * 0.35, cx + w / 2 - size * 0.02, top + size * 0.39],
        fill=CARAMEL,
    )
    # frame and handle
    c.draw.rectangle(
        [cx - w / 2 - size * 0.03, bottom - size * 0.05, cx + w / 2 + size * 0.03, bottom],
        fill=ESPRESSO,
    )
    c.draw.rectangle(
        [cx - w / 2 - size * 0.03, top + size * 0.1, cx - w / 2, bottom], fill=ESPRESSO
    )
    c.draw.rounded_rectangle(
        [cx + w / 2, top + size * 0.25, cx + w / 2 + size * 0.2, top + size * 0.75],
        radius=int(size * 0.06),
        outline=ESPRESSO,
        width=int(size * 0.05),
    )
    # lid, plunger rod and knob
    c.draw.rounded_rectangle(
        [cx - w / 2 - size * 0.03, top + size * 0.04, cx + w / 2 + size * 0.03, top + size * 0.12],
        radius=int(size * 0.02),
        fill=ESPRESSO,
    )
    c.draw.rectangle(
        [cx - size * 0.012, top - size * 0.16, cx + size * 0.012, top + size * 0.05],
        fill=(150, 150, 150),
    )
    c.draw.ellipse(
        [cx - size * 0.05, top - size * 0.22, cx + size * 0.05, top - size * 0.13], fill=ESPRESSO
    )


def hand_grinder(c: Canvas, cx: int, bottom: int, size: int) -> None:
    soft_shadow(c, (cx - size * 0.3, bottom - size * 0.04, cx + size * 0.3, bottom + size * 0.08))
    w = size * 0.36
    top = bottom - size * 0.85
    steel = (178, 182, 186)
    c.draw.rounded_rectangle(
        [cx - w / 2, top, cx + w / 2, bottom], radius=int(size * 0.04), fill=steel
    )
    c.draw.rectangle(
        [cx + w * 0.22, top, cx + w / 2 - size * 0.01, bottom], fill=shade(steel, 0.85)
    )
    c.draw.rectangle([cx - w / 2, top + size * 0.38, cx + w / 2, top + size * 0.5], fill=ROAST)
    c.draw.rectangle([cx - size * 0.02, top - size * 0.14, cx + size * 0.02, top], fill=ESPRESSO)
    c.draw.rectangle(
        [cx - size * 0.02, top - size * 0.16, cx + size * 0.34, top - size * 0.12], fill=ESPRESSO
    )
    c.draw.ellipse(
        [cx + size * 0.28, top - size * 0.24, cx + size * 0.4, top - size * 0.1], fill=ROAST
    )


def person(c: Canvas, cx: int, bottom: int, h: int, skin, apron, shirt) -> None:
    head = h * 0.2
    c.draw.rounded_rectangle(
        [cx - h * 0.2, bottom - h * 0.62, cx + h * 0.2, bottom], radius=int(h * 0.12), fill=shirt
    )
    c.draw.rounded_rectangle(
        [cx - h * 0.13, bottom - h * 0.5, cx + h * 0.13, bottom], radius=int(h * 0.03), fill=apron
    )
    c.draw.ellipse(
        [cx - head / 2 - h * 0.01, bottom - h * 0.92, cx + head / 2 + h * 0.01, bottom - h * 0.66],
        fill=skin,
    )


def storefront(c: Canvas, x0: int, y0: int, x1: int, y1: int) -> None:
    w = x1 - x0
    c.draw.rectangle([x0, y0, x1, y1], fill=PINE)
    c.draw.rectangle(
        [x0 + w * 0.06, y0 + (y1 - y0) * 0.36, x1 - w * 0.4, y1 - (y1 - y0) * 0.06],
        fill=(250, 222, 160),
    )
    c.draw.rectangle(
        [x1 - w * 0.32, y0 + (y1 - y0) * 0.36, x1 - w * 0.08, y1], fill=shade(PINE, 0.7)
    )
    # striped awning with a scalloped edge
    aw_y = y0 + (y1 - y0) * 0.18
    stripes = 9
    sw = w / stripes
    for i in range(stripes):
        col = CREAM if i % 2 else TERRACOTTA
        c.draw.rectangle([x0 + i * sw, y0 + (y1 - y0) * 0.06, x0 + (i + 1) * sw, aw_y], fill=col)
        c.draw.pieslice(
            [x0 + i * sw, aw_y - sw / 2, x0 + (i + 1) * sw, aw_y + sw / 2], 0, 180, fill=col
        )
    # cups in the window
    for k in range(3):
        cup(c, int(x0 + w * (0.16 + k * 0.15)), int(y1 - (y1 - y0) * 0.12), int(w * 0.08))


def starburst(c: Canvas, cx: int, cy: int, r: int, fill, points: int = 14) -> None:
    pts = []
    for i in range(points * 2):
        rr = r if i % 2 == 0 else r * 0.8
        a = math.pi * i / points
        pts.append((cx + math.cos(a) * rr, cy + math.sin(a) * rr))
    c.draw.polygon(pts, fill=fill)


def headline(
    c: Canvas,
    title: str,
    sub: str | None,
    x: int,
    y: int,
    max_w: int,
    color,
    sub_color,
    size: int,
    align="left",
) -> int:
    y = text_block(c, title, serif_bold(size), x, y, max_w, color, align, spacing=1.12)
    if sub:
        y = text_block(
            c, sub, sans(max(20, round(size / 2.2))), x, y + c.py(0.012), max_w, sub_color, align
        )
    return y


# The images ------------------------------------------------------------------


def huila_bag(c: Canvas) -> None:
    snowflakes(c, "huila", 40, shade(FROST, 1.05), (0, 0.24, 1, 0.8))
    headline(
        c,
        "Huila, Colombia",
        "Winter harvest · red apple, panela, cocoa",
        c.px(0.08),
        c.py(0.06),
        c.px(0.84),
        CREAM,
        FROST,
        74,
    )
    c.draw.rectangle([0, c.py(0.8), c.w, c.h], fill=shade(ROAST, 0.75))
    coffee_bag(
        c,
        c.px(0.5),
        c.py(0.86),
        c.px(0.5),
        c.py(0.52),
        KRAFT,
        PAPER,
        ("HUILA", "COLOMBIA", "washed · 12 oz"),
        TERRACOTTA,
    )
    bean_scatter(c, "huila-beans", 9, (0.12, 0.86, 0.88, 0.92))
    wordmark(c, CREAM)


def yirgacheffe_bag(c: Canvas) -> None:
    snowflakes(c, "yirga", 40, shade(FROST, 1.05), (0, 0.24, 1, 0.8))
    headline(
        c,
        "Yirgacheffe, Ethiopia",
        "Winter harvest · blueberry, jasmine, bergamot",
        c.px(0.08),
        c.py(0.06),
        c.px(0.84),
        CREAM,
        FROST,
        70,
    )
    c.draw.rectangle([0, c.py(0.8), c.w, c.h], fill=shade(PINE, 0.7))
    coffee_bag(
        c,
        c.px(0.5),
        c.py(0.86),
        c.px(0.5),
        c.py(0.52),
        (226, 214, 196),
        PAPER,
        ("YIRGACHEFFE", "ETHIOPIA", "natural · 12 oz"),
        SAGE,
    )
    bean_scatter(c, "yirga-beans", 9, (0.12, 0.86, 0.88, 0.92), color=shade(ROAST, 1.1))
    wordmark(c, CREAM)


def teaser(c: Canvas) -> None:
    snowflakes(
        c, "teaser", 70, (200, 212, 224), keepout=((0.03, 0.24, 0.56, 0.72), (0.0, 0.86, 0.6, 1.0))
    )
    headline(
        c,
        "Something new is roasting",
        "Two winter single-origins · December 7",
        c.px(0.06),
        c.py(0.3),
        c.px(0.46),
        CREAM,
        FROST,
        58,
    )
    for cx, col in ((0.66, KRAFT), (0.84, (226, 214, 196))):
        coffee_bag(
            c,
            c.px(cx),
            c.py(0.92),
            c.px(0.15),
            c.py(0.62),
            shade(col, 0.55),
            shade(PAPER, 0.6),
            ("?",),
            shade(TERRACOTTA, 0.7),
        )
    wordmark(c, FROST, align="left")


def cupping_table(c: Canvas) -> None:
    # a top-down cupping table: a row of cups with spoons and bean piles
    c.draw.rectangle([0, c.py(0.42), c.w, c.py(0.92)], fill=(150, 104, 70))
    for i in range(8):
        c.draw.line(
            [(0, c.py(0.42 + i * 0.0625)), (c.w, c.py(0.42 + i * 0.0625))],
            fill=(138, 95, 63),
            width=SS * 2,
        )
    for k in range(4):
        x = c.px(0.16 + k * 0.225)
        r = c.px(0.085)
        y = c.py(0.6)
        c.draw.ellipse([x - r * 1.12, y - r * 1.12, x + r * 1.12, y + r * 1.12], fill=PAPER)
        c.draw.ellipse(
            [x - r * 0.92, y - r * 0.92, x + r * 0.92, y + r * 0.92],
            fill=(92, 52, 30) if k % 2 else (120, 70, 40),
        )
        c.draw.ellipse([x - r * 0.5, y - r * 0.55, x + r * 0.1, y - r * 0.2], fill=(150, 100, 64))
        bean_scatter(c, f"cup{k}", 6, ((x - r) / c.w, 0.78, (x + r) / c.w, 0.86), (26, 34))
    # spoon
    c.draw.ellipse([c.px(0.8), c.py(0.32), c.px(0.86), c.py(0.38)], fill=(190, 192, 196))
    c.draw.line(
        [(c.px(0.83), c.py(0.37)), (c.px(0.95), c.py(0.5))], fill=(190, 192, 196), width=SS * 8
    )
    headline(
        c,
        "Cupping day",
        "Huila vs. Yirgacheffe, blind, at the roastery",
        c.px(0.07),
        c.py(0.07),
        c.px(0.7),
        ESPRESSO,
        ROAST,
        64,
    )
    wordmark(c, ROAST)


def gift_box_img(c: Canvas) -> None:
    snowflakes(c, "gift", 45, shade(BERRY, 1.35), (0, 0.25, 1, 0.8))
    headline(
        c,
        "Give the gift of good mornings",
        "Gift subscriptions · 3, 6 or 12 months",
        c.px(0.08),
        c.py(0.06),
        c.px(0.84),
        CREAM,
        shade(CREAM, 0.9),
        68,
    )
    c.draw.rectangle([0, c.py(0.82), c.w, c.h], fill=shade(BERRY, 0.6))
    gift_box(c, c.px(0.36), c.py(0.88), c.px(0.4), c.py(0.3), PINE, GOLD)
    coffee_bag(
        c, c.px(0.72), c.py(0.88), c.px(0.3), c.py(0.34), KRAFT, PAPER, ("HOLIDAY", "BLEND"), BERRY
    )
    wordmark(c, CREAM)


def gift_card_img(c: Canvas) -> None:
    confetti(
        c,
        "card",
        60,
        [GOLD, CREAM, TERRACOTTA, BERRY],
        (0.0, 0.0, 1.0, 1.0),
        keepout=((0.05, 0.04, 0.95, 0.3), (0.1, 0.38, 0.9, 0.9), (0.0, 0.9, 1.0, 1.0)),
    )
    headline(
        c,
        "Last-minute? We’ve got you.",
        "Digital gift cards, delivered in minutes",
        c.px(0.08),
        c.py(0.07),
        c.px(0.84),
        ESPRESSO,
        ROAST,
        58,
    )
    gift_card(c, (c.px(0.14), c.py(0.42), c.px(0.86), c.py(0.84)))
    wordmark(c, ROAST)


def last_shipping(c: Canvas) -> None:
    # a tear-off calendar page: DEC 17
    x0, y0, x1, y1 = c.px(0.6), c.py(0.16), c.px(0.9), c.py(0.86)
    soft_shadow(c, (x0, y1 - 20, x1, y1 + 40), 120)
    c.draw.rounded_rectangle([x0, y0, x1, y1], radius=c.px(0.02), fill=PAPER)
    c.draw.rounded_rectangle([x0, y0, x1, y0 + (y1 - y0) * 0.25], radius=c.px(0.02), fill=BERRY)
    c.draw.rectangle([x0, y0 + (y1 - y0) * 0.15, x1, y0 + (y1 - y0) * 0.25], fill=BERRY)
    fm = sans_bold(34)
    lw = c.draw.textlength("DEC", font=fm)
    c.draw.text(((x0 + x1) / 2 - lw / 2, y0 + (y1 - y0) * 0.06), "DEC", font=fm, fill=CREAM)
    fb = serif_bold(150)
    lw = c.draw.textlength("17", font=fb)
    c.draw.text(((x0 + x1) / 2 - lw / 2, y0 + (y1 - y0) * 0.33), "17", font=fb, fill=ESPRESSO)
    for k in range(4):
        rx = x0 + (x1 - x0) * (0.2 + k * 0.2)
        c.draw.ellipse([rx - 10 * SS, y0 - 14 * SS, rx + 10 * SS, y0 + 6 * SS], fill=ESPRESSO)
    snowflakes(
        c,
        "ship",
        40,
        shade(FROST, 1.02),
        (0, 0, 0.56, 1),
        keepout=((0.03, 0.18, 0.56, 0.7), (0.0, 0.88, 0.6, 1.0)),
    )
    headline(
        c,
        "Last day to order for Christmas delivery",
        "Standard shipping · order by noon CT",
        c.px(0.06),
        c.py(0.22),
        c.px(0.48),
        CREAM,
        FROST,
        56,
    )
    wordmark(c, FROST, align="left")


def first_bag_free(c: Canvas) -> None:
    headline(
        c,
        "Your first bag is on us",
        "Start any subscription in January",
        c.px(0.08),
        c.py(0.06),
        c.px(0.84),
        ESPRESSO,
        ROAST,
        76,
    )
    c.draw.rectangle([0, c.py(0.8), c.w, c.h], fill=shade(CARAMEL, 0.8))
    coffee_bag(
        c,
        c.px(0.46),
        c.py(0.86),
        c.px(0.48),
        c.py(0.48),
        KRAFT,
        PAPER,
        ("HOUSE", "BLEND", "medium · 12 oz"),
        PINE,
    )
    starburst(c, c.px(0.76), c.py(0.43), c.px(0.14), TERRACOTTA)
    fnt = sans_bold(44)
    for i, word in enumerate(("1ST BAG", "FREE")):
        lw = c.draw.textlength(word, font=fnt)
        c.draw.text(
            (c.px(0.76) - lw / 2, c.py(0.405) + i * 54 * SS - 20 * SS), word, font=fnt, fill=CREAM
        )
    wordmark(c, CREAM)


def subscription_box(c: Canvas) -> None:
    headline(
        c,
        "Fresh coffee, on your schedule",
        "Every 1, 2 or 4 weeks · skip or pause anytime",
        c.px(0.08),
        c.py(0.07),
        c.px(0.84),
        CREAM,
        shade(CREAM, 0.9),
        58,
    )
    # an open mailer box with three bags peeking out
    cx, bottom = c.px(0.5), c.py(0.88)
    w, h = c.px(0.64), c.py(0.26)
    for k, (dx, col) in enumerate(
        ((-0.19, KRAFT), (0.0, (226, 214, 196)), (0.19, shade(KRAFT, 0.9)))
    ):
        coffee_bag(
            c,
            int(cx + c.w * dx),
            bottom - h // 3,
            c.px(0.2),
            c.py(0.36),
            col,
            PAPER,
            (("HUILA",), ("HOUSE",), ("YIRGA",))[k],
            (TERRACOTTA, PINE, SAGE)[k],
        )
    c.draw.rectangle([cx - w / 2, bottom - h, cx + w / 2, bottom], fill=(176, 128, 84))
    c.draw.polygon(
        [
            (cx - w / 2, bottom - h),
            (cx - w * 0.62, bottom - h * 1.25),
            (cx - w * 0.45, bottom - h * 1.25),
            (cx - w * 0.38, bottom - h),
        ],
        fill=(150, 106, 68),
    )
    c.draw.polygon(
        [
            (cx + w / 2, bottom - h),
            (cx + w * 0.62, bottom - h * 1.25),
            (cx + w * 0.45, bottom - h * 1.25),
            (cx + w * 0.38, bottom - h),
        ],
        fill=(150, 106, 68),
    )
    fnt = sans_bold(30)
    lw = c.draw.textlength("FERNWOOD · FRESHLY ROASTED", font=fnt)
    c.draw.text((cx - lw / 2, bottom - h * 0.6), "FERNWOOD · FRESHLY ROASTED", font=fnt, fill=CREAM)
    wordmark(c, CREAM)


def how_it_works(c: Canvas) -> None:
    headline(
        c,
        "How a Fernwood subscription works",
        None,
        c.px(0.06),
        c.py(0.09),
        c.px(0.9),
        ESPRESSO,
        ROAST,
        52,
    )
    steps = (
        ("1", "Pick a coffee", "or let us choose"),
        ("2", "Choose a rhythm", "1, 2 or 4 weeks"),
        ("3", "We roast & ship", "within 48 hours"),
    )
    for k, (num, title, sub) in enumerate(steps):
        cx = c.px(0.2 + k * 0.3)
        cy = c.py(0.5)
        r = c.px(0.085)
        c.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(TERRACOTTA, PINE, ROAST)[k])
        fn = serif_bold(72)
        lw = c.draw.textlength(num, font=fn)
        c.draw.text((cx - lw / 2, cy - 46 * SS), num, font=fn, fill=CREAM)
        text_block(
            c,
            title,
            sans_bold(30),
            cx - c.px(0.14),
            cy + r + c.py(0.04),
            c.px(0.28),
            ESPRESSO,
            "center",
        )
        text_block(
            c, sub, sans(24), cx - c.px(0.14), cy + r + c.py(0.11), c.px(0.28), ROAST, "center"
        )
        if k < 2:
            ax = cx + r + c.px(0.03)
            c.draw.line([(ax, cy), (ax + c.px(0.07), cy)], fill=CARAMEL, width=SS * 6)
            c.draw.polygon(
                [
                    (ax + c.px(0.08), cy),
                    (ax + c.px(0.06), cy - 14 * SS),
                    (ax + c.px(0.06), cy + 14 * SS),
                ],
                fill=CARAMEL,
            )
    wordmark(c, ROAST)


def pour_over_img(c: Canvas) -> None:
    headline(
        c,
        "Brew School: the pour-over",
        "15 g coffee · 250 g water · 3 minutes",
        c.px(0.08),
        c.py(0.06),
        c.px(0.84),
        ESPRESSO,
        ROAST,
        70,
    )
    c.draw.rectangle([0, c.py(0.84), c.w, c.h], fill=shade(SAGE, 0.8))
    pour_over(c, c.px(0.5), c.py(0.88), c.px(0.62))
    wordmark(c, CREAM)


def grinder_guide(c: Canvas) -> None:
    headline(c, "Grind size, decoded", None, c.px(0.07), c.py(0.06), c.px(0.86), CREAM, FROST, 66)
    hand_grinder(c, c.px(0.2), c.py(0.86), c.px(0.5))
    rows = (
        ("Espresso", 5, "fine as table salt"),
        ("Pour-over", 9, "like sea salt"),
        ("French press", 15, "coarse, like breadcrumbs"),
    )
    for k, (name, r, desc) in enumerate(rows):
        y = c.py(0.34 + k * 0.18)
        x = c.px(0.44)
        rnd = random.Random(name)
        for i in range(7):
            rr = r * SS * rnd.uniform(0.8, 1.2)
            px = x + i * (r * 2.6 * SS + 6 * SS)
            c.draw.ellipse(
                [px - rr, y - rr, px + rr, y + rr], fill=shade(CARAMEL, rnd.uniform(0.8, 1.05))
            )
        c.draw.text((x - r * SS, y + 24 * SS), name, font=sans_bold(38), fill=CREAM)
        c.draw.text((x - r * SS, y + 70 * SS), desc, font=sans(30), fill=FROST)
    wordmark(c, CREAM)


def french_press_img(c: Canvas) -> None:
    headline(
        c,
        "French press, no sludge",
        "Coarse grind · 4 minutes · pour it all off",
        c.px(0.08),
        c.py(0.06),
        c.px(0.84),
        CREAM,
        shade(CREAM, 0.9),
        70,
    )
    c.draw.rectangle([0, c.py(0.84), c.w, c.h], fill=shade(ESPRESSO, 1.2))
    french_press(c, c.px(0.42), c.py(0.88), c.px(0.5))
    cup(c, c.px(0.78), c.py(0.88), c.px(0.2), PAPER, ROAST, shade(CREAM, 0.8))
    wordmark(c, CREAM)


def water_ratio(c: Canvas) -> None:
    fb = serif_bold(200)
    c.draw.text((c.px(0.06), c.py(0.2)), "1:16", font=fb, fill=ESPRESSO)
    text_block(
        c,
        "One gram of coffee to sixteen grams of water. Start here, then adjust to taste.",
        sans(30),
        c.px(0.07),
        c.py(0.62),
        c.px(0.45),
        ROAST,
    )
    # a kitchen scale with a cup on it
    sx, sy = c.px(0.76), c.py(0.84)
    soft_shadow(c, (sx - c.px(0.17), sy - 20, sx + c.px(0.17), sy + 40))
    c.draw.rounded_rectangle(
        [sx - c.px(0.16), sy - c.py(0.1), sx + c.px(0.16), sy], radius=c.px(0.015), fill=ESPRESSO
    )
    c.draw.rounded_rectangle(
        [sx - c.px(0.06), sy - c.py(0.08), sx + c.px(0.06), sy - c.py(0.03)],
        radius=8,
        fill=(120, 160, 120),
    )
    c.draw.text((sx - c.px(0.045), sy - c.py(0.08)), "250 g", font=sans_bold(24), fill=ESPRESSO)
    cup(c, sx, sy - c.py(0.1), c.px(0.14), PAPER, ROAST, shade(ROAST, 1.3))
    bean_scatter(c, "ratio", 10, (0.5, 0.12, 0.62, 0.5), (30, 40))
    wordmark(c, ROAST, align="left")


def team(c: Canvas) -> None:
    # the roaster drum behind the team
    c.draw.rectangle([c.px(0.62), c.py(0.22), c.px(0.92), c.py(0.72)], fill=shade(ESPRESSO, 1.15))
    c.draw.ellipse([c.px(0.66), c.py(0.28), c.px(0.8), c.py(0.56)], fill=(60, 60, 64))
    c.draw.ellipse([c.px(0.69), c.py(0.33), c.px(0.77), c.py(0.51)], fill=CARAMEL)
    c.draw.rectangle([c.px(0.84), c.py(0.06), c.px(0.88), c.py(0.22)], fill=(60, 60, 64))
    c.draw.rectangle([0, c.py(0.72), c.w, c.h], fill=shade(ROAST, 0.7))
    skins = ((241, 200, 160), (141, 85, 56), (224, 172, 128), (92, 58, 40), (198, 140, 100))
    aprons = (TERRACOTTA, PINE, BERRY, SAGE, GOLD)
    shirts = (CREAM, (90, 110, 140), (240, 240, 240), (60, 60, 60), (170, 190, 180))
    for k in range(5):
        person(c, c.px(0.1 + k * 0.115), c.py(0.9), c.py(0.5), skins[k], aprons[k], shirts[k])
    headline(
        c,
        "The people behind your cup",
        "Pilsen, Chicago · roasting since 2014",
        c.px(0.06),
        c.py(0.07),
        c.px(0.56),
        CREAM,
        shade(CREAM, 0.85),
        52,
    )
    wordmark(c, CREAM, y=c.py(0.94))


def holiday_hours(c: Canvas) -> None:
    headline(
        c,
        "Holiday hours",
        "Café at 1840 S Halsted St",
        c.px(0.08),
        c.py(0.07),
        c.px(0.84),
        CREAM,
        FROST,
        76,
    )
    rows = (
        ("Thu Dec 24", "7 am – 2 pm"),
        ("Fri Dec 25", "Closed"),
        ("Thu Dec 31", "7 am – 3 pm"),
        ("Fri Jan 1", "Closed"),
        ("Sat Jan 2", "Back to normal"),
    )
    y = c.py(0.34)
    c.draw.rounded_rectangle(
        [c.px(0.08), y - c.py(0.03), c.px(0.92), c.py(0.88)], radius=c.px(0.03), fill=PAPER
    )
    for day, hours in rows:
        c.draw.text((c.px(0.13), y), day, font=sans_bold(40), fill=ESPRESSO)
        lw = c.draw.textlength(hours, font=sans(40))
        c.draw.text(
            (c.px(0.87) - lw, y), hours, font=sans(40), fill=BERRY if hours == "Closed" else ROAST
        )
        y += c.py(0.1)
    snowflakes(
        c, "hours", 30, shade(FROST, 1.02), (0, 0, 1, 0.26), keepout=((0.05, 0.03, 0.62, 0.25),)
    )
    wordmark(c, CREAM)


def cafe_partners(c: Canvas) -> None:
    storefront(c, c.px(0.5), c.py(0.16), c.px(0.94), c.py(0.92))
    headline(
        c,
        "Wholesale for Chicago cafés",
        "Winter single-origins for your menu · barista training included",
        c.px(0.05),
        c.py(0.24),
        c.px(0.42),
        CREAM,
        FROST,
        48,
    )
    wordmark(c, FROST, align="left")


def new_year(c: Canvas) -> None:
    confetti(
        c,
        "ny",
        110,
        [GOLD, TERRACOTTA, CREAM, SAGE],
        (0.0, 0.0, 1.0, 0.8),
        keepout=((0.04, 0.32, 0.96, 0.56), (0.3, 0.56, 0.7, 0.8)),
    )
    headline(
        c,
        "Hello, 2027",
        "Thank you for a year of good coffee",
        c.px(0.08),
        c.py(0.36),
        c.px(0.84),
        CREAM,
        FROST,
        96,
        "center",
    )
    c.draw.rectangle([0, c.py(0.82), c.w, c.h], fill=shade(MIDNIGHT, 0.7))
    cup(c, c.px(0.5), c.py(0.86), c.px(0.24), PAPER, ROAST, shade(FROST, 0.9))
    wordmark(c, CREAM)


def latte_art(c: Canvas) -> None:
    headline(
        c,
        "Milk, steamed right",
        "Silky microfoam at home, no machine needed",
        c.px(0.08),
        c.py(0.06),
        c.px(0.84),
        ESPRESSO,
        ROAST,
        66,
    )
    # a wide cup seen from above, with a heart of milk foam
    cx, cy, r = c.px(0.5), c.py(0.6), c.px(0.3)
    soft_shadow(c, (cx - r * 1.25, cy - r * 1.05, cx + r * 1.35, cy + r * 1.35), 80)
    c.draw.ellipse(
        [cx - r * 1.25, cy - r * 1.25, cx + r * 1.25, cy + r * 1.25], fill=shade(PAPER, 0.92)
    )
    c.draw.ellipse(
        [cx + r * 0.95, cy - r * 0.2, cx + r * 1.45, cy + r * 0.2],
        outline=PAPER,
        width=int(r * 0.12),
    )
    c.draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=PAPER)
    c.draw.ellipse([cx - r * 0.86, cy - r * 0.86, cx + r * 0.86, cy + r * 0.86], fill=(150, 95, 55))
    h = r * 0.5
    c.draw.ellipse([cx - h, cy - h * 0.8, cx, cy + h * 0.2], fill=CREAM)
    c.draw.ellipse([cx, cy - h * 0.8, cx + h, cy + h * 0.2], fill=CREAM)
    c.draw.polygon(
        [(cx - h * 0.97, cy - h * 0.15), (cx + h * 0.97, cy - h * 0.15), (cx, cy + h * 0.95)],
        fill=CREAM,
    )
    c.draw.line([(cx, cy - h * 0.6), (cx, cy + h * 0.95)], fill=(170, 115, 72), width=SS * 3)
    wordmark(c, ROAST)


def refer_friend(c: Canvas) -> None:
    headline(
        c,
        "Share the good stuff",
        "They get their first bag free. You get $10.",
        c.px(0.08),
        c.py(0.07),
        c.px(0.84),
        ESPRESSO,
        ROAST,
        70,
    )
    c.draw.rectangle([0, c.py(0.8), c.w, c.h], fill=shade(SAGE, 0.85))
    cup(c, c.px(0.33), c.py(0.84), c.px(0.26), PAPER, ROAST, shade(SAGE, 0.9))
    cup(c, c.px(0.67), c.py(0.84), c.px(0.26), (236, 214, 190), ROAST, shade(SAGE, 0.9))
    # a small heart between the cups
    hx, hy, r = c.px(0.5), c.py(0.4), c.px(0.035)
    c.draw.ellipse([hx - 2 * r, hy - r, hx, hy + r], fill=TERRACOTTA)
    c.draw.ellipse([hx, hy - r, hx + 2 * r, hy + r], fill=TERRACOTTA)
    c.draw.polygon(
        [(hx - 1.95 * r, hy + r * 0.3), (hx + 1.95 * r, hy + r * 0.3), (hx, hy + 2.4 * r)],
        fill=TERRACOTTA,
    )
    wordmark(c, CREAM)


@dataclass(frozen=True)
class Spec:
    path: str
    size: tuple[int, int]
    top: tuple[int, int, int]
    bottom: tuple[int, int, int]
    paint: Callable[[Canvas], None]
    radial: bool = False


PORTRAIT = (1080, 1350)
SQUARE = (1080, 1080)
LANDSCAPE = (1200, 675)

SPECS = [
    Spec("assets/winter-harvest/huila-bag.jpg", PORTRAIT, MIDNIGHT, (88, 72, 80), huila_bag),
    Spec(
        "assets/winter-harvest/yirgacheffe-bag.jpg",
        PORTRAIT,
        PINE,
        (120, 140, 130),
        yirgacheffe_bag,
    ),
    Spec(
        "assets/winter-harvest/teaser.jpg",
        LANDSCAPE,
        (22, 26, 40),
        (70, 80, 104),
        teaser,
        radial=True,
    ),
    Spec("assets/winter-harvest/cupping-table.jpg", SQUARE, CREAM, (226, 204, 176), cupping_table),
    Spec("assets/holiday-gifting/gift-box.jpg", PORTRAIT, BERRY, (90, 30, 40), gift_box_img),
    Spec("assets/holiday-gifting/gift-card.jpg", SQUARE, PAPER, (236, 214, 190), gift_card_img),
    Spec(
        "assets/holiday-gifting/last-shipping-day.jpg", LANDSCAPE, (36, 58, 50), PINE, last_shipping
    ),
    Spec(
        "assets/subscription-drive/first-bag-free.jpg",
        PORTRAIT,
        PAPER,
        (232, 200, 160),
        first_bag_free,
    ),
    Spec(
        "assets/subscription-drive/subscription-box.jpg",
        SQUARE,
        TERRACOTTA,
        (150, 70, 40),
        subscription_box,
    ),
    Spec("assets/subscription-drive/how-it-works.jpg", LANDSCAPE, PAPER, CREAM, how_it_works),
    Spec(
        "assets/subscription-drive/refer-a-friend.jpg", SQUARE, PAPER, (214, 222, 200), refer_friend
    ),
    Spec(
        "assets/brew-school/pour-over.jpg",
        PORTRAIT,
        (236, 240, 230),
        (200, 212, 190),
        pour_over_img,
    ),
    Spec(
        "assets/brew-school/grinder-guide.jpg", SQUARE, ESPRESSO, ROAST, grinder_guide, radial=True
    ),
    Spec("assets/brew-school/french-press.jpg", PORTRAIT, ROAST, ESPRESSO, french_press_img),
    Spec("assets/brew-school/water-ratio.jpg", LANDSCAPE, PAPER, (236, 220, 196), water_ratio),
    Spec("assets/brew-school/latte-art.jpg", PORTRAIT, (240, 230, 214), (214, 188, 156), latte_art),
    Spec("assets/team/roastery-team.jpg", LANDSCAPE, (70, 50, 40), ESPRESSO, team),
    Spec("assets/general/holiday-hours.jpg", SQUARE, PINE, (28, 46, 36), holiday_hours),
    Spec("assets/general/new-year.jpg", PORTRAIT, MIDNIGHT, (60, 50, 90), new_year, radial=True),
    Spec("assets/wholesale/cafe-partners.jpg", LANDSCAPE, (60, 44, 36), ESPRESSO, cafe_partners),
]


def render(spec: Spec) -> Image.Image:
    c = new_canvas(spec.size, spec.top, spec.bottom, spec.radial)
    spec.paint(c)
    return c.img.resize(spec.size, Image.LANCZOS)


def save(img: Image.Image, path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    quality = QUALITY
    while True:
        img.save(path, "JPEG", quality=quality, optimize=True)
        size = path.stat().st_size
        if size <= MAX_BYTES or quality <= 50:
            return size
        quality -= 5


def main(argv: list[str]) -> int:
    wanted = set(argv)
    total = 0
    for spec in SPECS:
        if wanted and spec.path not in wanted and Path(spec.path).stem not in wanted:
            continue
        size = save(render(spec), ROOT / spec.path)
        total += size
        print(f"{spec.path:48} {spec.size[0]}x{spec.size[1]} {size / 1000:6.1f} kB")
    print(f"total {total / 1000:.1f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

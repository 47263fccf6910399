#!/usr/bin/env python3
"""Generate the OmniCRM app icon set for Tauri 2 into icons/.

Design: a calm rounded square with a teal-to-sage diagonal gradient and a
simple white leaf (with a cut-out vein and a short stem).

Requires Pillow (`python3 -m pip install pillow`). Outputs (all RGBA):
  icons/32x32.png, 128x128.png, 128x128@2x.png (256), icon.png (512),
  icon.ico (16..256), icon.icns (16..1024, if Pillow can write ICNS).

Usage: python3 scripts/make-icons.py [OUT_DIR]
"""
import math
import os
import sys

from PIL import Image, ImageChops, ImageDraw, ImageFilter

MASTER = 1024          # drawing size; everything is downscaled from this
SS = 2                 # extra supersampling factor for smooth edges

TEAL = (38, 128, 120)  # #268078
SAGE = (139, 182, 152)  # #8bb698
WHITE = (255, 255, 255, 255)


def lerp(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def gradient(size):
    """Diagonal gradient, teal at the bottom-left to sage at the top-right."""
    small = 64
    g = Image.new("RGB", (small, small))
    px = g.load()
    for y in range(small):
        for x in range(small):
            t = (x + (small - 1 - y)) / (2 * (small - 1))
            t = t * t * (3 - 2 * t)  # smoothstep for a softer blend
            px[x, y] = lerp(TEAL, SAGE, t)
    return g.resize((size, size), Image.BILINEAR)


def rounded_square_mask(size, margin, radius):
    m = Image.new("L", (size, size), 0)
    ImageDraw.Draw(m).rounded_rectangle(
        (margin, margin, size - 1 - margin, size - 1 - margin), radius=radius, fill=255
    )
    return m


def leaf_mask(size):
    """White leaf: intersection of two circles (a lens), tilted 45 degrees,
    with a vein cut out and a short stem at its base."""
    c = size / 2
    length = size * 0.58          # tip-to-tip length of the lens
    width = size * 0.30           # widest point of the lens
    # Two circles whose intersection is a lens of the given length and width.
    # For a circle of radius r with centre offset d from the axis:
    #   half-length L = sqrt(r^2 - d^2), half-width W = r - d
    L, W = length / 2, width / 2
    r = (L * L + W * W) / (2 * W)
    d = r - W
    a = Image.new("L", (size, size), 0)
    b = Image.new("L", (size, size), 0)
    ImageDraw.Draw(a).ellipse((c - r, c - d - r, c + r, c - d + r), fill=255)
    ImageDraw.Draw(b).ellipse((c - r, c + d - r, c + r, c + d + r), fill=255)
    leaf = ImageChops.multiply(a, b)  # lens lying horizontally, centred

    draw = ImageDraw.Draw(leaf)
    # Stem: extends left from the base tip of the lens.
    stem_w = max(1, round(size * 0.045))
    draw.line((c - L - size * 0.10, c, c - L + size * 0.05, c), fill=255, width=stem_w)
    draw.ellipse(
        (c - L - size * 0.10 - stem_w / 2, c - stem_w / 2,
         c - L - size * 0.10 + stem_w / 2, c + stem_w / 2),
        fill=255,
    )
    # Vein: a cut-out along the axis, from the base to ~70 % of the way to the tip.
    vein_w = max(1, round(size * 0.032))
    x0, x1 = c - L * 0.55, c + L * 0.55
    draw.line((x0, c, x1, c), fill=0, width=vein_w)
    for x in (x0, x1):
        draw.ellipse((x - vein_w / 2, c - vein_w / 2, x + vein_w / 2, c + vein_w / 2), fill=0)

    # Tilt: tip towards the top-right, stem towards the bottom-left.
    leaf = leaf.rotate(40, resample=Image.BICUBIC, center=(c, c))
    # Nudge slightly down-left of centre: optical centring for the stem.
    return ImageChops.offset(leaf, round(size * 0.02), round(size * 0.01))


def master_icon():
    size = MASTER * SS
    margin = round(size * 0.035)
    radius = round(size * 0.225)

    bg = gradient(size).convert("RGBA")
    shape = rounded_square_mask(size, margin, radius)

    # A very soft inner highlight at the top for depth (kept subtle).
    glow = Image.new("L", (size, size), 0)
    ImageDraw.Draw(glow).ellipse(
        (-size * 0.2, -size * 0.75, size * 1.2, size * 0.45), fill=28
    )
    glow = glow.filter(ImageFilter.GaussianBlur(size * 0.06))
    bg = Image.composite(Image.new("RGBA", (size, size), WHITE), bg, glow)

    # Soft shadow under the leaf, then the leaf.
    leaf = leaf_mask(size)
    shadow = leaf.filter(ImageFilter.GaussianBlur(size * 0.012))
    shadow = ImageChops.offset(shadow, 0, round(size * 0.008)).point(lambda v: v * 0.22)
    bg = Image.composite(Image.new("RGBA", (size, size), (20, 70, 64, 255)), bg, shadow)
    bg = Image.composite(Image.new("RGBA", (size, size), WHITE), bg, leaf)

    out = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    out.paste(bg, (0, 0), shape)
    return out.convert("RGBa").resize((MASTER, MASTER), Image.LANCZOS).convert("RGBA")


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "icons")
    os.makedirs(out_dir, exist_ok=True)

    master = master_icon()

    def sized(px):
        # Resize premultiplied so transparent corners don't bleed dark fringes.
        im = master.convert("RGBa").resize((px, px), Image.LANCZOS).convert("RGBA")
        if px <= 64:
            # A touch of sharpening keeps small sizes crisp; sharpen colour only,
            # keep the alpha channel as resized.
            # Flatten onto the edge colour first so near-transparent edge
            # pixels carry no stray colour, then drop alpha dust.
            alpha = im.getchannel("A").point(lambda v: 0 if v < 6 else v)
            rgb = Image.new("RGB", im.size, lerp(TEAL, SAGE, 0.5))
            rgb.paste(im, (0, 0), im)
            rgb = rgb.filter(ImageFilter.UnsharpMask(radius=0.6, percent=60, threshold=0))
            im = rgb.convert("RGBA")
            im.putalpha(alpha)
        return im

    outputs = {
        "32x32.png": 32,
        "64x64.png": 64,
        "128x128.png": 128,
        "128x128@2x.png": 256,
        "icon.png": 512,
    }
    for name, px in outputs.items():
        sized(px).save(os.path.join(out_dir, name), format="PNG", optimize=True)
        print(f"wrote {name} ({px}x{px})")

    ico_sizes = [16, 24, 32, 48, 64, 128, 256]
    sized(256).save(
        os.path.join(out_dir, "icon.ico"),
        format="ICO",
        sizes=[(s, s) for s in ico_sizes],
    )
    print("wrote icon.ico " + ",".join(map(str, ico_sizes)))

    try:
        master.save(os.path.join(out_dir, "icon.icns"), format="ICNS")
        print("wrote icon.icns")
    except Exception as exc:  # pragma: no cover - depends on the Pillow build
        print(f"skipped icon.icns: {exc}", file=sys.stderr)

    return 0


if __name__ == "__main__":
    sys.exit(main())

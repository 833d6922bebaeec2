"""Reading a QR code back from a screenshot the way a phone would (zbar), and checking the light
margin around it: a drawing that CSS crops instead of scaling reads as nothing, or barely."""

from __future__ import annotations

import subprocess

import segno
from PIL import Image


def decode(png: bytes, tmp_path) -> list[str]:
    image = tmp_path / "qr.png"
    image.write_bytes(png)
    result = subprocess.run(
        ["zbarimg", "--raw", "--quiet", "-Sdisable", "-Sqrcode.enable", str(image)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return [line for line in result.stdout.splitlines() if line]


def quiet_zone_problems(png: bytes, payload: str, tmp_path) -> str:
    """What is wrong with the margin around the symbol, or "". Readers need four light modules
    on every side; a cropped drawing loses them (or part of the symbol) on the right and bottom."""
    image_path = tmp_path / "qr-zone.png"
    image_path.write_bytes(png)
    image = Image.open(image_path).convert("L")
    dark = image.point(lambda value: 255 if value < 128 else 0).getbbox()
    if dark is None:
        return "no dark pixels at all"
    modules = segno.make(payload, error="m", micro=False).symbol_size(scale=1, border=0)[0]
    module = (dark[2] - dark[0]) / modules
    margins = {"left": dark[0], "top": dark[1], "right": image.width - dark[2], "bottom": image.height - dark[3]}
    thin = {side: round(px / module, 1) for side, px in margins.items() if px < 3.5 * module}
    return f"quiet zone under 4 modules: {thin}" if thin else ""

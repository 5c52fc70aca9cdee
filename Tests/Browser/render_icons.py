#!/usr/bin/env python3
"""Renders the chat page's PNG icons from its SVG, in Debian's headless Chromium (no image tools needed).

    .build/pyenv/bin/python Tests/Browser/render_icons.py      (or `make icons`)

Writes, beside Sources/PatchbayServer/Pages/ChatPage/icon.svg: icon-192.png and icon-512.png (the
rounded square on a transparent background) and icon-maskable-512.png (on a full-bleed square of
the icon's own blue: launchers crop maskable icons to their own shape, and the glyph sits inside
the central safe circle). The PNGs are committed; rerun this after editing the SVG.
"""

import base64
import pathlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FOLDER = pathlib.Path(__file__).resolve().parents[2] / "Sources/PatchbayServer/Pages/ChatPage"
BLUE = "#2563eb"  # the SVG's background


def render(driver, svg, size, background):
    """The SVG drawn at size x size on `background` (None: transparent), as PNG bytes."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": size, "height": size, "deviceScaleFactor": 1, "mobile": False})
    driver.execute_cdp_cmd("Emulation.setDefaultBackgroundColorOverride",
                           {"color": {"r": 0, "g": 0, "b": 0, "a": 0}})
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    fill = background or "transparent"
    driver.get(f"data:text/html,<body style='margin:0;background:{fill}'><img src='{source}' width='{size}' height='{size}'>"
               .replace("#", "%23"))
    driver.execute_async_script("const done = arguments[0]; const i = document.images[0]; i.complete ? done() : i.onload = done;")
    return base64.b64decode(driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})["data"])


def main():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        svg = (FOLDER / "icon.svg").read_text()
        for name, size, background in (("icon-192.png", 192, None), ("icon-512.png", 512, None),
                                       ("icon-maskable-512.png", 512, BLUE)):
            (FOLDER / name).write_bytes(render(driver, svg, size, background))
            print(f"wrote {FOLDER / name}")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()

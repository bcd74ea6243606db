"""Qualitative colour palettes: many distinct colours for clusters, and separate,
lighter ones for sample-sheet annotations, so that a colour never means both.

The lists are generated (and shipped, so nothing is computed at import) by
:func:`distinct_colors`, a glasbey-like greedy choice in CIELAB: each next colour is the
candidate farthest from all colours chosen so far, within a band of lightness and a
minimum chroma. Clusters take dark-to-mid lightness (L* 25-60: at least 3:1 contrast on
white, white text readable on them, no pale yellow); annotations take light colours
(L* 72-88), so every cluster colour differs from every annotation colour in lightness by
at least 12.
``python -m rnaclust_dash.pl.palettes`` prints the lists again.
"""

from __future__ import annotations

import numpy as np

#: Lightness bands (CIELAB L*) and minimum chroma of the two kinds of palette.
CLUSTER_BAND = (25.0, 60.0)
ANNOTATION_BAND = (72.0, 88.0)
#: Chroma ranges: no greyish colour (grey means missing), no neon.
CLUSTER_CHROMA = (30.0, 80.0)
ANNOTATION_CHROMA = (22.0, 50.0)

#: Okabe-Ito colours inside the cluster band: the first clusters get these familiar ones.
CLUSTER_SEEDS = ("#0072B2", "#D55E00", "#009E73")

#: 64 cluster colours (:func:`distinct_colors` with the cluster band and seeds).
CLUSTER_COLORS = (
    "#0072B2", "#D55E00", "#009E73", "#DD0088", "#554411", "#8855DD", "#779900", "#880022",
    "#BB7799", "#553377", "#FF4455", "#005500", "#0099AA", "#BB7755", "#997700", "#3388FF",
    "#880088", "#881155", "#009922", "#778844", "#AA77CC", "#DD5577", "#AA0000", "#773300",
    "#006655", "#DD55CC", "#0044AA", "#884444", "#CC5544", "#DD66AA", "#776699", "#EE1166",
    "#442299", "#559944", "#445500", "#114488", "#7788DD", "#CC7733", "#337744", "#884477",
    "#3366EE", "#EE5533", "#0099CC", "#8844AA", "#BB0033", "#AA3388", "#CC7777", "#AA8844",
    "#AA4411", "#885500", "#777711", "#447700", "#BB66DD", "#339988", "#224411", "#6666CC",
    "#AA4466", "#BB0055", "#BB0099", "#771133", "#772277", "#885533", "#2266BB", "#882211",
)

#: 24 light colours for categorical sample annotations (the annotation band).
ANNOTATION_COLORS = (
    "#00CCBB", "#FF99CC", "#FFCC77", "#77BBFF", "#99CC77", "#FF9988", "#CCAAFF", "#99DDEE",
    "#DDDDAA", "#CCAACC", "#99EEBB", "#EEBBAA", "#22EEFF", "#00CCFF", "#99BB99", "#BBBB66",
    "#EEAA77", "#88DDCC", "#FFBBCC", "#CCCCFF", "#FFBBFF", "#FF99AA", "#55CC99", "#88BBDD",
)


def hex_to_lab(colors) -> np.ndarray:
    """CIELAB (D65) of ``#RRGGBB`` colours, shape (n, 3)."""
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=float)
    return _rgb_to_lab(rgb / 255.0)


def _linear(rgb: np.ndarray) -> np.ndarray:
    """sRGB channel values (0..1) to linear light."""
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    linear = _linear(rgb)
    to_xyz = np.array([[0.4124564, 0.3575761, 0.1804375],
                       [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]),
                     200 * (f[:, 1] - f[:, 2])], axis=1)


def relative_luminance(color: str) -> float:
    """WCAG relative luminance of a ``#RRGGBB`` colour (0 black .. 1 white)."""
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) / 255.0
    return float(_linear(rgb) @ np.array([0.2126, 0.7152, 0.0722]))


def text_color_on(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (``#RRGGBB``)."""
    luminance = relative_luminance(background)
    # WCAG contrast ratios against white and black text.
    return "white" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "black"


def readable_on_white(color: str, *, contrast: float = 4.5) -> str:
    """``color`` darkened (towards black, same hue) until text in it reaches
    ``contrast`` against white (WCAG AA for normal text is 4.5)."""
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    for _ in range(40):
        hexed = "#%02X%02X%02X" % tuple(int(round(v)) for v in rgb)
        if 1.05 / (relative_luminance(hexed) + 0.05) >= contrast:
            return hexed
        rgb *= 0.92
    return "#000000"


def distinct_colors(n: int, *, band: tuple[float, float], chroma: tuple[float, float],
                    seeds=(), step: int = 17) -> tuple[str, ...]:
    """``n`` colours, each as far (CIELAB distance) from those before it as possible.

    Parameters
    ----------
    n : int
        How many colours (``seeds`` included).
    band : (float, float)
        Lightness L* range of the candidates.
    chroma : (float, float)
        Chroma range of the candidates (greyish and neon colours left out).
    seeds : sequence of str
        Colours to start from, in order.
    step : int
        Candidates are the sRGB grid 0, step, 2*step, ... 255 per channel.

    Returns
    -------
    tuple of str
        ``#RRGGBB`` colours, deterministic for given arguments.
    """
    levels = np.arange(0, 256, step)
    grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 3)
    lab = _rgb_to_lab(grid / 255.0)
    saturation = np.hypot(lab[:, 1], lab[:, 2])
    keep = ((lab[:, 0] >= band[0]) & (lab[:, 0] <= band[1])
            & (saturation >= chroma[0]) & (saturation <= chroma[1]))
    grid, lab = grid[keep], lab[keep]
    chosen = [c.upper() for c in seeds][:n]
    nearest = np.full(len(lab), np.inf)
    for seed_lab in hex_to_lab(chosen) if chosen else []:
        nearest = np.minimum(nearest, np.linalg.norm(lab - seed_lab, axis=1))
    while len(chosen) < n:
        best = int(np.argmax(nearest))
        chosen.append("#%02X%02X%02X" % tuple(int(v) for v in grid[best]))
        nearest = np.minimum(nearest, np.linalg.norm(lab - lab[best], axis=1))
    return tuple(chosen)


def generated_palettes() -> dict[str, tuple[str, ...]]:
    """The shipped palettes as :func:`distinct_colors` makes them."""
    return {"CLUSTER_COLORS": distinct_colors(len(CLUSTER_COLORS), band=CLUSTER_BAND,
                                              chroma=CLUSTER_CHROMA, seeds=CLUSTER_SEEDS),
            "ANNOTATION_COLORS": distinct_colors(len(ANNOTATION_COLORS), band=ANNOTATION_BAND,
                                                 chroma=ANNOTATION_CHROMA)}


if __name__ == "__main__":
    for name, colors in generated_palettes().items():
        print(f"{name} = (")
        for start in range(0, len(colors), 8):
            print("    " + ", ".join(f'"{c}"' for c in colors[start:start + 8]) + ",")
        print(")")

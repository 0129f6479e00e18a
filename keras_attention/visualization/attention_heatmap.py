"""Attention weights as a heatmap: which keys each query looked at.

Shape legend: T query length, S key length, H heads.
"""

import os

import numpy as np
from keras import ops

# Fonts with Chinese/Japanese glyphs, tried in order when labels need them.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Source Han Sans SC",
)


def plot_attention_heatmap(
    scores,
    query_tokens=None,
    key_tokens=None,
    head=None,
    title=None,
    path=None,
    ax=None,
):
    """Draws attention weights with queries as rows and keys as columns.

    Args:
        scores: (T, S) weights, or (H, T, S) for several heads (then `head`
            picks one; by default the heads are averaged). A leading batch
            axis of size 1 is accepted. Any backend tensor or numpy array.
        query_tokens: optional T row labels (e.g. target tokens).
        key_tokens: optional S column labels (e.g. source tokens).
        head: which head to draw when `scores` has a head axis.
        title: optional title.
        path: if given, the figure is saved there (PNG, SVG, PDF...).
        ax: optional matplotlib axes to draw into.

    Returns:
        The matplotlib `Figure`.

    Example:
    >>> x = np.random.rand(1, 4, 8).astype("float32")
    >>> _, scores = DotProductAttention()(x, x, return_attention_scores=True)
    >>> figure = plot_attention_heatmap(scores[0], list("abcd"), list("wxyz"))
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "plot_attention_heatmap needs matplotlib: pip install matplotlib"
        ) from error
    weights = _to_matrix(scores, head)
    rows, columns = weights.shape
    for name, tokens, expected in (
        ("query_tokens", query_tokens, rows),
        ("key_tokens", key_tokens, columns),
    ):
        if tokens is not None and len(tokens) != expected:
            raise ValueError(
                f"`{name}` needs one label per query (row) or key (column) of the "
                f"scores. Received: {len(tokens)} labels, expected {expected}"
            )
    labels = list(query_tokens or []) + list(key_tokens or [])
    font = _cjk_font() if any(_is_cjk(str(label)) for label in labels) else None

    if ax is None:
        size = (max(4, 0.45 * columns + 2), max(3, 0.45 * rows + 1.5))
        figure, ax = plt.subplots(figsize=size)
    else:
        figure = ax.figure
    image = ax.imshow(weights, cmap="viridis", vmin=0.0, aspect="auto")
    figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    font_kwargs = {"fontfamily": font} if font else {}
    if key_tokens is not None:
        ax.set_xticks(range(columns))
        ax.set_xticklabels(key_tokens, rotation=60, ha="right", **font_kwargs)
    if query_tokens is not None:
        ax.set_yticks(range(rows))
        ax.set_yticklabels(query_tokens, **font_kwargs)
    ax.set_xlabel("keys")
    ax.set_ylabel("queries")
    if title:
        ax.set_title(title, **font_kwargs)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, dpi=150)
    return figure


def _to_matrix(scores, head):
    weights = np.asarray(ops.convert_to_numpy(scores), dtype="float32")
    if weights.ndim == 4 and weights.shape[0] == 1:
        weights = weights[0]  # drop a batch of one
    if weights.ndim == 3:
        weights = weights.mean(axis=0) if head is None else weights[head]
    if weights.ndim != 2:
        raise ValueError(
            "`scores` must have shape (T, S), (H, T, S) or (1, H, T, S). "
            f"Received: scores.shape={tuple(np.shape(scores))}"
        )
    return weights


def _is_cjk(text):
    return any(
        "\u3040" <= char <= "\u30ff"  # kana
        or "\u3400" <= char <= "\u9fff"  # CJK ideographs
        or "\uac00" <= char <= "\ud7af"  # hangul
        for char in text
    )


def _cjk_font():
    """The first installed CJK-capable font family, or None (with a warning)."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    bundled = _bundled_cjk_font_file()
    if bundled is not None:
        font_manager.fontManager.addfont(bundled)
        return font_manager.FontProperties(fname=bundled).get_name()
    import warnings

    warnings.warn(
        "No font with Chinese/Japanese glyphs found; labels may show as boxes. "
        "Install one: `pip install mplfonts` (installed with "
        "keras-attention[applications]), or `apt-get install fonts-noto-cjk`.",
        stacklevel=3,
    )
    return None


def _bundled_cjk_font_file():
    """Noto Sans CJK SC as shipped in the `mplfonts` wheel, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, "fonts", "NotoSansCJKsc-Regular.otf")
        if os.path.isfile(path):
            return path
    return None

"""Pictures of attention (needs matplotlib: `pip install matplotlib`)."""

from keras_attention.visualization.attention_heatmap import plot_attention_heatmap

__all__ = ["plot_attention_heatmap"]

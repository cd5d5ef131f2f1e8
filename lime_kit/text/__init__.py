"""Text documents: tokens as character spans, word-removal sampler and the TextExplainer."""

"""Tabular rows: sampler, discretizers and the TabularExplainer."""

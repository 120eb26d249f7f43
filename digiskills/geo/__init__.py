"""Boundaries for the maps: finding the boundary files, matching their names to unit codes, caching the shapes.
May import: text, reference."""

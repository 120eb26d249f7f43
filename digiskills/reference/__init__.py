"""Reference data that every step shares: the unit sets and their validity (units), the crosswalk from the
former units to the 2025 communes (crosswalk), population denominators (denominators) and the goals (goals.yaml).
May import: digiskills.text."""

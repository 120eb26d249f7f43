"""What the numbers mean: goal projections (projections), the funnel from guided to active (funnel) and small-cell
protection (disclosure). Counting is done by the SQL in queries/; this package fits, chooses and protects.
May import: text, reference, warehouse."""

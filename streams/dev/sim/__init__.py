"""Simulator: a synthetic world, claims with a defect mix, and a payer model that answers them."""

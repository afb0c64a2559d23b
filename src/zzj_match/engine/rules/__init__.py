"""The matching rules: the market reduced to comparable numbers, admissibility and cost."""

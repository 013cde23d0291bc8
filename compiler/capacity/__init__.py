"""Capacity and cost over a reference week (`week`) and the plan built from it (`plan`): pure functions of a
resolved fleet, read by the lint rules, the review and `servespec plan`."""

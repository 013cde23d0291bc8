"""Reviewing a change: compare two sets of compiled objects (`objects`), note the risks (`risks`), and read
both sides from trees, spec files or a git revision (`changes`). Specs are compiled in memory, without Node."""

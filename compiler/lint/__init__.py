"""The lint engine (`engine`): runs a policy pack's rules (`policy`; the rules are `servespec.policies`)
and custom JSON-Schema rules (`rule_schema`) over resolved fleets. Never starts Node."""

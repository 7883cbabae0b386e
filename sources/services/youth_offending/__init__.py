"""Youth offending: a youth offending team's case management system (REST), in one folder.

`service.py` registers it (`DEFINITION`); `adapter.py` and `mapper.py` read the system; `model.py` holds its facts
and involvement; `rules.py` and `display_rule.py` say what a social worker sees; `graphql.py` is its schema type;
`simulation.py` is its simulated system in the sandbox. README.md is the wire contract between the two.
"""

"""The police service: its definition is in `service.py`."""

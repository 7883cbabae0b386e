"""The housing service: its definition is in `service.py`."""

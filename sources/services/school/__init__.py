"""The school service: its definition is in `service.py`."""

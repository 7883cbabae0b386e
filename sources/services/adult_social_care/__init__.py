"""The adult social care service: its definition is in `service.py`."""

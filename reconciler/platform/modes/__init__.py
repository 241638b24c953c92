"""The operations of each mode, on top of the client core."""

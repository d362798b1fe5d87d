"""Reading and writing tables: formats, CSV text parsing and atomic writes."""

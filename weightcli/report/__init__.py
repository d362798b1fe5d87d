"""The report: its data model and one formatter per output format."""

"""The `report` command's HTML page, its figures and charts, and the text tables."""

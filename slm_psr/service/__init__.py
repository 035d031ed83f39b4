"""The use cases over a stored project, shared by the pages, the command line and a notebook."""

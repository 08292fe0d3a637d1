"""Local development: the tool server that runs the SAM functions in-process, and the Fullstory simulator."""

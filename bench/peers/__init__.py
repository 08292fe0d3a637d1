"""The peers our handler is measured against, each serving the same fullstory_list_segments call."""

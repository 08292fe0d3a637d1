"""`make bench`: the performance table (cold start, warm overhead, export polling, fan-out, size) against peers."""

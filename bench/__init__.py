"""``make bench``: what each request path costs, the cold start, and real clients end to end.

Runs against moto's S3 server in a separate process, on synthetic buckets it creates, and prints
one Markdown table (also written, with the raw figures as JSON, under ``bench/results/``).
"""

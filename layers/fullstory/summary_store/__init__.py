"""The summary cache and the monthly Activation budget: one DynamoDB table, no Fullstory.

``keys`` says what identifies a summary and a month; ``table`` keeps each summary's life (claimed,
running, done, failed) with conditional writes; ``budget`` counts Activations per calendar month.
docs/summaries.md describes the table.
"""

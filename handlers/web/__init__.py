"""The HTTP edge: requests, responses and errors, content negotiation, and the upload form's parser.

Holds ``http`` (one ``Request``, one ``Response``, the named HTTP errors and the REST v1 proxy form),
``negotiation`` (PEP 691 formats by ``Accept``) and ``multipart`` (twine's and uv's upload forms).
All pure: may import the standard library only (no other part of ``handlers``, no boto3).
"""

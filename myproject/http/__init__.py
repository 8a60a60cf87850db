"""The HTTP platform every app uses: parsers, fields, pages, filters, routes, throttles,
request ids and middleware."""

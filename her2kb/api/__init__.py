"""
The framework of the read-only REST API, one module per concern: `parameters`, `pagination`, `renderers`,
`throttling`, `errors`, `caching`, `views` (the base behaviour of every endpoint), `fields` and `schema`.

One idea runs through this package: every query parameter an endpoint accepts is described once, as a
JSON-Schema fragment (`query_parameter_specs`). The same description is published in the OpenAPI schema
and enforced on every request, so what the docs promise and what the server accepts cannot drift apart:
an unknown parameter, a value outside an enumeration, a malformed identifier or a page size over the cap
is a 400 with a message naming the parameter, never a silently ignored filter or a 500.
"""

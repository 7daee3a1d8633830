"""HTTP and GraphQL: types, schema, loaders and the ASGI app."""

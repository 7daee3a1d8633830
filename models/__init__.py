"""Tables, engine and settings: the lowest layer, free of GraphQL and HTTP."""

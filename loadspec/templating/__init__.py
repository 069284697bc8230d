"""Templates and extraction: `{{name}}` with built-ins (`render`), JSONPath (`extract`)."""

package datacenter

// SchemaV1 is the first schema, for migration tests.
const SchemaV1 = schema

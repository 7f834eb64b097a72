-- Functions and views live in their own schema, re-created by `roadchief db migrate`.
CREATE SCHEMA IF NOT EXISTS roadchief;

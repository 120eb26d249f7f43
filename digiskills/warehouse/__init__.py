"""The DuckDB warehouse: its file and readers (db), building and publishing it (store), versions with review and
rollback (versions), the models built from the staged facts (models, queries/models/), the Parquet lake and the
same models on Apache Spark (lake, spark). May import: text, reference, privacy."""

"""Reading the province's exports into the warehouse: the data contract (contract), file readers with their
limits (readers, limits), row checks with reasons (validate), staging (staging), the import process (worker) and
the import itself (load). May import: text, reference, privacy, warehouse."""

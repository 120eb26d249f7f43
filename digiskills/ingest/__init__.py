"""Reading the province's exports into the warehouse: the data contract (contract), file readers with their
limits (readers, limits, errors; a CSV's lines numbered in numbering), row checks with reasons (validate, cells),
staging (staging), the import process (worker) and the import itself (load). May import: text, reference,
privacy, warehouse."""

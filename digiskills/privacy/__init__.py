"""Personal data never reaches the warehouse in clear: keyed pseudonyms of ID and phone numbers (pseudonym) and
masking of numbers written in free text (masking). Imports nothing of the package."""

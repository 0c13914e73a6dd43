"""Pure rules about customers: tax identifiers (CUI, CNP, VAT numbers) and counties."""

"""SIADES data layer: SQLAlchemy models on OpenSID's tables, the bot's own tables, queries, CLI."""

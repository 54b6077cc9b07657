"""The 医保 knowledge base: guides → parsers → SQL database → query API, export and NLU resources."""

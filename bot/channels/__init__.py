"""Custom Rasa input channels (referenced from bot/credentials.yml by module path)."""
